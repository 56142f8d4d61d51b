"""The booking form's live preview (progressive JavaScript, run under node) says what the server says."""
import json
import re
import shutil
import subprocess

import pytest

from engage import clock
from tests.meetings.conftest import booking

FAKE_DOM = """
var values = JSON.parse(process.argv[1]);
var out = {textContent: ""};
var els = {"time-preview": out, "preview-button": {hidden: false}, "meeting-form": {}};
Object.keys(values).forEach(function (k) { els[k] = {value: values[k], addEventListener: function () {}}; });
var document = {getElementById: function (id) { return els[id] || null; },
                documentElement: {getAttribute: function (name) { return name === "lang" ? "en" : null; }}};
var window = {Intl: Intl};
"""

CASES = [
    {"date": "2027-07-06", "start_time": "10:00", "end_time": "11:00", "timezone": "Europe/Zurich"},
    {"date": "2027-12-07", "start_time": "10:00", "end_time": "11:00", "timezone": "Europe/Zurich"},
    {"date": "2027-07-06", "start_time": "10:00", "end_time": "11:30", "timezone": "Africa/Nairobi"},
    {"date": "2027-07-06", "start_time": "23:30", "end_time": "23:50", "timezone": "Europe/Zurich"},
    {"date": "2027-07-06", "start_time": "10:00", "end_time": "11:00", "timezone": "America/New_York"},
]


@pytest.fixture
def script(staff_client, frozen):
    if shutil.which("node") is None:
        pytest.skip("node is not installed: cannot run the form's script")
    # The page loads its script from a static file (no inline script under the CSP): run that file.
    page = staff_client.get("/meetings/new").get_data(as_text=True)
    src = re.search(r'<script src="(/static/meeting-form\.js)"></script>', page).group(1)
    return FAKE_DOM + staff_client.get(src).get_data(as_text=True) + "\nconsole.log(out.textContent);"


def _run(script, values):
    result = subprocess.run(["node", "-e", script, json.dumps(values)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("values", CASES, ids=lambda v: f"{v['timezone']}-{v['date']}-{v['start_time']}")
def test_live_preview_matches_the_server(staff_client, staff_user, script, values):
    server = staff_client.post("/meetings/new", data=booking(staff_user, preview="1", **values))
    shown = re.search(r'<div id="time-preview"[^>]*>(.*?)</div>', server.get_data(as_text=True), re.S).group(1)
    assert _run(script, values) == shown.strip().replace("&amp;", "&")


def test_live_preview_warns_about_the_gap_and_the_fold(script):
    assert "does not exist" in _run(script, {"date": "2027-03-28", "start_time": "02:30", "end_time": "03:30",
                                             "timezone": clock.GENEVA})
    assert "happens twice" in _run(script, {"date": "2027-10-31", "start_time": "02:30", "end_time": "03:30",
                                            "timezone": clock.GENEVA})


def test_live_preview_uses_the_chosen_fold(script):
    chosen_second = script.replace(
        "var document = {getElementById: function (id) { return els[id] || null; },",
        "var document = {getElementById: function (id) { return els[id] || null; },"
        " querySelector: function () { return {value: '1'}; },")
    shown = _run(chosen_second, {"date": "2027-10-31", "start_time": "02:30", "end_time": "02:45",
                                 "timezone": clock.GENEVA})
    assert shown == "Sun 31 Oct 2027, 02:30–02:45 Geneva (CET) · 04:30–04:45 Nairobi (EAT)"
