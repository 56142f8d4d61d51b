"""The asks journey (issue 18), driven in Chromium against the real app (demo data):

1. a lead adds an ask to the coming cycle from the cycle's page;
2. staff book, from the asks' planning view, the Geneva meeting with New Zealand's permanent mission
   that already took place, with the ask on its agenda, and log the mission's position on it;
3. the lead imports the cycle's recommendations through the import page (tests/e2e/data), opens the
   ask's matches and confirms the suggested one as taken up in full;
4. the lead reads the uptake report (pitched, then taken up) and its XLSX, read back with openpyxl.
"""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from engage.clock import now_utc
from engage.cycles.services import today_in_nairobi
from tests.e2e.helpers import sign_in_by_keyboard

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parent / "data"
RECOMMENDATIONS = DATA / "cycle5_recommendations.csv"
ASK_TEXT = ("Allocate at least 15% of the national budget to health, as pledged in the Abuja Declaration, "
            "and publish health spending by county every year")
MISSION = "Permanent Mission of New Zealand, Geneva"


@pytest.fixture
def coming_cycle(live):
    """Kenya's 5th cycle, its Working Group review a week ago (so a meeting a month ago came before it)."""
    from engage.cycles.services import create_cycle

    review = today_in_nairobi(now_utc()) - timedelta(days=7)

    def work():
        create_cycle(None, now_utc(), {"number": 5, "wg_session": 55, "milestones": [
            {"kind": "wg_review", "due_on": review.isoformat()}]})
        return review

    return live.run(work)


