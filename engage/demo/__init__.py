"""First-run set-up and demo data: real missions and ministries, invented contacts marked as demo."""
from __future__ import annotations

import csv
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from engage.access.models import AccessGroup
from engage.auth.models import User
from engage.auth.services import create_user, generate_password
from engage.clock import now_utc, timezone_for_city
from engage.countries import country_code, country_name
from engage.demo.asks import load_demo_asks
from engage.directory.models import Contact, Organisation
from engage.extensions import db
from engage.history import record_change
from engage.recommendations.models import Recommendation
from engage.recommendations.vocabulary import load_vocabulary
from engage.upr.imports import import_recommendations_file

DATA_DIR = Path(__file__).resolve().parent / "data"
MISSIONS_CSV = DATA_DIR / "diplomatic_missions_nairobi_geneva.csv"
UPR_CYCLE1_CSV = DATA_DIR / "kenya_upr_cycle1_2010_recommendations.csv"
GENEVA_MISSIONS_CSV = DATA_DIR / "geneva_permanent_missions.csv"
DEMO_SOURCE = "demo data (invented)"
MISSIONS_SOURCE = "Wikidata via database-of-embassies (CC0), see engage/demo/data/SOURCES.md"
GENEVA_SOURCE = "public sources named in engage/demo/data/SOURCES.md (Geneva permanent missions)"

# Kenyan public bodies and UN bodies the coalition deals with (real names, no personal data).
KENYAN_BODIES = [
    ("Ministry of Health", "ministry", "KE", "Nairobi", "https://www.health.go.ke"),
    ("Ministry of Foreign and Diaspora Affairs", "ministry", "KE", "Nairobi", "https://www.mfa.go.ke"),
    ("Office of the Attorney General and Department of Justice", "ministry", "KE", "Nairobi",
     "https://www.statelaw.go.ke"),
    ("Ministry of Interior and National Administration", "ministry", "KE", "Nairobi", "https://www.interior.go.ke"),
    ("Ministry of Information, Communications and the Digital Economy", "ministry", "KE", "Nairobi",
     "https://ict.go.ke"),
    ("National Syndemic Diseases Control Council", "other", "KE", "Nairobi", "https://nsdcc.go.ke"),
    ("Kenya National Commission on Human Rights", "other", "KE", "Nairobi", "https://www.knchr.org"),
    ("Permanent Mission of Kenya to the United Nations Office at Geneva", "permanent_mission", "KE", "Geneva", None),
    ("Office of the High Commissioner for Human Rights (OHCHR)", "un_agency", None, "Geneva",
     "https://www.ohchr.org"),
    ("UNAIDS Kenya Country Office", "un_agency", None, "Nairobi", "https://www.unaids.org"),
    ("World Health Organization Kenya Country Office", "un_agency", None, "Nairobi", "https://www.afro.who.int"),
]

# Invented people, clearly demo: example.org addresses, "(demo)" in the notes.
DEMO_CONTACTS = [
    ("Amina Wanjiru", "Head, Division of HIV/AIDS and STI Control", "Ministry of Health", None),
    ("Peter Otieno", "Legal Officer, UPR focal point", "Office of the Attorney General and Department of Justice", None),
    ("Grace Mutua", "Director, Multilateral Affairs", "Ministry of Foreign and Diaspora Affairs", None),
    ("Hassan Abdi", "Human Rights Officer", "Kenya National Commission on Human Rights", None),
    ("Claire Dubois", "First Secretary, Political Affairs", "France", "Nairobi"),
    ("Jonas Becker", "Counsellor, Human Rights", "Germany", "Nairobi"),
    ("Sofia Lindqvist", "Second Secretary, Development and Health", "Sweden", "Nairobi"),
    ("Emma Clarke", "Political Officer", "United Kingdom", "Nairobi"),
    ("Luis Martínez", "Human Rights Attaché", "Spain", "Nairobi"),
    ("Aroha Ngata", "Second Secretary, Human Rights Council", "New Zealand", "Geneva"),
    ("Jean-Paul Habimana", "First Counsellor, Human Rights", "Rwanda", "Geneva"),
    ("Thandiwe Phiri", "Counsellor, UPR", "Zambia", "Geneva"),
    ("Wanjiku Kamau", "Programme Officer, Key Populations", "UNAIDS Kenya Country Office", None),
    ("Nadia Haddad", "Human Rights Officer, UPR Branch", "Office of the High Commissioner for Human Rights (OHCHR)", None),
    ("Samuel Kiprono", "Counsellor", "Permanent Mission of Kenya to the United Nations Office at Geneva", None),
]
# The demo's diplomats who read their invitations in French or Spanish (everyone else: English).
DEMO_LANGUAGES = {"Claire Dubois": "fr", "Jean-Paul Habimana": "fr-RW", "Luis Martínez": "es"}


