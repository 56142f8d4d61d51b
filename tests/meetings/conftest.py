"""Meeting fixtures: a Geneva mission with a diplomat, and the real clock pinned for page tests."""
import pytest
import time_machine

from tests import factories
from tests.conftest import NOW


@pytest.fixture
def frozen():
    """Pages read the clock themselves: pin it at the suite's NOW (Sat 28 Nov 2026, 09:00 UTC)."""
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def mission(app):
    return factories.make_organisation(name="Permanent Mission of Germany", kind="permanent_mission",
                                       country="DE", city="Geneva")


@pytest.fixture
def diplomat(mission):
    return factories.make_contact(mission, full_name="Anna Schmidt", email="anna@diplo.de")


def booking(organiser, contacts=(), **changes):
    """Form fields for the booking form: Tue 6 Jul 2027, 10:00–11:00 Geneva."""
    data = {"title": "Pre-session: Germany", "description": "HIV key populations", "date": "2027-07-06",
            "start_time": "10:00", "end_time": "11:00", "timezone": "Europe/Zurich", "location_kind": "in_person",
            "location": "Mission of Germany, Geneva", "online_url": "", "organiser_id": str(organiser.id),
            "staff_ids": [str(organiser.id)], "required_contact_ids": [str(c.id) for c in contacts],
            "reminders": "24h, 1h", "tags": "4th cycle pre-session", "notify": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}
