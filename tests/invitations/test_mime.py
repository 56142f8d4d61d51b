"""The email each attendee receives: shape, headers, and a calendar part clients read right."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest

from engage.ical import AttendeeData, EventData, build_calendar
from engage.mime import build_invitation_message, calendar_method, make_message_id, message_bytes
from tests.ical_readers import READERS

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
GENEVA = ZoneInfo("Europe/Zurich")
NAIROBI = ZoneInfo("Africa/Nairobi")
TITLE = "Mkutano wa Haki za Afya — Genève"
ORGANISER = ("engage@haki.example", "Coalition Haki Afya — Comité genevois")
ZOE = AttendeeData(email="zoe@mission.example", name="Zoë Müller-Ndirangu")
AMINA = AttendeeData(email="amina@health.go.ke", name="Amina Wanjiru", role="optional")


def event(attendee: AttendeeData, sequence=0, starts_at=datetime(2027, 7, 6, 10, 0, tzinfo=GENEVA)) -> EventData:
    return EventData(uid="meeting-42@engage.example", sequence=sequence, summary=TITLE, starts_at=starts_at,
                     ends_at=starts_at + timedelta(hours=1), organiser_email=ORGANISER[0],
                     organiser_name=ORGANISER[1], location="Palais des Nations, Salle XXIV",
                     attendees=(attendee,))


def sent(attendee: AttendeeData, method="REQUEST", sequence=0, starts_at=None, when=NOW) -> bytes:
    """What goes over SMTP for one attendee: built, serialised with CRLF."""
    data = event(attendee, sequence, starts_at) if starts_at else event(attendee, sequence)
    ics = build_calendar([data], method, when)
    message = build_invitation_message(
        calendar=ics, to_email=attendee.email, to_name=attendee.name,
        organiser_email=ORGANISER[0], organiser_name=ORGANISER[1],
        subject=f"{'Cancelled' if method == 'CANCEL' else 'Invitation'}: {TITLE}",
        text_body=f"Habari {attendee.name},\nKaribu — à bientôt.\n",
        html_body=f"<p>Habari {attendee.name}</p>",
        message_id=make_message_id(f"meeting:42:seq:{sequence}:{attendee.email}:{method}", "haki.example"),
        sent_at=when)
    return message_bytes(message)


def received(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def calendar_part(message):
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part


def test_top_level_structure_calendar_last_and_inline_then_the_attachment():
    message = received(sent(ZOE))
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html", "text/calendar"]
    calendar = list(alternative.iter_parts())[-1]
    assert calendar.get_content_disposition() is None  # inline, not an attachment
    assert calendar.get_content_charset() == "utf-8"
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content() == calendar.get_content().encode("utf-8")


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_mime_method_parameter_equals_the_calendar_method(method):
    message = received(sent(ZOE, method=method, sequence=1))
    part = calendar_part(message)
    ics = part.get_content().encode("utf-8")
    assert part.get_param("method") == method
    assert calendar_method(ics) == method
    assert [e["method"] for e in READERS["vobject"](ics)] == [method]


def test_headers_name_the_one_attendee_and_the_organiser_mailbox():
    message = received(sent(ZOE))
    assert [a.addr_spec for a in message["To"].addresses] == ["zoe@mission.example"]
    assert message["To"].addresses[0].display_name == "Zoë Müller-Ndirangu"
    assert message["From"].addresses[0].addr_spec == "engage@haki.example"
    assert message["Reply-To"].addresses[0].addr_spec == "engage@haki.example"
    assert message["From"].addresses[0].display_name == "Coalition Haki Afya — Comité genevois"
    assert message["Subject"] == f"Invitation: {TITLE}"
    assert message["Date"].datetime == NOW
    assert message["Message-ID"] == make_message_id("meeting:42:seq:0:zoe@mission.example:REQUEST", "haki.example")
    assert "Bcc" not in message and "Cc" not in message


@pytest.mark.parametrize("attendee", [ZOE, AMINA])
def test_exactly_one_attendee_and_it_matches_to(attendee):
    message = received(sent(attendee))
    ics = calendar_part(message).get_content()
    unfolded = ics.replace("\r\n ", "").split("\r\n")
    attendees = [line for line in unfolded if line.startswith("ATTENDEE")]
    assert len(attendees) == 1
    assert attendees[0].lower().endswith(f":mailto:{message['To'].addresses[0].addr_spec}")
    assert f'CN="{attendee.name}"' in attendees[0]
    assert "PARTSTAT=NEEDS-ACTION" in attendees[0] and "RSVP=TRUE" in attendees[0]
    assert [line for line in unfolded if line.startswith("ORGANIZER")] == [
        f'ORGANIZER;CN="{ORGANISER[1]}":mailto:{ORGANISER[0]}']


def test_uid_stable_and_sequence_as_given_across_request_update_and_cancel():
    request = received(sent(ZOE, "REQUEST", 0))
    update = received(sent(ZOE, "REQUEST", 1, starts_at=datetime(2027, 7, 7, 15, 0, tzinfo=GENEVA),
                           when=NOW + timedelta(days=2)))
    cancel = received(sent(ZOE, "CANCEL", 2, when=NOW + timedelta(days=5)))
    read = [READERS["vobject"](calendar_part(m).get_content().encode())[0] for m in (request, update, cancel)]
    assert {e["uid"] for e in read} == {"meeting-42@engage.example"}
    assert [e["sequence"] for e in read] == [0, 1, 2]
    assert [e["status"] for e in read] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert read[1]["start_utc"] == datetime(2027, 7, 7, 13, 0, tzinfo=UTC)
    assert len({m["Message-ID"] for m in (request, update, cancel)}) == 3


TRUTHS = {
    "nairobi": (datetime(2027, 3, 10, 14, 30, tzinfo=NAIROBI), datetime(2027, 3, 10, 11, 30, tzinfo=UTC)),
    "geneva-winter": (datetime(2027, 1, 15, 10, 0, tzinfo=GENEVA), datetime(2027, 1, 15, 9, 0, tzinfo=UTC)),
    "geneva-summer": (datetime(2027, 7, 6, 10, 0, tzinfo=GENEVA), datetime(2027, 7, 6, 8, 0, tzinfo=UTC)),
}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("case", sorted(TRUTHS))
def test_calendar_part_and_attachment_read_back_at_the_true_utc_start(reader, case):
    starts_at, truth = TRUTHS[case]
    message = received(sent(ZOE, starts_at=starts_at))
    for ics in (calendar_part(message).get_content().encode("utf-8"),
                [p for p in message.walk() if p.get_filename() == "invite.ics"][0].get_content()):
        [read] = READERS[reader](ics)
        assert read["start_utc"] == truth
        assert read["end_utc"] == truth + timedelta(hours=1)
        assert read["method"] == "REQUEST"


def test_non_ascii_survives_the_trip_through_smtp_bytes():
    raw = sent(ZOE)
    assert raw.isascii()  # 7-bit clean: survives any relay without 8BITMIME
    message = received(raw)
    assert message["Subject"] == "Invitation: Mkutano wa Haki za Afya — Genève"
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert plain.splitlines()[:2] == ["Habari Zoë Müller-Ndirangu,", "Karibu — à bientôt."]
    assert "Habari Zoë Müller-Ndirangu" in html
    ics = calendar_part(message).get_content()
    assert f"SUMMARY:{TITLE}" in ics.replace("\r\n ", "")
    assert 'CN="Zoë Müller-Ndirangu"' in ics.replace("\r\n ", "")


def test_calendar_bytes_keep_crlf_and_folding_inside_the_message():
    data = event(ZOE)
    ics = build_calendar([data], "REQUEST", NOW)
    message = received(sent(ZOE))
    assert calendar_part(message).get_payload(decode=True) == ics


def test_same_inputs_give_identical_bytes_so_a_retry_is_the_same_message():
    assert sent(ZOE) == sent(ZOE)


def test_a_request_to_someone_not_on_it_is_refused():
    ics = build_calendar([event(ZOE)], "REQUEST", NOW)
    with pytest.raises(ValueError, match="amina@health.go.ke is not an ATTENDEE"):
        build_invitation_message(calendar=ics, to_email=AMINA.email, to_name=AMINA.name,
                                 organiser_email=ORGANISER[0], organiser_name=ORGANISER[1], subject="s",
                                 text_body="t", html_body="h", message_id="<a@b.example>", sent_at=NOW)



def test_a_long_attendee_line_folded_across_lines_is_still_recognised():
    long_name = AttendeeData(email="counsellor.health.and.human.rights@permanent-mission.example",
                             name="Counsellor for Health, Human Rights and Humanitarian Affairs")
    ics = build_calendar([event(long_name)], "REQUEST", NOW)
    assert b"\r\n " in ics  # the ATTENDEE line is folded
    raw = sent(long_name)
    assert calendar_part(received(raw)).get_payload(decode=True) == ics


@pytest.mark.parametrize("calendar, message", [
    (b"", "calendar is not valid iCalendar"),
    (b"\xff\xfe not text", "calendar is not valid iCalendar"),
    (b"BEGIN:VEVENT\r\nEND:VEVENT\r\n", "calendar is not valid iCalendar"),
    (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "calendar has no METHOD"),
])
def test_a_calendar_that_is_not_one_or_has_no_method_is_refused(calendar, message):
    with pytest.raises(ValueError, match=message):
        build_invitation_message(calendar=calendar, to_email=ZOE.email, to_name=ZOE.name,
                                 organiser_email=ORGANISER[0], organiser_name=ORGANISER[1], subject="s",
                                 text_body="t", html_body="h", message_id="<a@b.example>", sent_at=NOW)

@pytest.mark.parametrize("change, message", [
    (dict(message_id="no-brackets@x"), "message_id must look like <id@host>"),
    (dict(sent_at=datetime(2026, 11, 28, 9, 0)), "sent_at must be a datetime with a zone"),
    (dict(to_email="zoe"), "to_email is not an email address"),
    (dict(organiser_email=""), "organiser_email is not an email address"),
    (dict(subject="  "), "subject is empty"),
    (dict(attachment_name="../evil.exe"), "attachment_name must be"),
    (dict(calendar=b"not a calendar"), "calendar"),
    (dict(extra_headers={"X-Engage": "a\r\nBcc: x@y.example"}), "must be a single line"),
])
def test_bad_arguments_are_refused(change, message):
    args = dict(calendar=build_calendar([event(ZOE)], "REQUEST", NOW), to_email=ZOE.email, to_name=ZOE.name,
                organiser_email=ORGANISER[0], organiser_name=ORGANISER[1], subject="s", text_body="t",
                html_body="h", message_id="<a@b.example>", sent_at=NOW)
    args.update(change)
    with pytest.raises(ValueError, match=message):
        build_invitation_message(**args)


def test_subject_newlines_cannot_inject_headers():
    args = dict(calendar=build_calendar([event(ZOE)], "REQUEST", NOW), to_email=ZOE.email, to_name=ZOE.name,
                organiser_email=ORGANISER[0], organiser_name=ORGANISER[1],
                subject="Hello\r\nBcc: spy@evil.example", text_body="t", html_body="h",
                message_id="<a@b.example>", sent_at=NOW, extra_headers={"X-Engage-Key": "meeting:42"})
    message = received(message_bytes(build_invitation_message(**args)))
    assert "Bcc" not in message
    assert message["Subject"] == "Hello Bcc: spy@evil.example"
    assert message["X-Engage-Key"] == "meeting:42"


def test_message_id_is_stable_per_key_and_distinct_across_keys():
    a = make_message_id("meeting:42:seq:0:zoe@mission.example:REQUEST", "haki.example")
    assert a == make_message_id("meeting:42:seq:0:zoe@mission.example:REQUEST", "haki.example")
    assert a != make_message_id("meeting:42:seq:1:zoe@mission.example:REQUEST", "haki.example")
    assert a.startswith("<") and a.endswith("@haki.example>")
    with pytest.raises(ValueError):
        make_message_id("k", "bad domain>")
