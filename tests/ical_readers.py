"""Read iCalendar bytes back with independent parsers, the way calendar clients do.

Both readers return one dict per VEVENT:
    {"uid", "sequence", "status", "start_utc", "end_utc", "method"}
with start_utc/end_utc as aware UTC datetimes (a floating time stays naive, so it never equals
an aware truth), sequence an int or None, status and method upper-case strings or None.

- read_with_icaljs: ical.js (Thunderbird's parser) under node, via tests/js/read_events.mjs: one
  node process per test process reads every calendar of the run (starting one per calendar cost
  more CPU than the reading). Installs tests/js/node_modules on first use (ensure_js_packages, which
  the e2e checks use for axe-core too); skips the test only when node is absent.
- read_with_vobject: vobject (dateutil time zones from the file's VTIMEZONE blocks).
"""
from __future__ import annotations

import atexit
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parent / "js"
SCRIPT = JS_DIR / "read_events.mjs"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the ical.js cross-check needs it (apt-get install nodejs)")
    return node


def _js_installed() -> bool:
    """Whether every package tests/js/package.json names is in tests/js/node_modules."""
    wanted = json.loads((JS_DIR / "package.json").read_text())["dependencies"]
    return all((JS_DIR / "node_modules" / name / "package.json").exists() for name in wanted)


def ensure_js_packages() -> None:
    """Install tests/js's packages (ical.js, axe-core) with npm unless they are there; skip without npm."""
    if _js_installed():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot install tests/js's packages (ical.js, axe-core)")
    # Under pytest-xdist two workers may get here at once: one installs, the other waits for it.
    directory = os.open(JS_DIR, os.O_RDONLY)
    try:
        fcntl.flock(directory, fcntl.LOCK_EX)
        if _js_installed():
            return
        result = subprocess.run([npm, "install", "--prefix", str(JS_DIR), "--no-audit", "--no-fund"],
                                capture_output=True, text=True, timeout=300)
    finally:
        os.close(directory)  # and with it the lock
    if result.returncode != 0:
        raise RuntimeError(f"npm install in tests/js failed:\n{result.stderr[-2000:]}")


def _as_utc(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


_icaljs: subprocess.Popen | None = None  # this test process's reader, started on first use
_icaljs_errors = tempfile.TemporaryFile()  # what it says on stderr, for the message when it stops


def _icaljs_reader() -> subprocess.Popen:
    global _icaljs
    if _icaljs is None or _icaljs.poll() is not None:
        node = _node()
        ensure_js_packages()
        _icaljs = subprocess.Popen([node, str(SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=_icaljs_errors, cwd=str(JS_DIR), text=True, encoding="utf-8")
        atexit.register(_stop, _icaljs)
    return _icaljs


def _stop(reader: subprocess.Popen) -> None:
    reader.stdin.close()  # node ends when its input does
    reader.wait(timeout=10)


def read_with_icaljs(ics_bytes: bytes) -> list[dict]:
    """Each VEVENT as ical.js resolves it (UTC instants)."""
    reader = _icaljs_reader()
    reader.stdin.write(json.dumps({"ics": ics_bytes.decode("utf-8", errors="replace")}) + "\n")
    reader.stdin.flush()
    answer = reader.stdout.readline()
    if not answer:
        _icaljs_errors.seek(0)
        raise AssertionError(f"ical.js stopped:\n{_icaljs_errors.read().decode(errors='replace')[-2000:]}")
    answer = json.loads(answer)
    if "error" in answer:
        raise AssertionError(f"ical.js could not read the calendar:\n{answer['error'][-2000:]}")
    events = answer["events"]
    return [{
        "uid": e["uid"],
        "sequence": e["sequence"],
        "status": e["status"].upper() if e["status"] else None,
        "start_utc": _as_utc(e["start_utc"]),
        "end_utc": _as_utc(e["end_utc"]),
        "method": e["method"].upper() if e["method"] else None,
    } for e in events]


def _vobject_instant(value):
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise AssertionError(f"expected a date-time, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        return value  # floating: left naive on purpose
    return value.astimezone(UTC)


def read_with_vobject(ics_bytes: bytes) -> list[dict]:
    """Each VEVENT as vobject resolves it (UTC instants)."""
    import vobject

    events = []
    for calendar in vobject.readComponents(ics_bytes.decode("utf-8")):
        method = calendar.method.value.upper() if hasattr(calendar, "method") else None
        for vevent in calendar.contents.get("vevent", []):
            start = _vobject_instant(vevent.dtstart.value)
            if hasattr(vevent, "dtend"):
                end = _vobject_instant(vevent.dtend.value)
            elif hasattr(vevent, "duration"):
                end = start + vevent.duration.value
            else:
                end = start
            events.append({
                "uid": vevent.uid.value,
                "sequence": int(vevent.sequence.value) if hasattr(vevent, "sequence") else None,
                "status": vevent.status.value.upper() if hasattr(vevent, "status") else None,
                "start_utc": start,
                "end_utc": end,
                "method": method,
            })
    return events


READERS = {"icaljs": read_with_icaljs, "vobject": read_with_vobject}
