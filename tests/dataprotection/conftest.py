"""Data-protection fixtures: a DPO (client and API), and a contact with a history worth erasing."""
from datetime import datetime, timedelta

import pytest
import time_machine

from engage.extensions import db
from tests import factories
from tests.conftest import NOW, _api_for, login

EMAIL = "amina.wanjiru@health.go.ke"
NAME = "Amina Wanjirũ-Odhiambo"


@pytest.fixture
def frozen():
    """Pages read the clock themselves: pin it at the suite's NOW."""
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def dpo_user(app):
    return factories.make_dpo()


@pytest.fixture
def dpo_client(app, dpo_user):
    return login(app.test_client(), dpo_user)


@pytest.fixture
def dpo_api(app, dpo_user):
    return _api_for(app, dpo_user)


@pytest.fixture
def ministry(app):
    return factories.make_organisation(name="Ministry of Health", kind="ministry", country="KE", city="Nairobi")


@pytest.fixture
def amina(ministry):
    return factories.make_contact(ministry, full_name=NAME, email=EMAIL, phone="+254722000111",
                                  position="Head of HIV programmes", notes="Met at the AIDS conference",
                                  source="Business card, Nov 2026")


@pytest.fixture
def story(app, amina, ministry):
    """Amina on two meetings (one held, with outcomes naming her), messages to her, history and mentions."""
    from engage.meetings import services as meetings
    from engage.outcomes import services as outcomes

    organiser = factories.make_user(email="organiser@example.org", full_name="Achieng Odhiambo")
    other = factories.make_contact(ministry, full_name="Peter Otieno", email="peter@health.go.ke")
    past = factories.make_meeting(organiser=organiser, contacts=[amina, other], title="HIV key populations",
                                  description=f"Follow up with {NAME} on the key populations budget",
                                  starts_at=NOW - timedelta(days=10), now=NOW - timedelta(days=20))
    future = factories.make_meeting(organiser=organiser, contacts=[amina], title="Pre-session briefing",
                                    starts_at=NOW + timedelta(days=9), now=NOW)
    outcome = outcomes.create_outcome(organiser, NOW, past, {
        "summary": f"{NAME} agreed to raise the budget line", "commitment": f"Email {EMAIL} the brief",
        "notes": "Ask her assistant, not her, next time."}, follow_ups=[
        {"description": f"Send the brief to {NAME}", "owner_id": organiser.id,
         "due_on": (NOW + timedelta(days=3)).date()}])
    unrelated = factories.make_contact(ministry, full_name="Anna Wanjiru", email="anna.w@health.go.ke",
                                       notes=f"Works with {NAME}")
    meetings.update_meeting(organiser, NOW, future, {"location": "Ministry HQ, Afya House"})
    db.session.commit()
    return {"past": past, "future": future, "outcome": outcome, "organiser": organiser, "other": other,
            "unrelated": unrelated}


def at(days: int) -> datetime:
    return NOW + timedelta(days=days)


