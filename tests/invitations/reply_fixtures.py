"""Replies shaped as real calendar clients send them, for any meeting UID and attendee.

Each builder returns the raw email the organiser mailbox receives: Outlook/Exchange (Windows zone
names, base64 parts, upper-case MAILTO), Outlook's "propose new time" (COUNTER), Gmail, Apple
Calendar, Thunderbird (inline and as invite.ics), a reply forwarded as message/rfc822, and an older
Outlook writing windows-1252.
"""
from __future__ import annotations

import base64
import hashlib
import quopri
from datetime import datetime

WINDOWS_ZONE = """\
BEGIN:VTIMEZONE
TZID:E. Africa Standard Time
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+0300
TZOFFSETTO:+0300
END:STANDARD
END:VTIMEZONE"""


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")


def _id(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _stamp(at: datetime) -> str:
    return f"{at:%Y%m%dT%H%M%SZ}"


def outlook(uid, email, name, partstat="ACCEPTED", *, sequence=0, stamp: datetime, sender=None) -> bytes:
    calendar = _crlf(f"""\
BEGIN:VCALENDAR
METHOD:REPLY
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
{WINDOWS_ZONE}
BEGIN:VEVENT
ATTENDEE;PARTSTAT={partstat};CN="{name}":MAILTO:{email.upper()}
COMMENT;LANGUAGE=en-GB:See you there.\\n
SUMMARY;LANGUAGE=en-GB:Accepted: Meeting
DTSTART;TZID=E. Africa Standard Time:20261207T120000
DTEND;TZID=E. Africa Standard Time:20261207T130000
UID:{uid}
CLASS:PUBLIC
PRIORITY:5
DTSTAMP:{_stamp(stamp)}
TRANSP:OPAQUE
STATUS:CONFIRMED
SEQUENCE:{sequence}
X-MICROSOFT-CDO-APPT-SEQUENCE:{sequence}
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
X-MICROSOFT-DISALLOW-COUNTER:FALSE
END:VEVENT
END:VCALENDAR
""")
    return _crlf(f"""\
Received: from AM0PR01MB1234.eurprd01.prod.exchangelabs.com ([fe80::1]) by
 AM0PR01MB1234.eurprd01.prod.exchangelabs.com with mapi id 15.20.7000.000;
 Mon, 30 Nov 2026 08:15:03 +0000
From: "{name}" <{sender or email}>
To: Coalition <engage@example.org>
Subject: Accepted: Meeting
Date: Mon, 30 Nov 2026 08:15:02 +0000
Message-ID: <AM0PR01MB{_id(uid, email, partstat, stamp, sender)}@exchangelabs.example>
Content-Type: multipart/alternative;
\tboundary="_000_AM0PR01MB1234_"
MIME-Version: 1.0

--_000_AM0PR01MB1234_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

{_b64(b"See you there.")}
--_000_AM0PR01MB1234_
Content-Type: text/calendar; charset="utf-8"; method=REPLY
Content-Transfer-Encoding: base64

{_b64(calendar.encode())}
--_000_AM0PR01MB1234_--
""").encode()


def outlook_counter(uid, email, name, *, local_start: str, local_end: str, sequence=0, stamp: datetime,
                    comment="Could we meet an hour later?") -> bytes:
    """Outlook's "Propose new time": METHOD:COUNTER, the time in the sender's Windows zone."""
    calendar = _crlf(f"""\
BEGIN:VCALENDAR
METHOD:COUNTER
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
{WINDOWS_ZONE}
BEGIN:VEVENT
ATTENDEE;PARTSTAT=TENTATIVE;CN="{name}":MAILTO:{email}
COMMENT;LANGUAGE=en-GB:{comment}\\n
SUMMARY;LANGUAGE=en-GB:New Time Proposed: Meeting
DTSTART;TZID=E. Africa Standard Time:{local_start}
DTEND;TZID=E. Africa Standard Time:{local_end}
UID:{uid}
DTSTAMP:{_stamp(stamp)}
SEQUENCE:{sequence}
X-MICROSOFT-CDO-APPT-SEQUENCE:{sequence}
END:VEVENT
END:VCALENDAR
""")
    return _crlf(f"""\
From: "{name}" <{email}>
To: Coalition <engage@example.org>
Subject: New Time Proposed: Meeting
Date: Mon, 30 Nov 2026 08:15:02 +0000
Message-ID: <counter.{_id(uid, email, local_start, stamp)}@exchangelabs.example>
Content-Type: multipart/alternative; boundary="_000_COUNTER_"
MIME-Version: 1.0

--_000_COUNTER_
Content-Type: text/plain; charset="utf-8"

{comment}
--_000_COUNTER_
Content-Type: text/calendar; charset="utf-8"; method=COUNTER
Content-Transfer-Encoding: base64

{_b64(calendar.encode())}
--_000_COUNTER_--
""").encode()


def gmail(uid, email, name, partstat="ACCEPTED", *, sequence=0, stamp: datetime, sender=None) -> bytes:
    calendar = _crlf(f"""\
BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:REPLY
BEGIN:VEVENT
DTSTART:20261207T090000Z
DTEND:20261207T100000Z
DTSTAMP:{_stamp(stamp)}
ORGANIZER;CN=Coalition:mailto:engage@example.org
UID:{uid}
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN={name};X
 -NUM-GUESTS=0:mailto:{email}
CREATED:20261128T090000Z
LAST-MODIFIED:{_stamp(stamp)}
LOCATION:Palais des Nations
SEQUENCE:{sequence}
STATUS:CONFIRMED
SUMMARY:Meeting
TRANSP:OPAQUE
END:VEVENT
END:VCALENDAR
""")
    return _crlf(f"""\
MIME-Version: 1.0
Date: Mon, 30 Nov 2026 11:00:00 +0300
Message-ID: <CAGmail{_id(uid, email, partstat, stamp, sender)}@mail.gmail.example>
Subject: Accepted: Meeting @ Mon 7 Dec 2026 12pm - 1pm (EAT) (engage@example.org)
From: {name} <{sender or email}>
To: engage@example.org
Content-Type: multipart/mixed; boundary="000000000000a1b2c3"

--000000000000a1b2c3
Content-Type: multipart/alternative; boundary="000000000000a1b2c2"

--000000000000a1b2c2
Content-Type: text/plain; charset="UTF-8"; format=flowed; delsp=yes

{name} has accepted this invitation.

--000000000000a1b2c2
Content-Type: text/html; charset="UTF-8"

<p>{name} has accepted this invitation.</p>
--000000000000a1b2c2
Content-Type: text/calendar; charset="UTF-8"; method=REPLY
Content-Transfer-Encoding: 7bit

{calendar}
--000000000000a1b2c2--
--000000000000a1b2c3
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"
Content-Transfer-Encoding: base64

{_b64(calendar.encode())}
--000000000000a1b2c3--
""").encode()


def apple(uid, email, name, partstat="ACCEPTED", *, sequence=0, stamp: datetime, sender=None) -> bytes:
    calendar = _crlf(f"""\
BEGIN:VCALENDAR
METHOD:REPLY
VERSION:2.0
PRODID:-//Apple Inc.//macOS 14.1//EN
BEGIN:VEVENT
UID:{uid}
DTSTART;TZID=Africa/Nairobi:20261207T120000
DTEND;TZID=Africa/Nairobi:20261207T130000
DTSTAMP:{_stamp(stamp)}
SEQUENCE:{sequence}
SUMMARY:Meeting
ATTENDEE;CN="{name}";CUTYPE=INDIVIDUAL;EMAIL="{email}";PARTSTAT={partstat}:mailto:{email}
ORGANIZER;CN="Coalition";EMAIL="engage@example.org":mailto:engage@example.org
REQUEST-STATUS:2.0;Success
END:VEVENT
END:VCALENDAR
""")
    return _crlf(f"""\
From: {name} <{sender or email}>
Content-Type: multipart/alternative; boundary="Apple-Mail=_1A2B3C4D"
Mime-Version: 1.0 (Mac OS X Mail 16.0)
Subject: Invitation: Meeting (Accepted)
Message-Id: <APPLE{_id(uid, email, partstat, stamp, sender)}@icloud.example>
Date: Mon, 30 Nov 2026 11:00:00 +0300
To: engage@example.org

--Apple-Mail=_1A2B3C4D
Content-Transfer-Encoding: 7bit
Content-Type: text/plain; charset=us-ascii

{name} has accepted your invitation.
--Apple-Mail=_1A2B3C4D
Content-Transfer-Encoding: quoted-printable
Content-Type: text/calendar; charset=utf-8; method=REPLY; name=iCal-20261130-110000.ics

{quopri.encodestring(calendar.encode()).decode()}
--Apple-Mail=_1A2B3C4D--
""").encode()


def thunderbird(uid, email, name, partstat="ACCEPTED", *, sequence=0, stamp: datetime, sender=None) -> bytes:
    calendar = _crlf(f"""\
BEGIN:VCALENDAR
PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN
VERSION:2.0
METHOD:REPLY
BEGIN:VTIMEZONE
TZID:Africa/Nairobi
BEGIN:STANDARD
TZOFFSETFROM:+0300
TZOFFSETTO:+0300
TZNAME:EAT
DTSTART:19700101T000000
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
CREATED:20261128T090000Z
LAST-MODIFIED:{_stamp(stamp)}
DTSTAMP:{_stamp(stamp)}
UID:{uid}
SUMMARY:Meeting
ORGANIZER;CN=Coalition:mailto:engage@example.org
ATTENDEE;RSVP=TRUE;CN={name};PARTSTAT={partstat};ROLE=REQ-PARTICIPAN
 T:mailto:{email}
DTSTART;TZID=Africa/Nairobi:20261207T120000
DTEND;TZID=Africa/Nairobi:20261207T130000
SEQUENCE:{sequence}
X-MOZ-RECEIVED-SEQUENCE:{sequence}
END:VEVENT
END:VCALENDAR
""")
    return _crlf(f"""\
Message-ID: <{_id(uid, email, partstat, stamp, sender)}@thunderbird.example>
Date: Mon, 30 Nov 2026 12:10:00 +0300
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
To: engage@example.org
From: {name} <{sender or email}>
Subject: Accepted: Meeting
Content-Type: multipart/mixed; boundary="------------mTZ4q0hK"

This is a multi-part message in MIME format.
--------------mTZ4q0hK
Content-Type: multipart/alternative; boundary="------------3XbRk8nV"

--------------3XbRk8nV
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

{name} has accepted your event invitation.

--------------3XbRk8nV
Content-Type: text/calendar; method=REPLY; charset=UTF-8
Content-Transfer-Encoding: 8bit

{calendar}
--------------3XbRk8nV--
--------------mTZ4q0hK
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"
Content-Transfer-Encoding: base64

{_b64(calendar.encode())}
--------------mTZ4q0hK--
""").encode()


def forwarded(uid, email, name, partstat="ACCEPTED", *, sequence=0, stamp: datetime, sender=None) -> bytes:
    """An Outlook reply that reached someone's own mailbox, forwarded by staff as an attachment."""
    inner = outlook(uid, email, name, partstat, sequence=sequence, stamp=stamp, sender=sender).decode()
    return _crlf(f"""\
From: Staff Member <staff@coalition.example>
To: engage@example.org
Subject: FW: Accepted: Meeting
Date: Tue, 1 Dec 2026 07:00:00 +0300
Message-ID: <fwd.{_id(uid, email, partstat, stamp, sender)}@coalition.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="fwd-boundary"

--fwd-boundary
Content-Type: text/plain; charset=utf-8

This answer came to my own mailbox; forwarding so it gets recorded.

--fwd-boundary
Content-Type: message/rfc822
Content-Disposition: attachment; filename="Accepted.eml"

{inner}
--fwd-boundary--
""").encode()


def windows_1252(uid, email, name, partstat="ACCEPTED", *, sequence=0, stamp: datetime, sender=None) -> bytes:
    """An older Outlook: the calendar part 8-bit in windows-1252 (the name's accents in that code page)."""
    calendar = _crlf(f"""\
BEGIN:VCALENDAR
METHOD:REPLY
PRODID:Microsoft CDO for Microsoft Exchange
VERSION:2.0
{WINDOWS_ZONE}
BEGIN:VEVENT
ATTENDEE;PARTSTAT={partstat};CN="{name} (Genève)":MAILTO:{email}
COMMENT:Très bien – à lundi.
SUMMARY:Accepté: Meeting
DTSTART;TZID="E. Africa Standard Time":20261207T120000
DTEND;TZID="E. Africa Standard Time":20261207T130000
UID:{uid}
DTSTAMP:{_stamp(stamp)}
SEQUENCE:{sequence}
END:VEVENT
END:VCALENDAR
""")
    head = _crlf(f"""\
From: "{name}" <{sender or email}>
To: engage@example.org
Subject: =?windows-1252?Q?Accept=E9=3A_Meeting?=
Date: Mon, 30 Nov 2026 08:15:02 +0000
Message-ID: <cp1252.{_id(uid, email, partstat, stamp, sender)}@exchange.example>
MIME-Version: 1.0
Content-Type: text/calendar; charset="windows-1252"; method=REPLY
Content-Transfer-Encoding: 8bit

""")
    return head.encode("ascii") + calendar.encode("cp1252")


CLIENTS = {"outlook": outlook, "gmail": gmail, "apple": apple, "thunderbird": thunderbird,
           "forwarded": forwarded, "windows-1252": windows_1252}
