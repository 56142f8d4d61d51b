"""The start page in Chromium: sign in, see the day's work, search the top bar for a contact."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from engage.clock import GENEVA, now_utc
from engage.extensions import db
from tests.e2e.helpers import sign_in_by_keyboard

pytestmark = pytest.mark.e2e


@pytest.fixture
def booked(live):
    """A contact at New Zealand's Geneva mission, invited to a meeting the staff member organises next week."""
    from sqlalchemy import select

    from engage.auth.models import User
    from engage.directory.models import Organisation
    from engage.directory.services import create_contact
    from engage.meetings.services import schedule_meeting

    def work():
        now = now_utc()
        mission = db.session.scalars(select(Organisation).where(
            Organisation.name == "Permanent Mission of New Zealand, Geneva")).one()
        contact = create_contact(None, now, {"full_name": "Tui Walker", "email": "tui.walker@example.org",
                                             "organisation_id": mission.id, "position": "Counsellor, Health"})
        staff = db.session.get(User, live.users["staff"][1])
        starts = (now + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
        schedule_meeting(staff, now, {"title": "New Zealand on maternal health", "starts_at": starts,
                                      "ends_at": starts + timedelta(hours=1), "timezone": GENEVA,
                                      "location": "Palais des Nations", "organiser_id": staff.id,
                                      "staff_ids": [staff.id], "attendees": [{"contact_id": contact.id}],
                                      "allow_conflicts": True, "notify": False})

    live.run(work)


def test_the_start_page_and_the_top_bar_search(live, booked, open_page):
    page, checks = open_page()
    sign_in_by_keyboard(page, live, "staff")
    assert page.url.rstrip("/") == live.url
    expect(page.locator("h1")).to_contain_text("Welcome, Wanjiru Njeri")
    expect(page.locator("#meetings-list")).to_contain_text("New Zealand on maternal health")
    expect(page.locator("#awaiting-list")).to_contain_text("Tui Walker")
    expect(page.get_by_role("link", name="Book a meeting")).to_be_visible()
    checks.check("start page")

    page.locator("#top-search").fill("walker")
    with page.expect_navigation():
        page.locator("#top-search").press("Enter")
    expect(page.locator("#search-contacts")).to_contain_text("Tui Walker")
    expect(page.locator("#search-contacts-count")).to_have_text("1")
    checks.check("search results")
    page.locator("#search-contacts").get_by_role("link", name="Tui Walker").click()
    expect(page.locator("h1")).to_contain_text("Tui Walker")
