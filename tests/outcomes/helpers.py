"""A small hand-made world for outcome and report tests: themes, states, missions, meetings, outcomes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from engage.extensions import db
from engage.meetings.models import Attendee, Meeting
from engage.outcomes import services
from tests import factories

WHEN = factories.WHEN  # Sat 28 Nov 2026, 09:00 UTC: the suite's NOW


def make_meeting(organiser, contacts=(), starts_at=None, recommendations=(), status="scheduled",
                 timezone="Africa/Nairobi", title=None, staff=()):
    """A meeting row made directly, as it stands after booking (the Meetings issue owns booking)."""
    starts_at = starts_at or datetime(2026, 11, 10, 7, 0, tzinfo=UTC)
    meeting = Meeting(title=title or f"Meeting on {starts_at:%d %b %Y}", starts_at=starts_at,
                      ends_at=starts_at + timedelta(hours=1), timezone=timezone, status=status,
                      organiser_id=organiser.id, created_by_id=organiser.id, created_at=WHEN, updated_at=WHEN,
                      cancelled_at=WHEN if status == "cancelled" else None)
    meeting.attendees = [Attendee(contact_id=c.id, added_at=WHEN) for c in contacts] + \
        [Attendee(user_id=u.id, added_at=WHEN) for u in staff]
    meeting.recommendations = list(recommendations)
    db.session.add(meeting)
    db.session.commit()
    return meeting


@dataclass
class World:
    staff: object
    other_staff: object
    lead: object
    orgs: dict
    contacts: dict
    recs: dict
    meetings: dict
    outcomes: dict


def make_world(staff, lead) -> World:
    """Germany, France, Sweden and Brazil with recommendations on HIV/AIDS, Right to health and Education.

    Outcomes this cycle (cycle 5, its engagement window from 1 Jan 2025):
      Germany (Nairobi embassy, 10 Nov 2026): de_hiv supportive with a commitment; de_edu not discussed.
      France (Geneva mission, 20 Nov 2026): fr_hiv undecided, no commitment; a follow-up due 25 Nov (overdue).
    Before the cycle: Brazil (1 Jun 2024): br_hiv supportive with a commitment.
    Never met: Sweden (se_health).
    """
    other = factories.make_user(role="staff", email="other@example.org", full_name="Other Staff")
    factories.make_cycle()  # cycle 5, engaged from 1 Jan 2025: the window this world was written for
    orgs = {
        "de": factories.make_organisation(name="Embassy of Germany, Nairobi", kind="embassy", country="DE",
                                          city="Nairobi"),
        "fr": factories.make_organisation(name="Permanent Mission of France, Geneva", kind="permanent_mission",
                                          country="FR", city="Geneva"),
        "se": factories.make_organisation(name="Embassy of Sweden, Nairobi", kind="embassy", country="SE",
                                          city="Nairobi"),
        "br": factories.make_organisation(name="Embassy of Brazil, Nairobi", kind="embassy", country="BR",
                                          city="Nairobi"),
    }
    contacts = {k: factories.make_contact(o, full_name=f"Diplomat {k.upper()}", email=f"diplomat-{k}@example.org")
                for k, o in orgs.items()}
    recs = {
        "de_hiv": factories.make_recommendation(themes=("HIV/AIDS", "Right to health"), cycle=4, reference="142.15",
                                                recommending_state="DE", text="Protect HIV key populations."),
        "de_edu": factories.make_recommendation(themes=("Education",), cycle=3, reference="138.2",
                                                recommending_state="DE", text="Free primary schooling."),
        "fr_hiv": factories.make_recommendation(themes=("HIV/AIDS",), cycle=4, reference="142.40",
                                                recommending_state="FR", text="Decriminalise HIV transmission."),
        "se_health": factories.make_recommendation(themes=("Right to health",), cycle=4, reference="142.77",
                                                   recommending_state="SE", text="Universal health coverage."),
        "br_hiv": factories.make_recommendation(themes=("HIV/AIDS",), cycle=3, reference="139.9",
                                                recommending_state="BR", text="Expand PrEP access."),
    }
    meetings = {
        "de": make_meeting(staff, [contacts["de"]], datetime(2026, 11, 10, 7, 0, tzinfo=UTC),
                           [recs["de_hiv"], recs["de_edu"]], title="Germany on HIV", staff=[staff]),
        "fr": make_meeting(staff, [contacts["fr"]], datetime(2026, 11, 20, 9, 0, tzinfo=UTC), [recs["fr_hiv"]],
                           timezone="Europe/Zurich", title="France in Geneva", staff=[other]),
        "br": make_meeting(staff, [contacts["br"]], datetime(2024, 6, 1, 7, 0, tzinfo=UTC), [recs["br_hiv"]],
                           title="Brazil before the cycle"),
    }
    outcomes = {}
    de = services.log_meeting_outcomes(
        staff, WHEN, meetings["de"], "Good meeting on key populations.", orgs["de"].id,
        [{"recommendation_id": recs["de_hiv"].id, "position": "supportive",
          "commitment": "Will make a recommendation on HIV key populations"},
         {"recommendation_id": recs["de_edu"].id, "position": "not_discussed"}])
    outcomes["de_overall"], outcomes["de_hiv"], outcomes["de_edu"] = de
    fr = services.log_meeting_outcomes(
        staff, WHEN, meetings["fr"], "France is still consulting its capital.", orgs["fr"].id,
        [{"recommendation_id": recs["fr_hiv"].id, "position": "undecided", "notes": "Ask again in January"}],
        [{"description": "Send France the shadow report", "owner_id": other.id, "due_on": date(2026, 11, 25)}])
    outcomes["fr_overall"], outcomes["fr_hiv"] = fr
    br = services.log_meeting_outcomes(
        staff, WHEN, meetings["br"], "Brazil will co-sponsor a statement.", orgs["br"].id,
        [{"recommendation_id": recs["br_hiv"].id, "position": "supportive", "commitment": "Co-sponsor a statement"}])
    outcomes["br_overall"], outcomes["br_hiv"] = br
    db.session.commit()
    return World(staff=staff, other_staff=other, lead=lead, orgs=orgs, contacts=contacts, recs=recs,
                 meetings=meetings, outcomes=outcomes)
