"""A recipient's answer page names who is inviting and puts the invitation in their calendar."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from engage.clock import GENEVA, now_utc
from tests.e2e.helpers import text_of

pytestmark = pytest.mark.e2e
ORG = "Kenya Health Rights Coalition"


def test_the_answer_page_names_the_organisation_and_adds_the_invitation_to_a_calendar(live, open_page, tmp_path):
    from sqlalchemy import select

    from engage.auth.models import User
    from engage.directory.models import Contact
    from engage.extensions import db
    from engage.meetings.services import schedule_meeting
    from engage.organisation.services import save_settings

    def work():
        now = now_utc()
        save_settings(None, now, {"name": ORG, "reply_to": "upr@khrc.example"})
        staff = db.session.get(User, live.users["staff"][1])
        aroha = db.session.scalars(select(Contact).where(Contact.full_name == "Aroha Ngata")).one()
        starts_at = (now + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
        change = schedule_meeting(staff, now, {
            "title": "Internal: NZ on 101.150", "starts_at": starts_at, "ends_at": starts_at + timedelta(hours=1),
            "timezone": GENEVA, "location": "Palais des Nations, Geneva", "organiser_id": staff.id,
            "staff_ids": [staff.id], "attendees": [{"contact_id": aroha.id, "role": "required"}]})
        return change.meeting.title_for_invitations

    title = live.run(work)
    [invitation] = [m for m in live.mail.deliver() if "aroha" in str(m["To"]).lower()]
    assert str(invitation["From"]).startswith(f"{ORG} <")
    link = re.search(r"^\s*Accept:\s+(\S+?)\?answer=accepted\s*$", text_of(invitation), re.M).group(1)

    page, checks = open_page()
    page.goto(link)
    checks.check("rsvp-organisation")
    expect(page.locator("#organisation")).to_have_text(ORG)
    expect(page.locator("main")).to_contain_text(f"of {ORG} invites you")
    expect(page.locator("h1")).to_have_text(title)
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    [event] = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert str(event["SUMMARY"]) == title and "Internal" not in path.read_text(encoding="utf-8")
