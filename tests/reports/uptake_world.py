"""The uptake report's small world: cycle 4 with three asks, pitched, taken up and not (tests of the
page, its files and the API share it)."""
from __future__ import annotations

from datetime import UTC, date, datetime

from engage.access.services import grant, set_sensitivity
from engage.asks.models import AskMatch
from engage.cycles.services import create_cycle
from engage.extensions import db
from engage.outcomes.services import create_outcome
from tests import factories
from tests.asks.helpers import make_ask
from tests.conftest import NOW
from tests.outcomes.helpers import make_meeting

BEFORE_REVIEW = datetime(2026, 11, 10, 7, 0, tzinfo=UTC)
REVIEW_ON = date(2026, 11, 20)
AFTER_REVIEW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
AHEAD = datetime(2027, 1, 12, 8, 0, tzinfo=UTC)


class UptakeWorld:
    """Cycle 4, reviewed on 20 Nov 2026, with three asks.

    A (health budget; Right to health, HIV/AIDS): Germany pitched before the review (will make it), then
    made 142.1 with Norway (in full, supported); Norway pitched only after the review; Sweden pitched
    (declined) and made nothing matching (its 142.3 was judged "not a match"); Kenya's ministry was at
    the German meeting (the state under review is never "pitched"); a cancelled meeting with Sweden
    counts for nothing. B (mental health): France pitched at a restricted meeting (will make it), then
    made 142.2 (in part, noted); a meeting with Germany ahead is only booked. C (no theme): nothing.
    """

    def __init__(self, lead, staff, dpo):
        self.lead, self.staff, self.dpo = lead, staff, dpo
        create_cycle(lead, NOW, {"number": 4, "wg_session": 49,
                                 "milestones": [{"kind": "wg_review", "due_on": REVIEW_ON.isoformat()}]})
        db.session.commit()
        orgs = {code: factories.make_organisation(name=f"Embassy of {name}", country=code)
                for code, name in (("DE", "Germany"), ("FR", "France"), ("SE", "Sweden"), ("NO", "Norway"),
                                   ("KE", "Kenya"))}
        people = {code: factories.make_contact(org, full_name=f"Diplomat of {code}", email=f"{code.lower()}@example.org")
                  for code, org in orgs.items()}
        self.a = make_ask(lead, text="Raise the health budget to the Abuja target",
                          themes=["Right to health", "HIV/AIDS"], target_states=["DE", "SE", "NO"])
        self.b = make_ask(lead, text="Pass a mental health law", themes=["Mental health"], target_states=["FR"])
        self.c = make_ask(lead, text="Digital health records", themes=[], target_states=["DE"])
        make_ask(lead, cycle=3, text="An ask of the cycle before", themes=[], target_states=["DE"])
        meetings = {
            "de": make_meeting(staff, [people["DE"], people["KE"]], BEFORE_REVIEW, title="Germany on the budget"),
            "se": make_meeting(staff, [people["SE"]], datetime(2026, 11, 11, 7, 0, tzinfo=UTC)),
            "se_cancelled": make_meeting(staff, [people["SE"]], datetime(2026, 11, 12, 7, 0, tzinfo=UTC),
                                         status="cancelled"),
            "fr": make_meeting(staff, [people["FR"]], datetime(2026, 11, 13, 7, 0, tzinfo=UTC), title="France, quietly"),
            "no": make_meeting(staff, [people["NO"]], AFTER_REVIEW),
            "de_ahead": make_meeting(staff, [people["DE"]], AHEAD),
        }
        for key, asks in (("de", [self.a]), ("se", [self.a]), ("se_cancelled", [self.b]), ("fr", [self.b]),
                          ("no", [self.a]), ("de_ahead", [self.b])):
            meetings[key].asks = asks
        db.session.commit()
        for key, ask, code, position in (("de", self.a, "DE", "will_make"), ("se", self.a, "SE", "declined"),
                                         ("fr", self.b, "FR", "will_make")):
            create_outcome(staff, NOW, meetings[key], {"ask_id": ask.id, "organisation_id": orgs[code].id,
                                                       "position": position, "summary": f"{code} on the ask"})
        db.session.commit()
        set_sensitivity(dpo, NOW, meetings["fr"], "restricted")
        db.session.commit()
        self.meetings = meetings
        self.recs = {
            "de_no": factories.make_recommendation(cycle=4, reference="142.1", recommending_states=["DE", "NO"],
                                                   text="Increase the health budget", response="supported"),
            "fr": factories.make_recommendation(cycle=4, reference="142.2", recommending_state="FR",
                                                text="Adopt a mental health law", response="noted"),
            "se": factories.make_recommendation(cycle=4, reference="142.3", recommending_state="SE",
                                                text="Ratify a treaty", response="supported"),
        }
        for ask, rec, verdict in ((self.a, "de_no", "full"), (self.b, "fr", "partial"), (self.a, "se", "not")):
            db.session.add(AskMatch(ask_id=ask.id, recommendation_id=self.recs[rec].id, verdict=verdict,
                                    decided_by_id=lead.id, decided_at=NOW))
        db.session.commit()

    def let_see_france(self, user):
        grant(self.dpo, NOW, self.meetings["fr"], user=user)
        db.session.commit()
