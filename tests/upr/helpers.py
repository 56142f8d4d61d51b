"""A small hand-made world for the planning view: recommendations, missions, contacts and meetings."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from engage.demo import UPR_CYCLE1_CSV
from engage.extensions import db
from engage.meetings.models import Attendee, Meeting
from tests import factories

WHEN = factories.WHEN
CYCLE_START = datetime(2025, 1, 1, tzinfo=UTC)  # where the window of factories.make_cycle() begins


def make_meeting(organiser, contacts, starts_at, status="scheduled", recommendations=(), title=None):
    """A meeting row made directly (the Meetings issue owns the services that normally do this)."""
    meeting = Meeting(title=title or f"Meeting at {starts_at:%Y-%m-%d}", starts_at=starts_at,
                      ends_at=starts_at + timedelta(hours=1), timezone="Africa/Nairobi", status=status,
                      organiser_id=organiser.id, created_at=WHEN, updated_at=WHEN,
                      cancelled_at=WHEN if status == "cancelled" else None)
    meeting.attendees = [Attendee(contact_id=c.id, added_at=WHEN) for c in contacts]
    meeting.recommendations = list(recommendations)
    db.session.add(meeting)
    db.session.commit()
    return meeting


@dataclass
class World:
    recs: dict
    orgs: dict
    contacts: dict
    meetings: dict


def make_world(organiser) -> World:
    """Germany 3 health recommendations, Sweden 2, France 2, Brazil 1; the United States 1 on another theme.

    Met this cycle: Germany (its Nairobi embassy), Sweden (through a Swedish NGO, not its mission).
    Not yet: France (its only meeting was cancelled), Brazil (met, but before the cycle began).
    """
    factories.make_cycle()  # cycle 5, engaged from CYCLE_START: the window this world was written for
    mk = factories.make_recommendation
    recs = {
        "de1": mk(reference="142.1", recommending_state="DE", themes=["Right to health"], text="Ensure access to ARVs"),
        "de2": mk(reference="142.2", recommending_state="DE", themes=["HIV/AIDS"], text="Key populations",
                  response="noted"),
        "de3": mk(reference="142.3", recommending_state="DE", themes=["Right to health", "Women's rights"],
                  text="Maternal health"),
        "se1": mk(reference="142.4", recommending_state="SE", themes=["HIV/AIDS"], text="Decriminalise"),
        "se2": mk(reference="142.5", recommending_state="SE", themes=["Right to health"], text="Health budget"),
        "fr1": mk(reference="142.6", recommending_state="FR", themes=["Right to health"], text="Clinics"),
        "fr2": mk(reference="142.7", recommending_state="FR", themes=["HIV/AIDS"], text="PrEP", response="noted"),
        "br1": mk(reference="142.8", recommending_state="BR", themes=["HIV/AIDS"], text="Stigma"),
        "us1": mk(reference="142.9", recommending_state="US", themes=["Death penalty"], text="Abolish"),
        "de_old": mk(cycle=2, reference="120.1", recommending_state="DE", themes=["Right to health"],
                     text="Older cycle"),
    }
    org = factories.make_organisation
    orgs = {
        "de_nbo": org(name="Embassy of Germany, Nairobi", kind="embassy", country="DE", city="Nairobi"),
        "de_gva": org(name="Permanent Mission of Germany, Geneva", kind="permanent_mission", country="DE",
                      city="Geneva"),
        "de_ny": org(name="Permanent Mission of Germany, New York", kind="permanent_mission", country="DE",
                     city="New York"),
        "de_gone": org(name="Old German consulate", kind="embassy", country="DE", city="Nairobi"),
        "se_nbo": org(name="Embassy of Sweden, Nairobi", kind="embassy", country="SE", city="Nairobi"),
        "se_ngo": org(name="Swedish health NGO", kind="cso", country="SE", city="Nairobi"),
        "fr_gva": org(name="Permanent Mission of France, Geneva", kind="permanent_mission", country="FR",
                      city="Pregny-Chambésy"),
        "br_nbo": org(name="Embassy of Brazil, Nairobi", kind="embassy", country="BR", city="Nairobi"),
    }
    from engage.directory import services as directory_services
    directory_services.set_organisation_archived(None, WHEN, orgs["de_gone"], True)
    db.session.commit()
    contact = factories.make_contact
    contacts = {
        "jonas": contact(orgs["de_nbo"], full_name="Jonas Becker", position="Counsellor"),
        "anna": contact(orgs["de_nbo"], full_name="Anna Schmidt"),
        "greta": contact(orgs["de_gva"], full_name="Greta Vogel"),
        "sofia": contact(orgs["se_nbo"], full_name="Sofia Lindqvist"),
        "ngo": contact(orgs["se_ngo"], full_name="Erik Ngo"),
        "claire": contact(orgs["fr_gva"], full_name="Claire Dubois"),
        "paulo": contact(orgs["br_nbo"], full_name="Paulo Silva"),
    }
    meetings = {
        "de_last": make_meeting(organiser, [contacts["jonas"]], datetime(2026, 3, 10, 7, 0, tzinfo=UTC),
                                status="held", recommendations=[recs["de1"]], title="ARVs with Germany"),
        "de_older": make_meeting(organiser, [contacts["anna"]], datetime(2025, 6, 1, 7, 0, tzinfo=UTC),
                                 status="held", title="First German meeting"),
        "de_next": make_meeting(organiser, [contacts["jonas"]], datetime(2026, 12, 15, 7, 0, tzinfo=UTC),
                                title="Follow-up with Germany"),
        "se_ngo": make_meeting(organiser, [contacts["ngo"]], datetime(2026, 2, 1, 7, 0, tzinfo=UTC), status="held"),
        "fr_cancelled": make_meeting(organiser, [contacts["claire"]], datetime(2026, 4, 1, 7, 0, tzinfo=UTC),
                                     status="cancelled", recommendations=[recs["fr1"]], title="Called off"),
        "br_before": make_meeting(organiser, [contacts["paulo"]], CYCLE_START - timedelta(days=30), status="held",
                                  title="Brazil last year"),
    }
    return World(recs, orgs, contacts, meetings)


def kenya_upr_info_export(flipped: int = 12) -> bytes:
    """Kenya's 1st cycle as UPR Info's database exports it, built from the shipped file: no paragraph
    numbers, UPR Info's words ("Accepted") and comma-separated issues, re-saved from a Mac spreadsheet
    (Mac Roman, CR line endings); every 14th row's response flipped, `flipped` of them."""
    rows = list(csv.DictReader(UPR_CYCLE1_CSV.open(encoding="utf-8")))
    flip = {id(row) for row in rows[::14][:flipped]}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r")
    writer.writerow(["To", "To-Rgrp", "To-Org", "Text", "From", "From-Rgrp", "From-Org", "Response", "Action",
                     "Issue", "Session"])
    for row in rows:
        response = {"supported": "Accepted", "noted": "Noted"}[row["response"]]
        if id(row) in flip:
            response = "Noted" if response == "Accepted" else "Accepted"
        text = row["upr_info_text"] or row["recommendation_text"]
        # UPR Info's copy differs in small ways: punctuation, a trailing full stop.
        writer.writerow(["Kenya", "African Group", "AU", text.rstrip(".") + ".", row["recommending_state"], "", "",
                         response, row["upr_info_action_category"], row["issues"].replace("; ", ","), "8"])
    return out.getvalue().encode("mac_roman", errors="replace")
