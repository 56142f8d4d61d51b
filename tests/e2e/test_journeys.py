"""The three journeys, driven in Chromium against the real app and a real SMTP server.

1. Staff books a meeting from the planning view (10:00 Geneva in summer is 11:00 Nairobi).
2. A recipient answers from the link in their invitation; staff reschedule and the update arrives.
3. Staff log an outcome; a lead filters the log, opens coverage, downloads the XLSX, sees the overdue follow-up.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from engage.clock import GENEVA, NAIROBI, now_utc
from engage.extensions import db
from tests.e2e.helpers import ics_of, sign_in_by_keyboard, text_of

pytestmark = pytest.mark.e2e


def summer_day() -> date:
    """The first Tuesday of next year's July: Geneva is on summer time (CEST, UTC+2), Nairobi on EAT (UTC+3)."""
    day = date(now_utc().year + 1, 7, 1)
    return day + timedelta(days=(1 - day.weekday()) % 7)


def _org(name):
    from sqlalchemy import select

    from engage.directory.models import Organisation
    return db.session.scalars(select(Organisation).where(Organisation.name == name)).one()


def _user(live, role):
    from engage.auth.models import User
    return db.session.get(User, live.users[role][1])


# ---- Journey 1 ----

@pytest.fixture
def geneva_mission(live):
    """New Zealand's Geneva mission with a second contact, two health recommendations by New Zealand, and a
    meeting already in the staff member's diary at the time they will pick (so the booking clashes)."""
    from engage.directory.services import create_contact
    from engage.meetings.services import schedule_meeting
    from engage.upr.services import create_recommendation

    def work():
        now = now_utc()
        mission = _org("Permanent Mission of New Zealand, Geneva")
        create_contact(None, now, {"full_name": "Hannah Reid", "email": "hannah.reid@example.org",
                                   "organisation_id": mission.id, "position": "First Secretary, Global Health"})
        for reference, text in (("101.150", "Ensure access to HIV prevention and treatment for key populations"),
                                ("101.151", "Remove user fees for maternal health services")):
            create_recommendation(None, now, {"cycle": 1, "reference": reference, "recommending_state": "NZ",
                                              "response": "supported", "text": f"{text} (test data).",
                                              "themes": ["Right to health"]})
        staff = _user(live, "staff")
        busy = datetime.combine(summer_day(), datetime.min.time(), tzinfo=UTC) + timedelta(hours=8, minutes=30)
        schedule_meeting(staff, now, {"title": "Coalition strategy call", "starts_at": busy,
                                      "ends_at": busy + timedelta(hours=1), "timezone": NAIROBI,
                                      "location": "Online", "online_url": "https://meet.example.org/coalition",
                                      "organiser_id": staff.id, "staff_ids": [staff.id], "attendees": [],
                                      "notify": False})
        return {"contacts": [(c.full_name, c.email) for c in mission.contacts]}

    data = live.run(work)
    assert len(data["contacts"]) == 2
    assert live.mail.deliver() == []  # nothing was meant to go out yet
    return data


def test_staff_books_a_meeting(live, open_page, geneva_mission):
    page, checks = open_page()
    sign_in_by_keyboard(page, live, "staff")
    checks.check("home")

    # The planning view, health themes, and New Zealand's row: not engaged yet.
    page.get_by_role("link", name="Recommendations").first.click()
    checks.check("recommendations")
    page.goto(f"{live.url}/recommendations/plan")
    checks.check("plan")
    page.get_by_role("link", name="health-related themes").first.click()
    checks.check("plan-health-themes")
    row = page.locator("li[data-state='NZ']")
    expect(row).to_contain_text("Not yet engaged")
    expect(row).to_contain_text("101.150")
    expect(row).to_contain_text("101.151")
    row.get_by_role("link", name=re.compile(r"with Permanent Mission of New Zealand, Geneva")).click()

    # The booking form: Geneva's zone, New Zealand's people and recommendations on offer.
    page.wait_for_url(re.compile(r"/meetings/new\?"))
    checks.check("book-a-meeting")
    expect(page.locator("#timezone")).to_have_value(GENEVA)
    names = [c[0] for c in geneva_mission["contacts"]]
    contact_labels = [f"{n} — Permanent Mission of New Zealand, Geneva" for n in names]
    page.locator("#required_contact_ids").select_option(label=contact_labels)
    rec_options = page.locator("#recommendation_ids option").filter(has_text=re.compile(r"^101\.15[01] \(New Zealand"))
    expect(rec_options).to_have_count(2)
    page.locator("#recommendation_ids").select_option(value=[o.get_attribute("value") for o in rec_options.all()])
    day = summer_day()
    page.locator("#date").fill(day.isoformat())
    page.locator("#start_time").fill("10:00")
    page.locator("#end_time").fill("11:00")
    preview = page.locator("#time-preview")
    expect(preview).to_contain_text("10:00–11:00 Geneva (CEST)")
    expect(preview).to_contain_text("11:00–12:00 Nairobi (EAT)")
    page.get_by_role("button", name="Book the meeting").click()

    # A clash with the staff member's own call: warned, then booked anyway.
    warning = page.locator("#conflicts")
    expect(warning).to_contain_text("This clashes with 1 meeting")
    expect(warning).to_contain_text("Coalition strategy call")
    checks.check("book-a-meeting-clash")
    expect(page.locator("#time-preview")).to_contain_text("11:00–12:00 Nairobi (EAT)")
    page.get_by_label("Book it anyway").check()
    page.get_by_role("button", name="Book the meeting").click()

    page.wait_for_url(re.compile(r"/meetings/\d+$"))
    checks.check("meeting-booked")
    times = page.locator("#times")
    expect(times).to_contain_text(f"{day:%a} {day.day} {day:%b %Y}, 10:00–11:00 Geneva (CEST)")
    expect(times).to_contain_text("11:00–12:00 Nairobi (EAT)")
    for name in names:
        expect(page.locator("#people")).to_contain_text(name)

    # The SMTP server got one invitation per attendee, each a REQUEST at 08:00 UTC.
    received = live.mail.deliver()
    invited = {c[1] for c in geneva_mission["contacts"]} | {live.users["staff"][0]}
    assert sorted(str(m["To"].addresses[0].addr_spec) for m in received) == sorted(invited)
    uids = set()
    for message in received:
        calendar, method = ics_of(message)
        assert method == "REQUEST" and str(calendar["METHOD"]) == "REQUEST"
        event = calendar.walk("VEVENT")[0]
        assert event.decoded("DTSTART") == datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=8)
        uids.add(str(event["UID"]))
    assert len(uids) == 1
