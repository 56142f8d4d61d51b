"""Synthetic data at scale for benchmarks and trying the reports: `flask --app wsgi engage seed --scale large`.

Rows go in with Core inserts in batches (executemany), not through the ORM or the services, so
the large scale (2,000 organisations, 10,000 contacts, 1,000 recommendations, 20,000 meetings,
100,000 outcomes) loads in well under a few minutes on SQLite. Everything is invented and marked:
organisations and contacts carry the source "seed", addresses are @example.org.
"""
from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import func, insert, select, text
from werkzeug.security import generate_password_hash

from engage.auth.models import User
from engage.clock import GENEVA, NAIROBI, UTC
from engage.directory.models import Contact, Organisation
from engage.extensions import db
from engage.members import services as members
from engage.meetings.models import Attendee, Meeting, meeting_recommendation
from engage.outcomes.models import POSITIONS, FollowUp, Outcome
from engage.recommendations.models import (Recommendation, RecommendationState, Theme, recommendation_theme,
                                          reference_sort_key)
from engage.recommendations.vocabulary import load_vocabulary
from engage.settings import DEFAULT_REMINDERS

SEED_SOURCE = "seed"
SCALES = {
    "large": {"organisations": 2000, "contacts": 10000, "recommendations": 1000, "meetings": 20000,
              "outcomes": 100000, "staff": 12},
    "small": {"organisations": 60, "contacts": 240, "recommendations": 80, "meetings": 300,
              "outcomes": 1200, "staff": 4},
}
BATCH = 5000
# engage's own themes (engage/recommendations/data/themes.csv), loaded first.
THEMES = ("Right to health", "HIV/AIDS", "Sexual and reproductive health and rights", "Key populations",
          "Maternal, newborn and child health", "Women's rights", "Rights of the child", "Persons with disabilities",
          "Prohibition of torture and ill-treatment", "Freedom of opinion and expression",
          "LGBTI persons (sexual orientation and gender identity)", "Gender-based violence",
          "Refugees and asylum-seekers", "Right to education", "Right to water and sanitation")
STATES = ("DE", "FR", "GB", "US", "SE", "NO", "DK", "FI", "NL", "BE", "CH", "AT", "IT", "ES", "PT", "IE", "CA",
          "AU", "NZ", "JP", "KR", "BR", "AR", "MX", "CL", "UY", "ZA", "NG", "GH", "RW", "UG", "TZ", "ET", "EG",
          "MA", "TN", "SN", "BW", "NA", "ZM", "MW", "MZ", "IN", "CN", "ID", "TH", "PH", "MY", "SG", "VN", "TR",
          "IL", "SA", "AE", "QA", "IR", "PK", "BD", "LK", "NP", "RU", "UA", "PL", "CZ", "SK", "HU", "RO", "BG",
          "GR", "HR", "SI", "RS", "EE", "LV", "LT", "IS", "LU", "MT", "CY", "CU", "VE", "CO", "PE", "EC", "BO",
          "PY", "CR", "PA", "GT", "HN", "SV", "NI", "DO", "HT", "JM", "TT", "BB", "BS", "SL", "LR", "CI", "BF")
WORDS = ("mission", "agreed", "raise", "key", "populations", "HIV", "prevention", "treatment", "access", "health",
         "budget", "law", "reform", "statement", "review", "Geneva", "capital", "consult", "support", "concern",
         "data", "report", "civil", "society", "partners", "follow", "questions", "priority", "commitment",
         "recommendation", "ministry", "coalition", "evidence", "funding", "clinics", "stigma", "youth")
COMMITMENTS = ("Will make a recommendation on HIV key populations", "Will co-sponsor a statement",
               "Will raise it in the interactive dialogue", "Will consult the capital and reply",
               "Will share the shadow report with its delegation", "Will fund a side event")


def _batched(table, rows: list[dict]) -> None:
    if table.name in members.OWNED + ("user",) and rows:
        # Rows inserted as a batch pass no flush, so no listener gives them a member: the secretariat's.
        home = members.secretariat_id()
        rows = [{"member_id": home, **row} for row in rows]
    if table.name == "meeting":
        rows = [{"sharing": "coalition_summary", **row} for row in rows]
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start:start + BATCH])


def _sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize() + "."


