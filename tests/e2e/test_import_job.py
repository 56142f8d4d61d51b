"""A big contacts file, uploaded in Chromium, becomes a background job whose page follows it to the end."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from engage.clock import now_utc
from tests.e2e.helpers import sign_in_by_keyboard

pytestmark = pytest.mark.e2e


def test_staff_follow_a_big_import_from_upload_to_result(live, open_page, tmp_path):
    from engage.importjobs.services import run_next_import

    live.app.config["ENGAGE_IMPORT_JOB_ROWS"] = 100
    path = tmp_path / "delegates.csv"
    path.write_text("full_name,email,position\n" + "".join(
        f"Delegate {n},delegate{n}@mission.example,Counsellor\n" for n in range(300)))
    page, checks = open_page()
    sign_in_by_keyboard(page, live, "staff", checks)

    # The upload script sends the file; a big one lands on its job's page, loaded for real so it polls.
    page.goto(f"{live.url}/directory/import?kind=contacts")
    page.get_by_label("CSV file (UTF-8)").set_input_files(str(path))
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_url(re.compile(r"/imports/\d+$"))
    expect(page.locator("[data-import-status]")).to_have_text("Waiting to start…")
    checks.check("import-job-waiting")

    # The scheduler runs it; the page's poll sees the end and shows the result without a click.
    live.run(lambda: run_next_import(now_utc(), live.app.config, "e2e-scheduler"))
    expect(page.get_by_role("heading", name=re.compile(r"Imported 300: 300 created"))).to_be_visible()
    checks.check("import-job-done")
    page.get_by_role("link", name="See the contacts").click()
    page.wait_for_url(re.compile(r"/directory/contacts\?sort=-updated$"))
    expect(page.get_by_text(re.compile(r"^Delegate \d+$")).first).to_be_visible()
