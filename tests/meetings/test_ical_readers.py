"""The two independent readers agree with hand-written calendars whose instants are known."""
from datetime import UTC, datetime

import pytest

from tests.ical_readers import READERS

UTC_CALENDAR = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//engage tests//EN\r\nMETHOD:PUBLISH\r\n"
    "BEGIN:VEVENT\r\nUID:one@engage\r\nSEQUENCE:3\r\nDTSTAMP:20270101T000000Z\r\n"
    "DTSTART:20270706T080000Z\r\nDTEND:20270706T090000Z\r\nSUMMARY:Geneva summer\r\n"
    "STATUS:CANCELLED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
).encode()

# Europe/Zurich with an RRULE-based VTIMEZONE: 10:00 local is 09:00Z in winter, 08:00Z in summer.
ZURICH_CALENDAR = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//engage tests//EN\r\n"
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Zurich\r\n"
    "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"
    "DTSTART:19810329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"
    "DTSTART:19961027T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\nUID:summer@engage\r\nDTSTAMP:20270101T000000Z\r\n"
    "DTSTART;TZID=Europe/Zurich:20270706T100000\r\nDTEND;TZID=Europe/Zurich:20270706T110000\r\n"
    "SUMMARY:s\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:winter@engage\r\nDTSTAMP:20270101T000000Z\r\n"
    "DTSTART;TZID=Europe/Zurich:20271201T100000\r\nDURATION:PT30M\r\n"
    "SUMMARY:w\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
).encode()


@pytest.mark.parametrize("reader", sorted(READERS))
def test_utc_event_fields(reader):
    [event] = READERS[reader](UTC_CALENDAR)
    assert event == {"uid": "one@engage", "sequence": 3, "status": "CANCELLED", "method": "PUBLISH",
                     "start_utc": datetime(2027, 7, 6, 8, 0, tzinfo=UTC),
                     "end_utc": datetime(2027, 7, 6, 9, 0, tzinfo=UTC)}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_tzid_times_resolve_through_the_vtimezone(reader):
    events = {e["uid"]: e for e in READERS[reader](ZURICH_CALENDAR)}
    assert events["summer@engage"]["start_utc"] == datetime(2027, 7, 6, 8, 0, tzinfo=UTC)
    assert events["winter@engage"]["start_utc"] == datetime(2027, 12, 1, 9, 0, tzinfo=UTC)
    assert events["winter@engage"]["end_utc"] == datetime(2027, 12, 1, 9, 30, tzinfo=UTC)
    assert events["summer@engage"]["method"] is None
