"""parse_itip_reply on what Outlook and Thunderbird really send, bare, as files and as emails."""
from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from engage.ical import AttendeeData, EventData, build_calendar
from engage.mime import build_invitation_message, message_bytes
from engage.invitations.replies import ReplyData, ReplyParseError, parse_itip_reply

# Shaped like Exchange/Outlook's REPLY: Windows zone names, upper-case MAILTO, a quoted CN with a
# comma, a COMMENT, X-MICROSOFT props, LF-free CRLF lines.
OUTLOOK_CALENDAR = "\r\n".join([
    "BEGIN:VCALENDAR",
    "METHOD:REPLY",
    "PRODID:Microsoft Exchange Server 2010",
    "VERSION:2.0",
    "BEGIN:VTIMEZONE",
    "TZID:W. Europe Standard Time",
    "BEGIN:STANDARD",
    "DTSTART:16010101T030000",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
    "END:STANDARD",
    "BEGIN:DAYLIGHT",
    "DTSTART:16010101T020000",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3",
    "END:DAYLIGHT",
    "END:VTIMEZONE",
    "BEGIN:VEVENT",
    'ATTENDEE;PARTSTAT=ACCEPTED;CN="Müller-Ndirangu, Zoë":MAILTO:Zoe@Mission.Example',
    "COMMENT;LANGUAGE=fr-CH:Avec plaisir\\, à mardi.\\n",
    "SUMMARY;LANGUAGE=fr-CH:Accepté: Mkutano wa Haki za Afya — Genève",
    "DTSTART;TZID=W. Europe Standard Time:20270706T100000",
    "DTEND;TZID=W. Europe Standard Time:20270706T110000",
    "UID:meeting-42@engage.example",
    "CLASS:PUBLIC",
    "PRIORITY:5",
    "DTSTAMP:20261130T081502Z",
    "TRANSP:OPAQUE",
    "STATUS:CONFIRMED",
    "SEQUENCE:2",
    "LOCATION;LANGUAGE=fr-CH:Palais des Nations\\, Salle XXIV",
    "X-MICROSOFT-CDO-APPT-SEQUENCE:2",
    "X-MICROSOFT-CDO-OWNERAPPTID:-1913275651",
    "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
    "X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY",
    "X-MICROSOFT-CDO-ALLDAYEVENT:FALSE",
    "X-MICROSOFT-CDO-IMPORTANCE:1",
    "X-MICROSOFT-CDO-INSTTYPE:0",
    "X-MICROSOFT-DONOTFORWARDMEETING:FALSE",
    "X-MICROSOFT-DISALLOW-COUNTER:FALSE",
    "END:VEVENT",
    "END:VCALENDAR",
    "",
])


def _b64(text: str) -> str:
    return base64.encodebytes(text.encode("utf-8")).decode("ascii")


OUTLOOK_EML = f"""\
Received: from AM0PR01MB1234.eurprd01.prod.exchangelabs.com ([fe80::1]) by
 AM0PR01MB1234.eurprd01.prod.exchangelabs.com with mapi id 15.20.7000.000;
 Mon, 30 Nov 2026 08:15:03 +0000
From: "=?utf-8?B?TcO8bGxlci1OZGlyYW5ndSwgWm/Dqw==?=" <Zoe@Mission.Example>
To: Haki Afya Coalition <engage@haki.example>
Subject: =?utf-8?B?QWNjZXB0w6k6IE1rdXRhbm8gd2EgSGFraSB6YSBBZnlh?=
Thread-Topic: Mkutano wa Haki za Afya
Thread-Index: AQHZ1234567890abcdef==
Date: Mon, 30 Nov 2026 08:15:02 +0000
Message-ID: <AM0PR01MB1234C0FFEE@AM0PR01MB1234.eurprd01.prod.exchangelabs.com>
Accept-Language: fr-CH, en-US
Content-Language: fr-CH
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
Content-Type: multipart/alternative;
\tboundary="_000_AM0PR01MB1234C0FFEE_"
MIME-Version: 1.0

--_000_AM0PR01MB1234C0FFEE_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

{_b64("Avec plaisir, à mardi.")}
--_000_AM0PR01MB1234C0FFEE_
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: base64

{_b64("<html><body><p>Avec plaisir, à mardi.</p></body></html>")}
--_000_AM0PR01MB1234C0FFEE_
Content-Type: text/calendar; charset="utf-8"; method=REPLY
Content-Transfer-Encoding: base64

{_b64(OUTLOOK_CALENDAR)}
--_000_AM0PR01MB1234C0FFEE_--
""".replace("\n", "\r\n")

