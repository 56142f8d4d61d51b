"""Outcome fixtures: the hand-made world, and the page clock pinned at the suite's NOW."""
import pytest
import time_machine

from tests.conftest import NOW
from tests.outcomes.helpers import make_world


@pytest.fixture
def frozen():
    """Pages read the clock themselves: pin it at NOW (Sat 28 Nov 2026, 09:00 UTC)."""
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def world(app, staff_user, lead_user):
    return make_world(staff_user, lead_user)
