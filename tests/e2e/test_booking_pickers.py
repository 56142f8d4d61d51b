"""Booking with the searchable pickers, in Chromium against the real app (demo data), as one journey:

1. staff book by keyboard only: search and choose an attendee and an agenda item, see every problem
   of a half-filled form at once (the chosen people still shown), then book;
2. then book from a contact's page: the contact is already chosen and the time is in their city's zone.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from engage.clock import GENEVA, now_utc
from engage.extensions import db
from tests.e2e.helpers import sign_in_by_keyboard

pytestmark = pytest.mark.e2e


def _next_summer() -> date:
    """7 July next year: Geneva on summer time; the same typed day first or month first."""
    return date(now_utc().year + 1, 7, 7)


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus (it must be reachable by keyboard)."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def _type_date(page, day: date) -> None:
    """Type a date into the focused date input (day and month alike, so either order reads it)."""
    page.keyboard.type(f"{day:%d%m%Y}")


def _type_time(page, hh_mm: str) -> None:
    """Type a morning time into the focused time input, whether Chromium shows it with AM/PM or not."""
    page.keyboard.type(hh_mm.replace(":", "") + "A")


def test_staff_book_with_the_pickers_by_keyboard_then_from_a_contacts_page(live, open_page):
    from sqlalchemy import select

    from engage.directory.models import Contact
    page, checks = open_page()
    sign_in_by_keyboard(page, live, "staff")
    page.goto(f"{live.url}/meetings/new")
    checks.check("book-a-meeting")
    expect(page.locator("#timezone")).to_have_value("Africa/Nairobi")  # the user's own, until attendees are chosen

    # The agenda picker: 101.2 comes before 101.10 and 101.100 (natural order), and searching by words works.
    references = page.eval_on_selector_all(
        "#recommendation_ids option", "os => os.map(o => o.textContent.split(' ')[0])")
    cycle_one = [r for r in references if re.fullmatch(r"101\.\d+", r)]
    assert cycle_one[:3] == ["101.1", "101.2", "101.3"] and cycle_one.index("101.10") < cycle_one.index("101.100")
    _tab_to(page, "#recommendation_ids-ts-control")
    page.keyboard.type("101.2 ")
    page.keyboard.type("Algeria")
    expect(page.locator("#recommendation_ids-ts-dropdown .option").first).to_contain_text("101.2 (Algeria")
    page.keyboard.press("Enter")
    agenda = page.locator("#recommendation_ids + .ts-wrapper .item")
    expect(agenda).to_have_count(1)
    expect(agenda.first).to_contain_text("101.2 (Algeria)")

    # An attendee found by her organisation's city and name; the meeting's zone follows her to Geneva.
    _tab_to(page, "#required_contact_ids-ts-control")
    page.keyboard.type("Geneva Aroha")
    expect(page.locator("#required_contact_ids-ts-dropdown .option").first).to_contain_text("Aroha Ngata")
    page.keyboard.press("Enter")
    chips = page.locator("#required_contact_ids + .ts-wrapper .item")
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("Aroha Ngata")
    expect(page.locator("#timezone")).to_have_value(GENEVA)

    # Half filled (no title, the end before the start): every problem is named in one answer, and
    # Aroha is still chosen and shown.
    day = _next_summer()
    _tab_to(page, "#date")
    _type_date(page, day)
    _tab_to(page, "#start_time")
    _type_time(page, "10:00")
    _tab_to(page, "#end_time")
    _type_time(page, "09:00")
    _tab_to(page, "button[type=submit]:not([name=preview])")
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    expect(page.locator("#form-problems")).to_be_visible()
    expect(page.locator("#title ~ .invalid-feedback")).to_be_visible()
    expect(page.locator("#end_time ~ .invalid-feedback")).to_contain_text("after the start")
    expect(chips).to_have_count(1)
    expect(chips.first).to_be_visible()
    expect(agenda).to_have_count(1)
    checks.check("book-a-meeting-problems")

    _tab_to(page, "#title")
    page.keyboard.type("Pre-session: health with New Zealand")
    _tab_to(page, "#end_time")
    _type_time(page, "11:00")
    _tab_to(page, "button[type=submit]:not([name=preview])")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
    expect(page.locator("#times")).to_contain_text("10:00–11:00 Geneva (CEST)")
    expect(page.locator("#people")).to_contain_text("Aroha Ngata")

    # One more person, from the meeting page's one-choice picker.
    _tab_to(page, "#contact_id-ts-control")
    page.keyboard.type("Zambia Thandiwe")
    expect(page.locator("#contact_id-ts-dropdown .option").first).to_contain_text("Thandiwe Phiri")
    page.keyboard.press("Enter")
    _tab_to(page, "form[action$='/attendees'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#people")).to_contain_text("Thandiwe Phiri")
    checks.check("meeting-with-one-more")

    # 2. From a contact's page.
    contact_id = live.run(lambda: db.session.scalar(
        select(Contact.id).where(Contact.full_name == "Jean-Paul Habimana")))
    page.goto(f"{live.url}/directory/contacts/{contact_id}")
    checks.check("contact")
    page.get_by_role("link", name="Book a meeting with Jean-Paul Habimana").click()

    page.wait_for_url(re.compile(r"/meetings/new\?"))
    expect(page.locator("#required_contact_ids + .ts-wrapper .item")).to_have_text(["Jean-Paul Habimana×"])
    expect(page.locator("#timezone")).to_have_value(GENEVA)
    expect(page.locator("#title")).to_have_value(re.compile(r"^Meeting with .*Rwanda"))
    day = _next_summer() + timedelta(days=1)
    page.locator("#date").fill(day.isoformat())
    page.locator("#start_time").fill("15:00")
    page.locator("#end_time").fill("15:30")
    page.get_by_role("button", name="Book the meeting").click()
    page.wait_for_url(re.compile(r"/meetings/\d+$"))
    expect(page.locator("#times")).to_contain_text("15:00–15:30 Geneva (CEST)")
    expect(page.locator("#people")).to_contain_text("Jean-Paul Habimana")
