"""Two lean journeys in Chromium on the demo data:

1. A lead reads the coverage matrix: it scrolls in its own box with the header row and the state
   column staying in view, and "Jump to commitments secured" brings the one commitment into view.
2. The data-protection officer logs an erasure request by picking the contact by name, and sees it
   open on the contact's page.
"""
from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect

from engage.clock import now_utc
from engage.extensions import db
from tests.e2e.helpers import sign_in_by_keyboard

pytestmark = pytest.mark.e2e

BOX_JS = "el => { const r = el.getBoundingClientRect(); return {top: r.top, left: r.left, bottom: r.bottom}; }"


def _german_commitment(live) -> str:
    """A meeting last week with the German embassy where a German recommendation won a commitment."""
    from sqlalchemy import select

    from engage.auth.models import User
    from engage.directory.models import Contact, Organisation
    from engage.outcomes.services import log_meeting_outcomes
    from engage.recommendations.models import Recommendation
    from tests.outcomes.helpers import make_meeting

    def work():
        now = now_utc()
        staff = db.session.get(User, live.users["staff"][1])
        embassy = db.session.scalars(select(Organisation).where(Organisation.name == "Embassy of Germany, Nairobi")).one()
        diplomat = db.session.scalars(select(Contact).where(Contact.organisation_id == embassy.id)).first()
        rec = db.session.scalars(select(Recommendation).where(Recommendation.recommending_state == "DE")
                                 .order_by(Recommendation.id)).first()
        meeting = make_meeting(staff, [diplomat], now - timedelta(days=7), [rec], title="Germany on the UPR")
        log_meeting_outcomes(staff, now, meeting, "Germany will speak on health.", embassy.id,
                             [{"recommendation_id": rec.id, "position": "supportive",
                               "commitment": "Will make a recommendation on the right to health"}])
        return rec.reference
    return live.run(work)


def test_the_coverage_matrix_keeps_its_headers_in_view(live, open_page):
    _german_commitment(live)
    page, checks = open_page()
    sign_in_by_keyboard(page, live, "lead")
    page.goto(f"{live.url}/reports/coverage")
    checks.check("coverage matrix")
    expect(page.locator("#coverage-order")).to_contain_text("Row order:")

    box = page.locator(".coverage-scroll")
    corner = page.locator(".coverage-table thead th").first
    header = page.locator(".coverage-table thead th").nth(3)
    first_state = page.locator(".coverage-table tbody th").first
    top = box.evaluate(BOX_JS)
    box.evaluate("el => { el.scrollTop = 600; el.scrollLeft = 900; }")
    assert box.evaluate("el => el.scrollTop") > 0 and box.evaluate("el => el.scrollLeft") > 0, "the matrix does not scroll"
    # The header row stays at the top of the box, the state column at its left, the corner at both.
    assert abs(header.evaluate(BOX_JS)["top"] - top["top"]) <= 2
    assert abs(corner.evaluate(BOX_JS)["top"] - top["top"]) <= 2 and abs(corner.evaluate(BOX_JS)["left"] - top["left"]) <= 2
    assert abs(first_state.evaluate(BOX_JS)["left"] - top["left"]) <= 2
    assert first_state.evaluate(BOX_JS)["top"] < top["top"]   # …while its rows scrolled up under the header

    # The jump list brings the commitment's cell into view, clear of the sticky header.
    box.evaluate("el => { el.scrollTop = 0; el.scrollLeft = 0; }")
    jump = page.locator(".coverage-jumps a").first
    expect(jump).to_contain_text("Germany")
    jump.click()
    cell = page.locator(".coverage-table td:target")
    expect(cell).to_contain_text("Commitment secured")
    # Bootstrap scrolls smoothly to a jump: wait for the scroll to settle clear of the header, else fail.
    settled = """() => { const cell = document.querySelector('.coverage-table td:target');
                         const head = document.querySelectorAll('.coverage-table thead th')[3];
                         return cell.getBoundingClientRect().top >= head.getBoundingClientRect().bottom - 2; }"""
    try:
        page.wait_for_function(settled, timeout=5000)
    except PlaywrightTimeout:
        cell_box, head_box = cell.evaluate(BOX_JS), header.evaluate(BOX_JS)
        raise AssertionError(f"the jumped-to cell hides under the sticky header: its top {cell_box['top']}, "
                             f"the header's bottom {head_box['bottom']}") from None

    page.locator("#group").select_option("health")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    checks.check("coverage of the health themes", phone=False)


def test_the_dpo_logs_a_request_by_name(live, open_page):
    from tests import factories

    def make_dpo():
        user = factories.make_dpo(email="dpo.e2e@example.org", full_name="Dana Officer")
        return factories.enrol_2fa(user)
    secret = live.run(make_dpo)
    page, checks = open_page()
    page.goto(f"{live.url}/login")
    page.get_by_label("Email").fill("dpo.e2e@example.org")
    page.get_by_label("Password").fill(factories.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()

    page.goto(f"{live.url}/data-protection/")
    checks.check("data-protection requests")
    page.get_by_label("Find a contact", exact=True).fill("Amina")
    with page.expect_navigation():
        page.get_by_role("button", name="Find").click()
    expect(page.locator("#who-help")).to_contain_text("1 contact match")
    picked = page.get_by_label("Contact", exact=True)
    expect(picked.locator("option:checked")).to_have_text("Amina Wanjiru — Ministry of Health, Nairobi")
    page.get_by_label("Kind of request").select_option("erasure")
    page.get_by_label("Notes").fill("By letter, ref. 12")
    with page.expect_navigation():
        page.get_by_role("button", name="Log the request").click()
    expect(page.locator("#requests")).to_contain_text("Amina Wanjiru")

    page.locator("#requests").get_by_role("link", name="Amina Wanjiru").click()
    checks.check("contact with an open request")
    expect(page.locator("#open-requests")).to_contain_text("erasure, received")
    expect(page.locator("#open-requests")).to_contain_text("By letter, ref. 12")
