"""Browser journey of issue 20: a user of the first member books the Embassy of Germany and sees that
another member (KHRC) met it last week on the same ask, with a link; the secretariat's lead reads the
coalition-wide coverage, KHRC's meeting counted."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from engage.clock import now_utc
from engage.extensions import db
from tests.e2e.helpers import PASSWORD, sign_in_by_keyboard

pytestmark = pytest.mark.e2e


def _khrc_met_germany_last_week():
    """KHRC joins the coalition; its staff recorded a held meeting with Jonas Becker (Germany) last week,
    on a health ask. Returns Jonas Becker's id and the meeting's."""
    from sqlalchemy import select

    from engage.asks.models import Ask
    from engage.auth.services import create_user
    from engage.directory.models import Contact
    from engage.meetings import services as meetings
    from engage.members import services as members

    now = now_utc()
    khrc = members.create_member(None, now, {"name": "Kenya Human Rights Commission", "short_name": "KHRC"})
    db.session.flush()
    someone = create_user(None, now, "amina@khrc.example.org", "Amina Yusuf", "staff", PASSWORD)
    someone.member_id = khrc.id
    db.session.flush()
    becker = db.session.scalar(select(Contact).where(Contact.full_name == "Jonas Becker"))
    ask = db.session.scalars(select(Ask).order_by(Ask.id)).first()
    start = (now - timedelta(days=6)).replace(hour=7, minute=0, second=0, microsecond=0)
    change = meetings.schedule_meeting(someone, now, {
        "title": "KHRC with Germany on health", "starts_at": start, "ends_at": start + timedelta(hours=1),
        "timezone": "Africa/Nairobi", "organiser": someone.id, "status": "held", "notify": False,
        "attendees": [{"contact_id": becker.id}], "ask_ids": [ask.id]})
    return becker.id, change.meeting.id


def test_a_member_books_germany_and_sees_another_member_met_it_then_the_secretariat_reads_coverage(live, open_page):
    becker_id, khrc_meeting_id = live.run(_khrc_met_germany_last_week)
    page, checks = open_page()
    sign_in_by_keyboard(page, live, "staff")
    page.goto(f"{live.url}/directory/contacts/{becker_id}")
    page.get_by_role("link", name="Book a meeting with Jonas Becker").click()
    page.wait_for_url(re.compile(r"/meetings/new\?"))
    day = (now_utc() + timedelta(days=3)).date()
    page.locator("#date").fill(day.isoformat())
    page.locator("#start_time").fill("10:00")
    page.locator("#end_time").fill("10:30")
    page.get_by_role("button", name="Book the meeting").click()
    page.wait_for_url(re.compile(r"/meetings/\d+$"))
    # Booked all the same; the warning names the member, the mission, the day and the ask's themes.
    warning = page.locator("#coalition-nearby")
    expect(warning).to_contain_text(re.compile(r"KHRC met .*Germany.* on \w{3} \d+ \w{3} \d{4} on .+ asks"))
    checks.check("booked-with-a-coalition-warning")
    warning.get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf"/meetings/{khrc_meeting_id}$"))
    expect(page.locator("h1")).to_contain_text("KHRC with Germany on health")

    # The secretariat's lead reads coverage: Germany is met, KHRC's meeting counted with the others.
    lead, lead_checks = open_page()
    sign_in_by_keyboard(lead, live, "lead")
    lead.goto(f"{live.url}/reports/coverage")
    germany = lead.locator(".coverage-table tbody tr").filter(has=lead.locator("th", has_text=re.compile(r"^Germany$")))
    expect(germany.locator("td").first).to_have_text("Yes")
    lead_checks.check("coalition-coverage")

    # Had KHRC kept it private, the others would not count it: coverage is what each reader may see.
    def keep_it_private():
        from engage.access import services as access
        from engage.meetings.models import Meeting
        meeting = db.session.get(Meeting, khrc_meeting_id)
        access.set_sharing(meeting.organiser, now_utc(), meeting, "private")
    live.run(keep_it_private)
    lead.reload()
    expect(germany.locator("td").first).to_have_text("No")
