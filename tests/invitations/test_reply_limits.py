"""A reply upload is bounded: whatever is sent, the answer comes in well under a second, and input no
calendar client would send is refused with a 4xx naming the problem (issue 15, calendar replies 18)."""
import io
import time

import pytest

from engage.invitations.replies import ReplyParseError, ReplyTooComplex, parse_itip_reply
from tests import factories
from tests.invitations.test_ingest import NOW

HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x@engage\r\n"
ATTENDEE = "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@example.org\r\n"
TAIL = "END:VEVENT\r\nEND:VCALENDAR\r\n"
EVENT = "BEGIN:VEVENT\r\nUID:x@engage\r\nDTSTAMP:20261128T090000Z\r\n" + ATTENDEE + "END:VEVENT\r\n"
MIB = 1024 * 1024 - 4096

# Each under 1 MiB; before the bounds each cost the parser 1.5 to 6 seconds.
CRAFTED = {
    "many events": ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REPLY\r\n" + EVENT * (MIB // len(EVENT)))[:MIB]
    .rsplit("BEGIN:VEVENT", 1)[0] + "END:VCALENDAR\r\n",
    "many properties": HEAD + ATTENDEE + "X-A:b\r\n" * ((MIB - 200) // 7) + TAIL,
    "one long line": HEAD + ATTENDEE + "COMMENT:" + "a" * (MIB - 300) + "\r\n" + TAIL,
    "many parameters": HEAD + ATTENDEE + "X-A" + ";X=1" * ((MIB - 300) // 4) + ":b\r\n" + TAIL,
    "deep nesting": HEAD + ATTENDEE + "BEGIN:VALARM\r\n" * 30000 + "END:VALARM\r\n" * 30000 + TAIL,
    "many attendees": HEAD + ATTENDEE * ((MIB - 200) // len(ATTENDEE)) + TAIL,
}


def _many_parts() -> bytes:
    part = "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    return ("From: a@example.org\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            + part * 20000 + "--b--\r\n").encode()


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_calendars_are_refused_quickly_naming_the_limit(name):
    started = time.perf_counter()
    with pytest.raises(ReplyTooComplex) as refused:
        parse_itip_reply(CRAFTED[name].encode())
    assert time.perf_counter() - started < 0.5
    assert any(word in str(refused.value) for word in ("lines", "characters", "components", "parameters", "KiB"))


CRAFTED_EMAILS = {
    "many parts": (_many_parts(), "more than 100 MIME parts"),
    "deep nesting": (b"From: a@example.org\r\nContent-Type: message/rfc822\r\n\r\n" * 5000 + b"x", "MIME parts"),
    "many headers": (b"From: a@example.org\r\n" + b"X-H: v\r\n" * 120000 + b"\r\nbody", "header lines"),
}


@pytest.mark.parametrize("name", sorted(CRAFTED_EMAILS))
def test_crafted_emails_are_refused_quickly_naming_the_limit(name):
    raw, reason = CRAFTED_EMAILS[name]
    started = time.perf_counter()
    with pytest.raises(ReplyTooComplex, match=reason):
        parse_itip_reply(raw)
    assert len(raw) < 1024 * 1024 and time.perf_counter() - started < 0.5


def test_a_one_megabyte_subject_costs_no_time():
    # The default email policy parses every header it is asked for: this one took minutes.
    raw = b"From: a@example.org\r\nSubject: " + b"a " * 500000 + b"\r\n\r\nno calendar"
    started = time.perf_counter()
    with pytest.raises(ReplyParseError, match="no calendar part"):
        parse_itip_reply(raw)
    assert time.perf_counter() - started < 0.5


def test_the_largest_calendar_within_the_bounds_is_read_quickly():
    # 19 events of 1 KiB lines, just under every limit: what the parser may still be asked to do.
    body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REPLY\r\n" + (
        'BEGIN:VEVENT\r\nUID:x@engage\r\nATTENDEE;PARTSTAT=ACCEPTED;CN="a:b":mailto:a@example.org\r\n'
        + ("X-A:" + "b" * 1000 + "\r\n") * 3 + "END:VEVENT\r\n") * 19 + "END:VCALENDAR\r\n")
    started = time.perf_counter()
    assert len(parse_itip_reply(body.encode())) == 19
    assert time.perf_counter() - started < 0.5


@pytest.fixture
def meeting(app):
    return factories.make_meeting(contacts=[factories.make_contact(email="a@example.org")], now=NOW)


@pytest.mark.parametrize("name", ["many properties", "many parameters"])
def test_the_api_and_the_page_answer_a_crafted_upload_with_a_4xx_in_well_under_a_second(
        meeting, staff_api, staff_client, name):
    raw = CRAFTED[name].replace("x@engage", meeting.uid).encode()
    # One small request each first: what is timed is the upload, not a cold app's first request.
    staff_api.client.post("/api/v1/replies", data=b"x", headers={**staff_api._headers(), "Content-Type": "text/calendar"})
    staff_client.post(f"/meetings/{meeting.id}/replies", data={"file": (io.BytesIO(b"x"), "r.ics")},
                      content_type="multipart/form-data")
    started = time.perf_counter()
    response = staff_api.client.post("/api/v1/replies", data=raw,
                                     headers={**staff_api._headers(), "Content-Type": "text/calendar"})
    assert time.perf_counter() - started < 1.0
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "too_complex" and "calendar" in error["message"]
    started = time.perf_counter()
    response = staff_client.post(f"/meetings/{meeting.id}/replies", data={"file": (io.BytesIO(raw), "r.ics")},
                                 content_type="multipart/form-data")
    assert time.perf_counter() - started < 1.0
    assert response.status_code == 422 and "The calendar" in response.get_data(as_text=True)
