"""build_calendar: what calendar clients read back from what we send."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from engage.ical import AttendeeData, EventData, build_calendar
from tests.ical_readers import READERS

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
NAIROBI = ZoneInfo("Africa/Nairobi")
GENEVA = ZoneInfo("Europe/Zurich")

ZOE = AttendeeData(email="zoe@mission.example", name="Zoë Müller-Ndirangu")
AMINA = AttendeeData(email="amina@health.go.ke", name="Amina Wanjiru", role="optional")


def meeting(**overrides) -> EventData:
    data = dict(
        uid="meeting-42@engage.example", sequence=0,
        summary="Mkutano wa Haki za Afya — Genève",
        starts_at=datetime(2027, 7, 6, 10, 0, tzinfo=GENEVA),
        ends_at=datetime(2027, 7, 6, 11, 0, tzinfo=GENEVA),
        organiser_email="engage@haki.example", organiser_name="Haki Afya Coalition",
        description="Recommendations 142.15 (Germany) and 142.20 (Brazil).\nSecond line; with, punctuation",
        location="Palais des Nations, Salle XXIV",
        attendees=(ZOE,),
    )
    data.update(overrides)
    return EventData(**data)


def lines(ics: bytes) -> list[str]:
    """Unfolded content lines."""
    return ics.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_request_has_the_itip_shape_clients_need():
    ics = build_calendar([meeting(sequence=3)], "REQUEST", NOW)
    unfolded = lines(ics)
    assert unfolded[:5] == ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//engage//UPR engagement//EN",
                            "CALSCALE:GREGORIAN", "METHOD:REQUEST"]
    assert "UID:meeting-42@engage.example" in unfolded
    assert "SEQUENCE:3" in unfolded
    assert "DTSTAMP:20261128T090000Z" in unfolded
    assert "STATUS:CONFIRMED" in unfolded
    [organiser] = [line for line in unfolded if line.startswith("ORGANIZER")]
    assert organiser in ('ORGANIZER;CN="Haki Afya Coalition":mailto:engage@haki.example',
                         "ORGANIZER;CN=Haki Afya Coalition:mailto:engage@haki.example")
    [attendee] = [line for line in unfolded if line.startswith("ATTENDEE")]
    assert attendee == ("ATTENDEE;CN=\"Zoë Müller-Ndirangu\";CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTION;"
                        "ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:zoe@mission.example")
    assert "SENT-BY" not in ics.decode()
    assert "VTIMEZONE" not in ics.decode()
    assert "TZID" not in ics.decode()


def test_bytes_use_crlf_and_fold_at_75_octets():
    long_title = "Mkutano wa Haki za Afya — Genève: " + "é" * 120
    ics = build_calendar([meeting(summary=long_title)], "REQUEST", NOW)
    assert ics.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in ics.replace(b"\r\n", b"")
    physical = ics.split(b"\r\n")
    assert max(len(line) for line in physical) <= 75
    for line in physical:
        line.decode("utf-8")  # never folded inside a multi-byte character
    assert f"SUMMARY:{long_title}" in lines(ics)


def test_optional_attendee_and_several_attendees_when_the_caller_lists_them():
    ics = build_calendar([meeting(attendees=(ZOE, AMINA))], "REQUEST", NOW)
    attendees = [line for line in lines(ics) if line.startswith("ATTENDEE")]
    assert len(attendees) == 2
    assert "ROLE=OPT-PARTICIPANT" in attendees[1] and attendees[1].endswith("mailto:amina@health.go.ke")


def test_cancel_keeps_uid_and_says_cancelled_whatever_the_status_field():
    request = build_calendar([meeting(sequence=1)], "REQUEST", NOW)
    cancel = build_calendar([meeting(sequence=2, status="CONFIRMED")], "CANCEL", NOW + timedelta(days=1))
    parsed_request = Calendar.from_ical(request).walk("VEVENT")[0]
    parsed_cancel = Calendar.from_ical(cancel).walk("VEVENT")[0]
    assert str(parsed_request["UID"]) == str(parsed_cancel["UID"]) == "meeting-42@engage.example"
    assert (parsed_request["SEQUENCE"], parsed_cancel["SEQUENCE"]) == (1, 2)
    assert "METHOD:CANCEL" in lines(cancel)
    assert "STATUS:CANCELLED" in lines(cancel)
    assert "DTSTAMP:20261129T090000Z" in lines(cancel)
    [attendee] = [line for line in lines(cancel) if line.startswith("ATTENDEE")]
    assert "RSVP" not in attendee and "PARTSTAT" not in attendee


def test_publish_lists_attendees_without_asking_for_answers():
    ics = build_calendar([meeting(attendees=(replace(ZOE, partstat="ACCEPTED"),))], "PUBLISH", NOW,
                         name="Engagement meetings")
    unfolded = lines(ics)
    assert "METHOD:PUBLISH" in unfolded and "X-WR-CALNAME:Engagement meetings" in unfolded
    [attendee] = [line for line in unfolded if line.startswith("ATTENDEE")]
    assert "PARTSTAT=ACCEPTED" in attendee and "RSVP" not in attendee


def test_publish_feed_holds_many_meetings_and_can_be_empty():
    second = meeting(uid="meeting-43@engage.example", attendees=())
    ics = build_calendar([meeting(), second], "PUBLISH", NOW)
    assert [e["uid"] for e in READERS["vobject"](ics)] == ["meeting-42@engage.example", "meeting-43@engage.example"]
    empty = build_calendar([], "PUBLISH", NOW)
    assert "BEGIN:VEVENT" not in empty.decode() and b"METHOD:PUBLISH" in empty


def test_private_class_and_url():
    ics = build_calendar([meeting(classification="PRIVATE", url="https://meet.example/abc")], "REQUEST", NOW)
    assert "CLASS:PRIVATE" in lines(ics)
    assert "URL:https://meet.example/abc" in lines(ics)


def test_description_newlines_and_punctuation_survive():
    ics = build_calendar([meeting()], "REQUEST", NOW)
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["DESCRIPTION"]) == ("Recommendations 142.15 (Germany) and 142.20 (Brazil).\n"
                                         "Second line; with, punctuation")


def test_names_with_quotes_or_newlines_cannot_break_the_line():
    odd = AttendeeData(email="x@example.org", name='Dr "Kim"\r\nBCC:evil@example.org')
    ics = build_calendar([meeting(attendees=(odd,))], "REQUEST", NOW)
    [attendee] = [line for line in lines(ics) if line.startswith("ATTENDEE")]
    assert attendee.startswith("ATTENDEE;CN=\"Dr 'Kim' BCC:evil@example.org\";")
    assert not any(line.startswith("BCC") for line in lines(ics))


TRUTHS = {
    # name: (local start, zone, true UTC start)
    "nairobi": (datetime(2027, 3, 10, 14, 30), NAIROBI, datetime(2027, 3, 10, 11, 30, tzinfo=UTC)),
    "geneva-winter": (datetime(2027, 1, 15, 10, 0), GENEVA, datetime(2027, 1, 15, 9, 0, tzinfo=UTC)),
    "geneva-summer": (datetime(2027, 7, 6, 10, 0), GENEVA, datetime(2027, 7, 6, 8, 0, tzinfo=UTC)),
}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("case", sorted(TRUTHS))
@pytest.mark.parametrize("method", ["REQUEST", "PUBLISH", "CANCEL"])
def test_independent_readers_get_the_true_utc_start(reader, case, method):
    local, zone, truth = TRUTHS[case]
    starts_at = local.replace(tzinfo=zone)
    ics = build_calendar([meeting(starts_at=starts_at, ends_at=starts_at + timedelta(minutes=45), sequence=4)],
                         method, NOW)
    [event] = READERS[reader](ics)
    assert event["start_utc"] == truth
    assert event["end_utc"] == truth + timedelta(minutes=45)
    assert event["method"] == method
    assert event["uid"] == "meeting-42@engage.example"
    assert event["sequence"] == 4
    assert event["status"] == ("CANCELLED" if method == "CANCEL" else "CONFIRMED")


def test_sub_second_times_are_dropped_not_rounded_into_a_different_minute():
    starts_at = datetime(2027, 1, 15, 9, 0, 0, 999_999, tzinfo=UTC)
    ics = build_calendar([meeting(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))], "REQUEST",
                         NOW.replace(microsecond=500_000))
    assert "DTSTART:20270115T090000Z" in lines(ics)
    assert "DTSTAMP:20261128T090000Z" in lines(ics)


@pytest.mark.parametrize("change, message", [
    (dict(starts_at=datetime(2027, 7, 6, 10, 0)), "starts_at must be a datetime with a zone"),
    (dict(ends_at=datetime(2027, 7, 6, 7, 0, tzinfo=UTC)), "ends_at must be after starts_at"),
    (dict(uid=""), "uid must be a non-empty"),
    (dict(sequence=-1), "sequence must be"),
    (dict(status="MAYBE"), "status must be one of"),
    (dict(classification="SECRET"), "classification must be one of"),
    (dict(organiser_email="not an email"), "organiser_email is not an email address"),
    (dict(attendees=()), "a REQUEST must list at least one attendee"),
    (dict(attendees=(AttendeeData("a@example.org", "A", role="chair"),)), "attendee role must be"),
    (dict(attendees=(AttendeeData("a@example.org", "A", partstat="YES"),)), "attendee partstat must be"),
    (dict(attendees=(AttendeeData("a@example.org\r\nX:1", "A"),)), "attendee email is not an email"),
])
def test_bad_data_is_refused_with_a_message_naming_the_field(change, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        build_calendar([meeting(**change)], "REQUEST", NOW)


def test_bad_method_naive_now_and_two_meetings_in_one_request_are_refused():
    with pytest.raises(ValueError, match="method must be one of"):
        build_calendar([meeting()], "REPLY", NOW)
    with pytest.raises(ValueError, match="now must be a datetime with a zone"):
        build_calendar([meeting()], "REQUEST", datetime(2026, 11, 28, 9, 0))
    with pytest.raises(ValueError, match="exactly one meeting"):
        build_calendar([meeting(), meeting(uid="other@engage.example")], "REQUEST", NOW)
    with pytest.raises(ValueError, match="exactly one meeting"):
        build_calendar([], "CANCEL", NOW)


def icalendar_built(monkeypatch, build):
    """What `build()` returns when icalendar writes and folds every line itself (engage's reference)."""
    from icalendar.parser.string import _foldline

    from engage import ical

    with monkeypatch.context() as patch:
        patch.setattr(ical, "_fold", lambda line: _foldline(line).encode("utf-8"))
        patch.setattr(ical, "_published_vevent_lines", lambda data, stamp, organisers: [
            line for line in ical._vevent(data, "PUBLISH", stamp).content_lines() if line])
        return build()


class TestSameBytesAsIcalendar:
    """engage writes feeds and downloads faster than icalendar's object model (a team feed holds a
    thousand meetings) and folds lines faster than icalendar does: the bytes are the same."""

    @pytest.mark.parametrize("description", [
        "x" * 72 + "\\" + "y" * 300,                      # an escape right at a fold
        ("Recommendations, commas; semicolons\\ and carets ^ " * 12),
        "a" * 73 + ",b" * 80,                             # escaped commas on every fold boundary
        "Zoë Müller-Ndirangu — Genève, 日本語 " * 20,      # multi-byte characters
        "🙂" * 100,
        "é" * 36 + ",x" * 60, "é" + ",x" * 60, "日" * 24 + "\\" + "é" * 80,
        "short", "Two\nlines\r\nand a lone\rreturn",
        "y" * 74, "y" * 75, "y" * 148, "y" * 149,
    ])
    def test_folding_an_invitation(self, description, monkeypatch):
        long_name = AttendeeData(email="a@mission.example", name="Ambassador " + "Wanjiru-" * 12)
        event = meeting(description=description, location=description[:200], attendees=(ZOE, long_name))
        build = lambda: build_calendar([event], "REQUEST", NOW, name=description[:120])  # noqa: E731
        assert build() == icalendar_built(monkeypatch, build)
        assert all(len(line.encode()) <= 75 for line in build().decode().split("\r\n"))

    def test_a_feed(self, monkeypatch):
        texts = ["Mkutano wa Haki za Afya — Genève", "Commas, semicolons; backslashes\\ carets^ colons:",
                 "x" * 200, "", "Line one\nLine two\r\nthree", "🙂 Zoë"]
        names = ["Haki Afya Coalition", 'Org, "quoted"; name: x', "Zoë Müller-Ndirangu", "", "Caret^name",
                 "Long " * 30]
        events = [meeting(uid=f"meeting-{i}@engage.example", sequence=i % 3, summary=texts[i % 6],
                          description=texts[(i + 1) % 6], location=texts[(i + 2) % 6],
                          url=["", "https://meet.example/j/1?pwd=a,b;c", "https://engage.example/meetings/7"][i % 3],
                          organiser_email=f"organiser{i % 2}@haki.example", organiser_name=names[i % 6],
                          status=["CONFIRMED", "CANCELLED"][i % 2], classification=["PUBLIC", "PRIVATE"][i % 2],
                          created=[None, NOW - timedelta(days=3)][i % 2],
                          last_modified=[NOW - timedelta(hours=1), None][i % 2],
                          starts_at=datetime(2027, 7, 6, 10, 0, 30, 250, tzinfo=GENEVA) + timedelta(days=i),
                          ends_at=datetime(2027, 7, 6, 13, 0, tzinfo=NAIROBI) + timedelta(days=i), attendees=())
                  for i in range(24)]
        for name in ("engage: all meetings", "Zoë's; calendar, " * 8, None):
            build = lambda: build_calendar(events, "PUBLISH", NOW, name=name)  # noqa: E731
            assert build() == icalendar_built(monkeypatch, build)

    def test_a_download_listing_attendees(self, monkeypatch):
        build = lambda: build_calendar([meeting(attendees=(ZOE, AMINA))], "PUBLISH", NOW)  # noqa: E731
        assert build() == icalendar_built(monkeypatch, build)

    def test_bad_events_are_still_refused(self):
        with pytest.raises(ValueError, match="ends_at"):
            build_calendar([meeting(attendees=(), ends_at=datetime(2027, 7, 6, 9, 0, tzinfo=GENEVA))], "PUBLISH", NOW)
        with pytest.raises(ValueError, match="organiser_email"):
            build_calendar([meeting(attendees=(), organiser_email="not an address")], "PUBLISH", NOW)