# Who the demo invites in the name of: the coalition engage was made for.
DEMO_ORGANISATION = "Kenya Health Rights Coalition"

def _mission_kind_and_name(row: dict) -> tuple[str, str, str]:
    """(kind, display name, note) for a row of the missions file."""
    state = row["sending_state"]
    mtype = row["mission_type"].strip().lower()
    code = country_code(state)
    shown = country_name(code) if code else state
    metro = row["metro_area"]
    if mtype == "high commission":
        return "high_commission", f"High Commission of {shown}, {metro}", ""
    if mtype == "permanent mission":
        return "permanent_mission", f"Permanent Mission of {shown}, {metro}", ""
    if mtype == "embassy" and metro == "Geneva":
        # Embassies to Switzerland sit in Bern; a Geneva "embassy" in Wikidata is almost always the
        # permanent mission to the UN Office at Geneva.
        return ("permanent_mission", f"Permanent Mission of {shown}, {metro}",
                "Typed 'embassy' in Wikidata; treated as the permanent mission in Geneva.")
    if mtype == "embassy":
        return "embassy", f"Embassy of {shown}, {metro}", ""
    if mtype == "apostolic nunciature":
        return "embassy", f"Apostolic Nunciature ({shown}), {metro}", ""
    return "other", f"{shown} {row['mission_type']}, {metro}", ""


def load_demo_data(now, echo=print) -> bool:
    """Load the missions, Kenyan and UN bodies and demo contacts, once; False if already loaded."""
    load_vocabulary()  # so the 1st-cycle file's UPR Info issues are read as engage's themes
    load_demo_recommendations(now, echo=echo)
    already = db.session.scalar(select(func.count()).select_from(Organisation)
                                .where(Organisation.source == MISSIONS_SOURCE))
    if already:
        echo("Demo data is already loaded.")
        return False
    orgs = {}
    with MISSIONS_CSV.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            kind, name, note = _mission_kind_and_name(row)
            city = row["city"] or row["metro_area"]
            notes = "; ".join(filter(None, [note, row.get("note"),
                                            f"Accredited to: {row['jurisdictions']}" if row["jurisdictions"] else "",
                                            f"Wikidata {row['wikidata_id']}"]))
            org = Organisation(name=name, kind=kind, country=country_code(row["sending_state"]), city=city,
                               timezone=timezone_for_city(city) or timezone_for_city(row["metro_area"]),
                               notes=notes, source=MISSIONS_SOURCE, is_archived=False,
                               created_at=now, updated_at=now)
            db.session.add(org)
            orgs[(row["sending_state"], row["metro_area"])] = org
    _add_geneva_missions(now, orgs)
    for name, kind, country, city, website in KENYAN_BODIES:
        org = Organisation(name=name, kind=kind, country=country, city=city, timezone=timezone_for_city(city),
                           website=website, source="engage demo set-up",
                           is_archived=False, created_at=now, updated_at=now)
        db.session.add(org)
        orgs[(name, None)] = org
    db.session.flush()
    for full_name, position, org_key, metro in DEMO_CONTACTS:
        org = orgs.get((org_key, metro))
        email = full_name.lower().replace(" ", ".").replace("í", "i") + "@example.org"
        contact = Contact(full_name=full_name, email=email, position=position,
                          organisation_id=org.id if org else None,
                          language=DEMO_LANGUAGES.get(full_name, "en"),
                          notes="(demo) Invented person for trying engage out.", source=DEMO_SOURCE,
                          is_archived=False, created_at=now, updated_at=now)
        db.session.add(contact)
    db.session.flush()
    for org in orgs.values():
        record_change(None, now, org, "imported")
    _demo_access_group(now)
    load_demo_asks(now, echo=echo)
    echo(f"Loaded demo data: {len(orgs)} organisations (missions in Nairobi and Geneva, Kenyan and UN bodies) "
         f"and {len(DEMO_CONTACTS)} invented contacts.")
    return True