def seed(scale: str, now: datetime, echo: Callable[[str], None] = lambda s: None, rng_seed: int = 2027) -> dict:
    """Insert a synthetic dataset of `scale` ("large" or "small") ending around `now`; returns the counts.

    Refuses to run twice on the same database (it looks for organisations whose source is "seed").
    """
    sizes = SCALES[scale]
    if db.session.scalar(select(func.count()).select_from(Organisation).where(Organisation.source == SEED_SOURCE)):
        raise ValueError("This database already holds seeded data; use a fresh database.")
    rng = random.Random(rng_seed)

    # staff
    password = generate_password_hash("seeded-password-not-for-use")
    existing_users = set(db.session.scalars(select(User.email)))
    users = [{"email": f"seed-{role}-{i}@example.org", "full_name": f"Seed {role.title()} {i}",
              "password_hash": password, "role": role, "timezone": NAIROBI, "is_disabled": False, "created_at": now}
             for i in range(1, sizes["staff"] + 1) for role in (("staff",) if i > 2 else ("lead",))]
    _batched(User.__table__, [u for u in users if u["email"] not in existing_users])
    staff_ids = list(db.session.scalars(select(User.id).where(User.email.like("seed-%@example.org"))))

    # themes
    load_vocabulary()
    theme_ids = [tid for tid, name in db.session.execute(select(Theme.id, Theme.name)) if name in THEMES]
    echo(f"  {len(staff_ids)} staff, {len(theme_ids)} themes")

    # organisations and contacts
    first_org = (db.session.scalar(select(func.max(Organisation.id))) or 0) + 1
    orgs = []
    for i in range(sizes["organisations"]):
        state = STATES[i % len(STATES)]
        city, zone = (("Nairobi", NAIROBI), ("Geneva", GENEVA))[i // len(STATES) % 2]
        kind = "embassy" if city == "Nairobi" else "permanent_mission"
        orgs.append({"id": first_org + i, "name": f"Seed {kind.replace('_', ' ')} of {state} #{i}", "kind": kind,
                     "country": state, "city": city, "timezone": zone, "source": SEED_SOURCE, "is_archived": False,
                     "created_at": now, "updated_at": now})
    _batched(Organisation.__table__, orgs)
    first_contact = (db.session.scalar(select(func.max(Contact.id))) or 0) + 1
    contacts = [{"id": first_contact + i, "full_name": f"Seed Contact {i}", "email": f"seed-contact-{i}@example.org",
                 "organisation_id": first_org + i % len(orgs), "position": "Counsellor", "language": "en",
                 "source": SEED_SOURCE, "is_archived": False, "created_at": now, "updated_at": now}
                for i in range(sizes["contacts"])]
    _batched(Contact.__table__, contacts)
    contacts_of: dict[int, list[int]] = {}
    for c in contacts:
        contacts_of.setdefault(c["organisation_id"], []).append(c["id"])
    echo(f"  {len(orgs)} organisations, {len(contacts)} contacts")

    # recommendations and their themes
    first_rec = (db.session.scalar(select(func.max(Recommendation.id))) or 0) + 1
    recs, links = [], []
    for i in range(sizes["recommendations"]):
        reference = f"{900 + i // 40}.{i % 40 + 1}"
        recs.append({"id": first_rec + i, "cycle": 1 + i % 4, "reference": reference,
                     "reference_sort": reference_sort_key(reference), "recommending_state": rng.choice(STATES),
                     "text": _sentence(rng, 10, 24), "response": rng.choice(("supported", "noted", "pending")),
                     "source_ref": SEED_SOURCE,
                     "created_at": now, "updated_at": now})
        for tid in rng.sample(theme_ids, rng.randint(1, 3)):
            links.append({"recommendation_id": first_rec + i, "theme_id": tid})
    # Every tenth is made jointly with one or two more states (picked from the index, so the random
    # sequence, and everything seeded after it, stays as it was).
    made_by = []
    for i, r in enumerate(recs):
        states = [r["recommending_state"]]
        if i % 10 == 9:
            at = STATES.index(states[0])
            states += [s for s in (STATES[(at + 1 + i) % len(STATES)], STATES[(at + 2 + i) % len(STATES)])[:1 + i % 2]
                       if s not in states]
        made_by += [{"recommendation_id": r["id"], "state": s, "position": n} for n, s in enumerate(states)]
    _batched(Recommendation.__table__, recs)
    _batched(RecommendationState.__table__, made_by)
    _batched(recommendation_theme, links)
    recs_by_state: dict[str, list[int]] = {}
    for link in made_by:
        recs_by_state.setdefault(link["state"], []).append(link["recommendation_id"])
    echo(f"  {len(recs)} recommendations")

    # meetings: two years back to two months ahead, office hours; attendees and agendas
    first_meeting = (db.session.scalar(select(func.max(Meeting.id))) or 0) + 1
    start = now - timedelta(days=730)
    span = int((timedelta(days=790)).total_seconds() // 3600)
    meetings, attendees, agendas = [], [], []
    held: list[tuple[int, datetime, int, list[int]]] = []
    for i in range(sizes["meetings"]):
        mid = first_meeting + i
        starts_at = (start + timedelta(hours=rng.randrange(span))).replace(minute=0, second=0, microsecond=0)
        org = orgs[rng.randrange(len(orgs))]
        past = starts_at < now
        status = "cancelled" if rng.random() < 0.04 else ("held" if past and rng.random() < 0.9 else "scheduled")
        organiser = rng.choice(staff_ids)
        meetings.append({"id": mid, "uid": f"{uuid.UUID(int=rng.getrandbits(128))}@engage", "sequence": 0,
                         "title": f"Meeting with {org['name']}", "starts_at": starts_at,
                         "ends_at": starts_at + timedelta(hours=1), "timezone": org["timezone"],
                         "location_kind": "in_person", "location": org["city"], "status": status,
                         "organiser_id": organiser, "reminder_offsets": list(DEFAULT_REMINDERS), "tags": [],
                         "created_by_id": organiser, "created_at": starts_at - timedelta(days=14),
                         "updated_at": starts_at - timedelta(days=14),
                         "cancelled_at": starts_at - timedelta(days=1) if status == "cancelled" else None,
                         "held_at": starts_at + timedelta(hours=1) if status == "held" else None})
        people = contacts_of.get(org["id"]) or []
        for cid in rng.sample(people, min(len(people), rng.randint(1, 3))):
            attendees.append({"meeting_id": mid, "contact_id": cid, "user_id": None, "role": "required",
                              "response": "accepted" if past else "needs_action", "added_at": starts_at - timedelta(days=14)})
        attendees.append({"meeting_id": mid, "contact_id": None, "user_id": organiser, "role": "required", "response": "accepted",
                          "added_at": starts_at - timedelta(days=14)})
        pool = recs_by_state.get(org["country"]) or [r["id"] for r in recs]
        agenda = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
        agendas.extend({"meeting_id": mid, "recommendation_id": rid} for rid in agenda)
        if status == "held":
            held.append((mid, starts_at, org["id"], agenda))
    _batched(Meeting.__table__, meetings)
    _batched(Attendee.__table__, attendees)
    _batched(meeting_recommendation, agendas)
    echo(f"  {len(meetings)} meetings ({len(held)} held), {len(attendees)} attendees")

    # outcomes: one overall summary per held meeting, the rest against recommendations
    first_outcome = (db.session.scalar(select(func.max(Outcome.id))) or 0) + 1
    outcomes, follow_ups = [], []
    positions = list(POSITIONS)
    weights = (30, 20, 25, 10, 15)
    n = 0
    while n < sizes["outcomes"] and held:
        mid, starts_at, org_id, agenda = held[n % len(held)]
        overall = n < len(held)
        logged = starts_at + timedelta(hours=3)
        commitment = None if overall or rng.random() > 0.2 else rng.choice(COMMITMENTS)
        outcomes.append({"id": first_outcome + n, "meeting_id": mid,
                         "recommendation_id": None if overall else rng.choice(agenda if rng.random() < 0.8
                                                                              else [r["id"] for r in recs[:50]]),
                         "organisation_id": org_id,
                         "position": None if overall else rng.choices(positions, weights)[0],
                         "summary": _sentence(rng, 12, 30), "commitment": commitment,
                         "notes": _sentence(rng, 4, 12) if rng.random() < 0.3 else None,
                         "created_by_id": rng.choice(staff_ids), "created_at": logged,
                         "updated_by_id": None, "updated_at": logged})
        if overall and rng.random() < 0.5:
            due = (starts_at + timedelta(days=rng.randint(3, 30))).date()
            done = due < now.date() and rng.random() < 0.7
            follow_ups.append({"outcome_id": first_outcome + n, "description": _sentence(rng, 4, 9),
                               "owner_id": rng.choice(staff_ids), "due_on": due, "status": "done" if done else "open",
                               "done_at": datetime.combine(due, datetime.min.time(), tzinfo=UTC) if done else None,
                               "created_at": logged, "updated_at": logged})
        n += 1
    _batched(Outcome.__table__, outcomes)
    _batched(FollowUp.__table__, follow_ups)
    echo(f"  {len(outcomes)} outcomes, {len(follow_ups)} follow-ups")
    return {"organisations": len(orgs), "contacts": len(contacts), "recommendations": len(recs),
            "meetings": len(meetings), "outcomes": len(outcomes), "follow_ups": len(follow_ups)}



def analyse() -> None:
    """Refresh the query planner's statistics after a bulk load (ANALYZE on SQLite and PostgreSQL)."""
    db.session.execute(text("ANALYZE"))
