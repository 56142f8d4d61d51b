"""The pages under their Content-Security-Policy in Chromium: what used inline script still works
from engage/static (confirmations, copy boxes), and an injected inline script does not run."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import sign_in_by_keyboard

pytestmark = pytest.mark.e2e


def test_confirmations_and_copy_boxes_work_and_inline_script_is_refused(live, open_page):
    page, checks = open_page()
    sign_in_by_keyboard(page, live, "staff", checks)
    response = page.goto(f"{live.url}/meetings/feeds")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_role("button", name="Make my feed address").first.click()
    page.wait_for_load_state("load")
    checks.check("feeds")

    # The address selects itself when focused, ready to copy.
    box = page.get_by_label("Feed address").first
    box.focus()
    assert page.evaluate("window.getSelection().toString() || document.activeElement.value.substring("
                         "document.activeElement.selectionStart, document.activeElement.selectionEnd)") \
        == box.input_value()

    # "Turn off" asks first: dismissed, nothing happens; accepted, the feed is off.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Turn off").first.click()
    assert asked == ["Turn this feed off?"]
    expect(page.get_by_label("Feed address").first).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Turn off").first.click()
    expect(page.get_by_text("Feed turned off")).to_be_visible()
    checks.check("feed turned off")

    # What an injection would try: the browser refuses to run it, and says so on the console.
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.injected = true'; document.body.appendChild(s); }""")
    assert page.evaluate("window.injected === undefined")
    assert any("Content Security Policy" in error for error in checks.errors), checks.errors