def _add_geneva_missions(now, orgs: dict) -> None:
    """The Geneva missions of the States that recommend most on health, with the public phone numbers
    and addresses the sources give; a row for a mission already loaded only adds what it lacks."""
    with GENEVA_MISSIONS_CSV.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            state, city = row["sending_state"], row["city"]
            details = "; ".join(filter(None, [f"Address: {row['address']}" if row["address"] else "",
                                              f"Source: {row['source']}" if row["source"] else ""]))
            org = orgs.get((state, "Geneva"))
            if org is None or org.kind != "permanent_mission":   # France's Geneva row is its consulate
                code = country_code(state)
                org = Organisation(name=f"Permanent Mission of {country_name(code) if code else state}, Geneva",
                                   kind="permanent_mission", country=code, city=city,
                                   timezone=timezone_for_city(city) or timezone_for_city("Geneva"),
                                   source=GENEVA_SOURCE, is_archived=False, created_at=now, updated_at=now)
                db.session.add(org)
                orgs[(state, "Geneva", "permanent_mission")] = org
            org.phone = org.phone or row["phone"] or None
            org.website = org.website or row["website"] or None
            if details:
                org.notes = "; ".join(filter(None, [details, org.notes]))


def _demo_access_group(now) -> None:
    # A named group that restricted records can be granted to; the DPO adds its members.

    if not db.session.scalar(select(AccessGroup.id).where(AccessGroup.name == "SOGI working group")):
        db.session.add(AccessGroup(name="SOGI working group", created_at=now,
                                   description="Staff working on sexual orientation and gender identity: "
                                               "restricted meetings and contacts on key populations."))


def load_demo_recommendations(now, echo=print) -> bool:
    """Import the 166 real recommendations of Kenya's 1st UPR cycle, once; False if already there."""
    already = db.session.scalar(select(func.count()).select_from(Recommendation)
                                .where(Recommendation.source_ref.like("KEN-C1-%")))
    if already:
        echo("The 1st-cycle UPR recommendations are already loaded.")
        return False
    report = import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    if not report.ok:  # the shipped file is checked by the tests; this would be a packaging error
        raise RuntimeError(f"{UPR_CYCLE1_CSV.name}: " + "; ".join(f"line {e.line}: {e.message}" for e in report.errors))
    echo(f"Loaded Kenya's 1st-cycle UPR recommendations (A/HRC/15/8): {report.summary()}.")
    return True


def first_run(demo: bool = True, echo=print) -> None:
    """On a database with no users: make the first admin (password printed once) and load demo data."""
    if db.session.scalar(select(func.count()).select_from(User)):
        echo("engage is set up; existing data kept.")
        return
    now = now_utc()
    email = current_app.config["ENGAGE_ADMIN_EMAIL"]
    password = generate_password()
    create_user(None, now, email, "Administrator", "admin", password)
    if demo:
        load_demo_data(now, echo=echo)
    db.session.commit()
    line = "=" * 64
    echo(f"\n{line}\n  First admin account (shown only this once):\n"
         f"    email:    {email}\n    password: {password}\n"
         f"  Change it under 'your account' after signing in.\n{line}\n")
