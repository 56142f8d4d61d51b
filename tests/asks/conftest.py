"""Ask fixtures: the meeting fixtures (a Geneva mission with a diplomat, the clock pinned)."""
from tests.meetings.conftest import diplomat, frozen, mission  # noqa: F401