# Shaped like Thunderbird's REPLY: an IANA VTIMEZONE, the answer 8bit inline AND as invite.ics.
THUNDERBIRD_CALENDAR = """\
BEGIN:VCALENDAR
PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN
VERSION:2.0
METHOD:REPLY
BEGIN:VTIMEZONE
TZID:Europe/Zurich
X-TZINFO:Europe/Zurich[2024a]
BEGIN:STANDARD
TZOFFSETTO:+010000
TZOFFSETFROM:+020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
DTSTART:19961027T030000
TZNAME:CET
END:STANDARD
BEGIN:DAYLIGHT
TZOFFSETTO:+020000
TZOFFSETFROM:+010000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
DTSTART:19810329T020000
TZNAME:CEST
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
CREATED:20261130T090955Z
LAST-MODIFIED:20261130T091000Z
DTSTAMP:20261130T091000Z
UID:meeting-42@engage.example
SUMMARY:Mkutano wa Haki za Afya — Genève
ORGANIZER;CN=Haki Afya Coalition:mailto:engage@haki.example
ATTENDEE;RSVP=TRUE;CN=Amina Wanjiru;PARTSTAT=TENTATIVE;ROLE=OPT-PARTICIPAN
 T:mailto:amina@health.go.ke
DTSTART;TZID=Europe/Zurich:20270706T100000
DTEND;TZID=Europe/Zurich:20270706T110000
CLASS:PUBLIC
LOCATION:Palais des Nations\\, Salle XXIV
SEQUENCE:3
TRANSP:OPAQUE
X-MOZ-RECEIVED-SEQUENCE:3
X-MOZ-RECEIVED-DTSTAMP:20261128T090000Z
X-MOZ-GENERATION:1
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n")

THUNDERBIRD_EML = f"""\
Message-ID: <0f3c2a1e-7b7d-4a52-9d7c-7e0c8a1b2c3d@health.go.ke>
Date: Mon, 30 Nov 2026 12:10:00 +0300
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Language: en-GB
To: engage@haki.example
From: Amina Wanjiru <amina@health.go.ke>
Subject: =?UTF-8?Q?Tentatively_accepted=3A_Mkutano_wa_Haki_za_Afya_=E2=80=94_Gen?=
 =?UTF-8?Q?=C3=A8ve?=
Content-Type: multipart/mixed; boundary="------------mTZ4q0hK2u9Wf8c1Y3aTpL"

This is a multi-part message in MIME format.
--------------mTZ4q0hK2u9Wf8c1Y3aTpL
Content-Type: multipart/alternative;
 boundary="------------3XbRk8nV0pQ7sZ2mLw9cHt"

--------------3XbRk8nV0pQ7sZ2mLw9cHt
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

Amina Wanjiru has tentatively accepted your event invitation.

--------------3XbRk8nV0pQ7sZ2mLw9cHt
Content-Type: text/calendar; method=REPLY; charset=UTF-8
Content-Transfer-Encoding: 8bit

{THUNDERBIRD_CALENDAR}
--------------3XbRk8nV0pQ7sZ2mLw9cHt--
--------------mTZ4q0hK2u9Wf8c1Y3aTpL
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"
Content-Transfer-Encoding: base64

{_b64(THUNDERBIRD_CALENDAR)}
--------------mTZ4q0hK2u9Wf8c1Y3aTpL--
"""

ZOE_ACCEPTS = ReplyData(uid="meeting-42@engage.example", sequence=2, attendee_email="zoe@mission.example",
                        partstat="ACCEPTED", dtstamp=datetime(2026, 11, 30, 8, 15, 2, tzinfo=UTC),
                        attendee_name="Müller-Ndirangu, Zoë", comment="Avec plaisir, à mardi.")
AMINA_MAYBE = ReplyData(uid="meeting-42@engage.example", sequence=3, attendee_email="amina@health.go.ke",
                        partstat="TENTATIVE", dtstamp=datetime(2026, 11, 30, 9, 10, tzinfo=UTC),
                        attendee_name="Amina Wanjiru")


def test_outlook_calendar_body():
    assert parse_itip_reply(OUTLOOK_CALENDAR.encode("utf-8")) == [ZOE_ACCEPTS]


def test_outlook_email():
    assert parse_itip_reply(OUTLOOK_EML.encode("utf-8")) == [_sent_by(ZOE_ACCEPTS, "zoe@mission.example")]


def _sent_by(reply: ReplyData, sender: str) -> ReplyData:
    return ReplyData(**{**reply.__dict__, "sender": sender})


def test_thunderbird_calendar_as_text_with_a_byte_order_mark():
    assert parse_itip_reply("\ufeff" + THUNDERBIRD_CALENDAR) == [AMINA_MAYBE]


def test_thunderbird_email_with_inline_part_and_attachment_counts_once():
    assert parse_itip_reply(THUNDERBIRD_EML.encode("utf-8")) == [_sent_by(AMINA_MAYBE, "amina@health.go.ke")]


def test_lf_only_file_saved_by_a_text_editor():
    assert parse_itip_reply(THUNDERBIRD_CALENDAR.replace("\r\n", "\n").encode()) == [AMINA_MAYBE]


def test_reply_forwarded_as_an_attachment_by_staff():
    forwarded = f"""\