def test_an_ask_from_its_pitch_in_geneva_to_the_uptake_report(live, open_page, coming_cycle, tmp_path):
    from openpyxl import load_workbook

    # 1. The lead adds the ask from the cycle's page.
    lead, lead_checks = open_page()
    sign_in_by_keyboard(lead, live, "lead")
    lead.locator("#topnav").get_by_role("link", name="Cycles").click()
    lead_checks.check("cycles")
    lead.get_by_role("link", name="Cycle 5", exact=True).click()
    lead_checks.check("cycle-5")
    lead.get_by_role("link", name="Add an ask to cycle 5").click()
    lead.wait_for_url(re.compile(r"/asks/new\?cycle=5$"))
    expect(lead.get_by_label("UPR cycle")).to_have_value("5")
    lead_checks.check("new-ask")
    lead.get_by_label("What we ask states to recommend").fill(ASK_TEXT)
    lead.get_by_label("Priority").select_option("high")
    lead.get_by_label("Source").fill("Joint stakeholder report, para. 12")
    lead.locator("#themes-ts-control").fill("Right to health")
    expect(lead.locator("#themes-ts-dropdown .option").first).to_contain_text("Right to health")
    lead.keyboard.press("Enter")
    lead.locator("#target_states-ts-control").fill("New Zealand")
    expect(lead.locator("#target_states-ts-dropdown .option").first).to_contain_text("New Zealand")
    lead.keyboard.press("Enter")
    lead.get_by_role("button", name="Save the ask").click()
    lead.wait_for_url(re.compile(r"/asks/\d+$"))
    ask_id = int(lead.url.rsplit("/", 1)[1])
    expect(lead.get_by_role("heading", level=1)).to_have_text(f"Ask {ask_id} · cycle 5")
    expect(lead.get_by_role("link", name="cycle 5", exact=True)).to_have_attribute("href", "/cycles/5")
    lead_checks.check("ask")

    # 2. Staff find New Zealand's Geneva mission among those not met about it, and book the meeting
    # held a month ago (before the review) with the ask on its agenda.
    page, checks = open_page()
    sign_in_by_keyboard(page, live, "staff")
    page.locator("#topnav").get_by_role("link", name="Asks").click()
    page.get_by_role("link", name="Plan who to pitch them to").click()
    checks.check("asks-plan")
    target = page.locator(f"section[data-ask='{ask_id}'] li[data-state='NZ']")
    expect(target).to_contain_text("Not met yet")
    target.get_by_role("link", name=f"Book a meeting with {MISSION}").click()
    page.wait_for_url(re.compile(r"/meetings/new\?"))
    expect(page.locator("#ask_ids + .ts-wrapper .item")).to_have_count(1)
    expect(page.locator("#ask_ids + .ts-wrapper .item").first).to_contain_text(f"Ask {ask_id}")
    expect(page.locator("#required_contact_ids + .ts-wrapper")).to_contain_text("Aroha Ngata")
    checks.check("book-the-pitch")
    held_on = today_in_nairobi(now_utc()) - timedelta(days=30)
    page.get_by_label("Title", exact=True).fill("Pre-session: New Zealand on health financing")
    page.get_by_label("Date", exact=True).fill(held_on.isoformat())
    page.get_by_label("Starts at", exact=True).fill("10:00")
    page.get_by_label("Ends at", exact=True).fill("11:00")
    page.get_by_label("It already took place: record it as held (no invitations)").check()
    page.get_by_role("button", name="Book the meeting").click()
    page.wait_for_url(re.compile(r"/meetings/\d+$"))
    expect(page.locator("#agenda-asks")).to_contain_text(ASK_TEXT)
    checks.check("pitch-booked")

    # ... and log what the mission said of it.
    page.get_by_role("link", name=f"Log their position on ask {ask_id}").click()
    expect(page.get_by_label("Or one of our asks")).to_have_value(str(ask_id))
    expect(page.get_by_label("Their position")).to_have_value("will_make")
    checks.check("log-position")
    page.get_by_label("Summary", exact=True).fill("New Zealand will recommend the Abuja target, in its own words.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/outcomes/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"on ask {ask_id}")
    expect(page.locator("main")).to_contain_text("Will make it")
    page.get_by_role("link", name="Pre-session: New Zealand on health financing").first.click()
    row = page.locator("section[aria-labelledby='meeting-outcomes-heading'] tbody tr").filter(has_text=f"Ask {ask_id}")
    expect(row).to_contain_text("Will make it")
    expect(row).not_to_contain_text("Overall")
    checks.check("meeting-outcomes")

    # 3. After the review the lead imports the cycle's recommendations: checked first, then imported.
    lead.locator("#topnav").get_by_role("link", name="Recommendations").click()
    lead.get_by_role("link", name="Import CSV").click()
    lead_checks.check("import-recommendations")
    lead.get_by_label("File of recommendations").set_input_files(str(RECOMMENDATIONS))
    expect(lead.get_by_label(re.compile(r"^Check the file first"))).to_be_checked()
    lead.get_by_role("button", name="Import", exact=True).click()
    expect(lead.locator("main")).to_contain_text("3 created")
    lead_checks.check("import-checked")
    lead.get_by_role("button", name=f"Import {RECOMMENDATIONS.name}").click()
    expect(lead.get_by_role("alert").first).to_contain_text(f"Imported {RECOMMENDATIONS.name}")

    # The ask's matches: New Zealand's recommendation suggested, confirmed as taken up in full.
    lead.goto(f"{live.url}/asks/{ask_id}")
    suggestions = lead.locator("#matches-suggested > li")
    expect(suggestions).to_have_count(1)
    suggested = suggestions.filter(has_text="150.1")
    expect(suggested).to_contain_text("New Zealand")
    expect(suggested).to_contain_text("made by a state we pitched to")
    lead_checks.check("ask-matches")
    suggested.get_by_role("button", name="Taken up in full").click()
    confirmed = lead.locator("#matches-confirmed")
    expect(confirmed).to_contain_text("Taken up in full")
    expect(confirmed).to_contain_text("150.1")
    expect(lead.locator("#matches-suggested > li")).to_have_count(0)
    lead_checks.check("ask-match-confirmed")

    # 4. The uptake report: New Zealand was pitched the ask, then took it up.
    lead.locator("#topnav").get_by_role("link", name="Reports").click()
    lead.get_by_role("link", name="Uptake of our asks").click()
    expect(lead.get_by_role("heading", level=1)).to_have_text("Uptake report")
    lead.get_by_label("Cycle", exact=True).select_option("5")
    lead.get_by_role("button", name="Show").click()
    lead.wait_for_url(re.compile(r"cycle=5"))
    expect(lead.locator("#uptake-cycle")).to_contain_text("cycle 5")
    expect(lead.locator("#uptake-summary")).to_contain_text("1 was taken up by at least one state, 1 of them by a state we had met about it first")
    expect(lead.locator("#uptake-totals td[data-pairs='pitched_taken_up']")).to_have_text("1")
    expect(lead.locator("#uptake-totals td[data-pairs='taken_up_without_meeting']")).to_have_text("0")
    new_zealand = lead.locator("#uptake-states tr[data-state='NZ'] td")
    expect(new_zealand).to_have_text(["1", "1", "1", "0"])  # pitched, taken up, after a meeting, not taken up
    ask_row = lead.locator(f"#uptake-asks tr[data-ask='{ask_id}']")
    expect(ask_row.locator("li[data-pitched='NZ']")).to_contain_text("New Zealand: Will make it")
    expect(ask_row.locator("li[data-taken-up='NZ']")).to_contain_text("Taken up in full (after a meeting)")
    lead_checks.check("uptake-report")

    with lead.expect_download() as download:
        lead.get_by_role("link", name="Download XLSX (all three sheets)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".xlsx"
    book = load_workbook(path, read_only=True)
    asks = list(book["Per ask"].iter_rows(values_only=True))
    header, rows = asks[0], {row[0]: dict(zip(asks[0], row)) for row in asks[1:]}
    assert header[:3] == ("ask_id", "cycle", "ask")
    mine = rows[ask_id]
    assert mine["cycle"] == 5 and mine["ask"] == ASK_TEXT
    assert mine["states_pitched"] == "New Zealand" and mine["positions"] == "New Zealand: Will make it"
    assert mine["states_taken_up"] == "New Zealand (taken up in full)"
    assert (mine["pitched"], mine["taken_up"], mine["taken_up_after_meeting"]) == (1, 1, 1)
    states = list(book["Per state"].iter_rows(values_only=True))
    assert [row for row in states[1:] if row[0] == "NZ"] == [("NZ", "New Zealand", 1, 1, 1, 0)]
