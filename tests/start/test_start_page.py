"""The start page: upcoming meetings (mine or the team's), unanswered invitations, follow-ups due,
each counted exactly as listed and never counting what the reader may not see."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine

from engage.access import services as access
from engage.extensions import db
from engage.outcomes import services as outcomes
from tests.access.conftest import text
from tests.outcomes.helpers import WHEN, make_meeting

SOON = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # the Thursday after the world's day


@pytest.fixture(autouse=True)
def _on_the_worlds_day():
    with time_machine.travel(WHEN, tick=False):
        yield


@pytest.fixture
def upcoming(restricted):
    """Two meetings still to come, both organised by the world's staff and attended by the granted user:
    an internal one with Brazil's diplomat and the restricted German one (neither has answered), and a
    restricted one with Sweden's; a follow-up of the staff member's own due in three days."""
    w, dpo, granted = restricted.world, restricted.users["dpo"], restricted.users["granted"]
    internal = make_meeting(w.staff, [w.contacts["de"], w.contacts["br"]], SOON, title="Brazil and Germany next week",
                            staff=[granted])
    secret = make_meeting(w.staff, [w.contacts["se"]], SOON.replace(day=4), title="Sweden in confidence",
                          staff=[granted])
    access.set_sensitivity(dpo, WHEN, secret, "restricted")
    access.grant(dpo, WHEN, secret, user=granted)
    outcomes.add_follow_up(w.staff, WHEN, w.outcomes["de_overall"], {
        "description": "Send Germany the shadow report", "owner_id": w.staff.id, "due_on": date(2026, 12, 1)})
    db.session.commit()
    return {"internal": internal, "secret": secret}


def section(page: str, name: str) -> tuple[int, list[str]]:
    """The count a section shows and the lines it lists."""
    count = int(re.search(rf'id="{name}-count">(\d+)<', page).group(1))
    listed = re.search(rf'<ul class="list-group mb-2" id="{name}-list">(.*?)</ul>', page, re.S)
    return count, (re.findall(r'<li class="list-group-item">(.*?)</li>', listed.group(1), re.S) if listed else [])


def test_staff_without_a_grant_see_and_count_only_what_they_may(restricted, upcoming, clients):
    page = text(clients["staff"].get("/"))
    assert "My upcoming meetings" in page and 'href="/meetings/new"' in page and "Book a meeting" in page
    count, meetings = section(page, "meetings")
    assert count == len(meetings) == 1 and "Brazil and Germany next week" in meetings[0]
    count, awaiting = section(page, "awaiting")
    assert count == len(awaiting) == 1 and "Diplomat BR" in awaiting[0]
    count, follow_ups = section(page, "follow-ups")
    # Theirs first (and marked so); France's overdue action is on the restricted meeting: neither listed nor counted.
    assert count == len(follow_ups) == 1 and "Send Germany the shadow report" in follow_ups[0] and "Yours" in follow_ups[0]
    for secret in ("Sweden in confidence", "Diplomat DE", "Diplomat SE", "Send France the shadow report"):
        assert secret not in page


def test_a_granted_attendee_sees_the_restricted_meeting_and_invitee(restricted, upcoming, clients):
    page = text(clients["granted"].get("/"))
    count, meetings = section(page, "meetings")
    assert count == len(meetings) == 2
    assert "Brazil and Germany next week" in meetings[0] and "Sweden in confidence" in meetings[1]
    count, awaiting = section(page, "awaiting")
    assert count == len(awaiting) == 3
    assert [re.search(r"Diplomat \w\w", a).group() for a in awaiting] == ["Diplomat DE", "Diplomat BR", "Diplomat SE"]
    count, follow_ups = section(page, "follow-ups")
    # Not theirs, so by due date: France's (25 Nov, overdue) before Germany's (1 Dec).
    assert count == len(follow_ups) == 2 and "Overdue" in follow_ups[0] and "Send France" in follow_ups[0]
    assert "(0 yours)" in page


def test_the_team_toggle_lists_everyone_s_meetings_and_answers_end_the_wait(restricted, upcoming, clients, app):
    other = clients["lead"]  # organises nothing: their own list is empty, the team's is not
    mine = text(other.get("/"))
    assert section(mine, "meetings") == (0, []) and "You have no upcoming meetings" in mine
    count, meetings = section(text(other.get("/?meetings=team")), "meetings")
    assert count == len(meetings) == 1 and "Brazil and Germany next week" in meetings[0]
    for attendee in upcoming["internal"].attendees:
        attendee.response = "accepted"
    db.session.commit()
    count, awaiting = section(text(clients["staff"].get("/")), "awaiting")
    assert count == len(awaiting) == 0


def test_cancelled_and_started_meetings_wait_for_nobody(restricted, upcoming, clients):
    upcoming["internal"].status = "cancelled"
    db.session.commit()
    page = text(clients["staff"].get("/"))
    assert section(page, "meetings")[0] == 0 and section(page, "awaiting")[0] == 0