From: Staff Member <staff@haki.example>
To: engage@haki.example
Subject: FW: =?utf-8?B?QWNjZXB0w6k6IE1rdXRhbm8gd2EgSGFraSB6YSBBZnlh?=
Date: Tue, 1 Dec 2026 07:00:00 +0300
Message-ID: <fwd-1@haki.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="fwd-boundary"

--fwd-boundary
Content-Type: text/plain; charset=utf-8

Zoë answered from Outlook; forwarding so it gets recorded.

--fwd-boundary
Content-Type: message/rfc822
Content-Disposition: attachment; filename="Accepte.eml"

{OUTLOOK_EML.replace(chr(13) + chr(10), chr(10))}
--fwd-boundary--
"""
    # The attached message's From counts: who the reply was from, not who passed it on.
    assert parse_itip_reply(forwarded.encode("utf-8")) == [_sent_by(ZOE_ACCEPTS, "zoe@mission.example")]


def test_decline_without_sequence_or_dtstamp_defaults_sensibly():
    body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"
            "UID:meeting-42@engage.example\r\nATTENDEE;PARTSTAT=declined:mailto:a@b.example\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")
    [reply] = parse_itip_reply(body)
    assert (reply.sequence, reply.partstat, reply.dtstamp, reply.attendee_email) == (0, "DECLINED", None, "a@b.example")


def _our_invitation() -> bytes:
    starts_at = datetime(2027, 7, 6, 8, 0, tzinfo=UTC)
    event = EventData(uid="meeting-42@engage.example", sequence=2, summary="Mkutano",
                      starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
                      organiser_email="engage@haki.example",
                      attendees=(AttendeeData("zoe@mission.example", "Zoë"),))
    ics = build_calendar([event], "REQUEST", datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    message = build_invitation_message(
        calendar=ics, to_email="zoe@mission.example", to_name="Zoë", organiser_email="engage@haki.example",
        organiser_name="Haki", subject="Invitation: Mkutano", text_body="t", html_body="<p>h</p>",
        message_id="<x@haki.example>", sent_at=datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    return message_bytes(message)


def test_an_invitation_forwarded_by_mistake_is_refused_naming_its_method():
    with pytest.raises(ReplyParseError, match="METHOD is REQUEST, not REPLY"):
        parse_itip_reply(_our_invitation())


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL", "PUBLISH"])
def test_bare_calendars_with_another_method_are_refused(method):
    with pytest.raises(ReplyParseError, match=f"METHOD is {method}, not REPLY"):
        parse_itip_reply(OUTLOOK_CALENDAR.replace("METHOD:REPLY", f"METHOD:{method}"))


def test_calendar_without_method_is_refused():
    with pytest.raises(ReplyParseError, match="METHOD is none, not REPLY"):
        parse_itip_reply(OUTLOOK_CALENDAR.replace("METHOD:REPLY\r\n", ""))


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"   \r\n", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "neither an iCalendar file nor an email"),
    (b"From: a@b.example\r\nSubject: hi\r\n\r\nJust text, no calendar.\r\n", "no calendar part"),
    (b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\n", "could not be read"),
    (OUTLOOK_CALENDAR.replace("UID:meeting-42@engage.example\r\n", "").encode(), "no UID"),
    (OUTLOOK_CALENDAR.replace("SEQUENCE:2", "SEQUENCE:two").encode(), "SEQUENCE is not a number"),
    (OUTLOOK_CALENDAR.replace('ATTENDEE;PARTSTAT=ACCEPTED;CN="Müller-Ndirangu, Zoë":MAILTO:Zoe@Mission.Example\r\n',
                              "").encode(), "names no ATTENDEE"),
    (OUTLOOK_CALENDAR.replace("PARTSTAT=ACCEPTED", "PARTSTAT=MAYBE").encode(), "PARTSTAT 'MAYBE'"),
])
def test_unusable_input_gets_a_clear_reason(data, message):
    with pytest.raises(ReplyParseError, match=message):
        parse_itip_reply(data)
