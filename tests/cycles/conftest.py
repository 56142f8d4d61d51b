"""Cycle fixtures: the page clock pinned at the suite's NOW."""
import pytest
import time_machine

from tests.conftest import NOW


@pytest.fixture
def frozen():
    """Pages read the clock themselves: pin it at NOW (Sat 28 Nov 2026, 09:00 UTC)."""
    with time_machine.travel(NOW, tick=False):
        yield NOW
