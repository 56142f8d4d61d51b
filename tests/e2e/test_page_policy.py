"""The pages under their Content-Security-Policy in Chromium: what used inline script still works
from engage/static (confirmations, copy boxes, the recovery codes' copy, download and print), and an
injected inline script does not run."""
from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import sign_in_by_keyboard

pytestmark = pytest.mark.e2e


def test_confirmations_and_copy_boxes_work_and_inline_script_is_refused(live, open_page):
    page, checks = open_page(permissions=["clipboard-read", "clipboard-write"])
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

    # Two-step sign-in: the recovery codes can be copied, downloaded as a .txt file and printed.
    page.goto(f"{live.url}/account/two-step")
    secret = page.locator("#secret").inner_text().strip()
    page.get_by_label("The 6-digit code your app shows now").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("keep these recovery codes")
    checks.check("recovery codes")
    codes = page.locator("#recovery-codes").inner_text().split()
    assert len(codes) == 10
    page.get_by_role("button", name="Copy the codes").click()
    expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()").split() == codes
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as a text file (.txt)").click()
    assert download.value.suggested_filename == "engage-recovery-codes.txt"
    saved = open(download.value.path(), encoding="utf-8").read()
    assert "Recovery codes for engage (wanjiru.staff@example.org)" in saved and saved.split()[-10:] == codes
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")  # no print dialog in a test
    page.get_by_role("button", name="Print them").click()
    assert page.evaluate("window.printed === true")

    # What an injection would try: the browser refuses to run it, and says so on the console.
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.injected = true'; document.body.appendChild(s); }""")
    assert page.evaluate("window.injected === undefined")
    assert any("Content Security Policy" in error for error in checks.errors), checks.errors
