"""Pure iCalendar builders (RFC 5545/5546): plain data in, bytes out. No database, no clock.

A core helper (docs/architecture.md, "Layers"): invitations build messages with it, meetings .ics downloads and feeds.

    build_calendar(events: list[EventData], method: str, now: datetime, name: str | None = None) -> bytes

One-off meetings carry their times in UTC ("...Z") and no VTIMEZONE (see docs/architecture.md, Invitations).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress
from icalendar.prop import vText

PRODID = "-//engage//UPR engagement//EN"

METHODS = ("PUBLISH", "REQUEST", "CANCEL", "DECLINECOUNTER")
ROLES = {"required": "REQ-PARTICIPANT", "optional": "OPT-PARTICIPANT"}
PARTSTATS = ("NEEDS-ACTION", "ACCEPTED", "TENTATIVE", "DECLINED", "DELEGATED")
STATUSES = ("CONFIRMED", "TENTATIVE", "CANCELLED")
CLASSIFICATIONS = ("PUBLIC", "PRIVATE", "CONFIDENTIAL")

_EMAIL = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class AttendeeData:
    email: str
    name: str
    role: str = "required"          # required | optional
    partstat: str = "NEEDS-ACTION"  # NEEDS-ACTION | ACCEPTED | TENTATIVE | DECLINED
    rsvp: bool = True


@dataclass(frozen=True)
class EventData:
    uid: str
    sequence: int
    summary: str
    starts_at: datetime             # aware
    ends_at: datetime               # aware
    organiser_email: str
    organiser_name: str = ""
    description: str = ""
    location: str = ""
    url: str = ""
    status: str = "CONFIRMED"       # CONFIRMED | CANCELLED
    attendees: tuple[AttendeeData, ...] = field(default_factory=tuple)
    created: datetime | None = None
    last_modified: datetime | None = None
    classification: str = "PUBLIC"  # PUBLIC | PRIVATE
    # The language of SUMMARY and of DESCRIPTION (RFC 5545 LANGUAGE=, e.g. "fr"); "" writes none. They
    # may differ: a title staff wrote in Kiswahili over a description in English.
    summary_language: str = ""
    description_language: str = ""


@dataclass(frozen=True)
class DayEventData:
    """An all-day event (a deadline, a milestone): DTSTART;VALUE=DATE, no times, no zone, no organiser.
    Published only (feeds and downloads)."""

    uid: str
    summary: str
    day: date
    description: str = ""
    url: str = ""
    last_modified: datetime | None = None


def build_calendar(events, method: str, now: datetime, name: str | None = None) -> bytes:
    """One VCALENDAR with METHOD `method` holding `events`, DTSTAMP `now`, as CRLF-folded bytes.

    - PUBLISH (downloads, feeds): any number of events; attendees, when given, are listed for
      information only (no RSVP request).
    - REQUEST: one meeting (one UID); every attendee given is listed with CN, ROLE, PARTSTAT
      (as given: NEEDS-ACTION by default, which a reschedule must keep) and RSVP=TRUE. The
      caller decides whom to list: one message per attendee lists just that attendee.
    - CANCEL: one meeting; STATUS:CANCELLED whatever `status` says.
    - DECLINECOUNTER: one meeting as it stands, to the attendee whose proposed time is declined
      (RFC 5546 §3.2.8); the attendee is listed without PARTSTAT or RSVP.
    Raises ValueError on data that would make a calendar clients misread.
    """
    method = (method or "").strip().upper()
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    stamp = _utc(now, "now")
    events = list(events)
    if method != "PUBLISH":
        uids = {e.uid for e in events}
        if len(uids) != 1:
            raise ValueError(f"a {method} carries exactly one meeting (one UID), got {len(uids)}")

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("name", _clean_line(name))
        calendar.add("x-wr-calname", _clean_line(name))
    lines = [line for line in calendar.content_lines() if line]
    organisers: dict[tuple[str, str], str] = {}
    body = []
    for event in events:
        if isinstance(event, DayEventData):
            if method != "PUBLISH":
                raise ValueError("an all-day event is only published")
            body += _day_vevent_lines(event, stamp)
        elif method == "PUBLISH" and not event.attendees:  # downloads and feeds: written directly, see below
            body += _published_vevent_lines(event, stamp, organisers)
        else:
            body += [line for line in _vevent(event, method, stamp).content_lines() if line]
    lines[-1:-1] = body  # before END:VCALENDAR
    return b"\r\n".join(_fold(line) for line in lines) + b"\r\n"


def _checked(data: EventData, method: str) -> tuple[str, datetime, datetime, str, str]:
    """The event's uid, start, end, status and class, or ValueError for what clients would misread."""
    uid = (data.uid or "").strip()
    if not uid or _CONTROL.search(uid):
        raise ValueError(f"uid must be a non-empty single line, got {data.uid!r}")
    if not isinstance(data.sequence, int) or isinstance(data.sequence, bool) or data.sequence < 0:
        raise ValueError(f"sequence must be a whole number ≥ 0, got {data.sequence!r}")
    starts_at, ends_at = _utc(data.starts_at, "starts_at"), _utc(data.ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ValueError("ends_at must be after starts_at")
    status = "CANCELLED" if method == "CANCEL" else (data.status or "CONFIRMED").upper()
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {data.status!r}")
    classification = (data.classification or "PUBLIC").upper()
    if classification not in CLASSIFICATIONS:
        raise ValueError(f"classification must be one of {', '.join(CLASSIFICATIONS)}, not {data.classification!r}")
    return uid, starts_at, ends_at, status, classification


def _vevent(data: EventData, method: str, stamp: datetime) -> Event:
    uid, starts_at, ends_at, status, classification = _checked(data, method)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", data.sequence)
    event.add("dtstamp", stamp)
    # Times always in UTC with Z and never a VTIMEZONE: see docs/architecture.md, Invitations.
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", data.summary or "", parameters=_language(data.summary_language))
    if data.description:
        event.add("description", data.description, parameters=_language(data.description_language))
    if data.location:
        event.add("location", data.location)
    if data.url:
        event.add("url", _clean_line(data.url))
    event.add("status", status)
    event.add("class", classification)
    event.add("transp", "OPAQUE")
    if data.created is not None:
        event.add("created", _utc(data.created, "created"))
    if data.last_modified is not None:
        event.add("last-modified", _utc(data.last_modified, "last_modified"))
    event.add("organizer", _address(data.organiser_email, data.organiser_name, "organiser_email"))
    if method == "REQUEST" and not data.attendees:
        raise ValueError("a REQUEST must list at least one attendee")
    for attendee in data.attendees:
        event.add("attendee", _attendee(attendee, method))
    return event


def _attendee(data: AttendeeData, method: str) -> vCalAddress:
    role = ROLES.get((data.role or "required").lower())
    if role is None:
        raise ValueError(f"attendee role must be required or optional, not {data.role!r}")
    address = _address(data.email, data.name, "attendee email")
    address.params["CUTYPE"] = "INDIVIDUAL"
    address.params["ROLE"] = role
    if method in ("CANCEL", "DECLINECOUNTER"):
        return address
    partstat = (data.partstat or "NEEDS-ACTION").upper()
    if partstat not in PARTSTATS:
        raise ValueError(f"attendee partstat must be one of {', '.join(PARTSTATS)}, not {data.partstat!r}")
    address.params["PARTSTAT"] = partstat
    if method == "REQUEST" and data.rsvp:
        address.params["RSVP"] = "TRUE"
    return address


def _address(email: str, name: str, what: str) -> vCalAddress:
    email = (email or "").strip()
    if not _EMAIL.match(email):
        raise ValueError(f"{what} is not an email address: {email!r}")
    # A bare lower-case mailto: — no SENT-BY — is what Outlook matches replies against.
    address = vCalAddress(f"mailto:{email}")
    cn = _clean_param(name)
    if cn:
        address.params["CN"] = cn
    return address


def _language(tag: str) -> dict | None:
    """LANGUAGE= for a property, or None; a tag must be plain letters, digits and hyphens (BCP 47)."""
    if not tag:
        return None
    if not re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", tag):
        raise ValueError(f"a language must be a BCP 47 tag such as fr or fr-CH, not {tag!r}")
    return {"LANGUAGE": tag}


def _with_language(name: str, tag: str) -> str:
    return f"{name};LANGUAGE={tag}" if _language(tag) else name


def _clean_line(value: str) -> str:
    return _CONTROL.sub(" ", value or "").strip()


def _clean_param(value: str) -> str:
    # Outlook does not understand RFC 6868 (^' ^n) escapes, and a DQUOTE cannot be quoted:
    # keep the name readable instead.
    return _clean_line(value).replace('"', "'")


def _utc(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a datetime with a zone, got {value!r}")
    return value.astimezone(UTC).replace(microsecond=0)


# ---- a published event written directly ----

def _escape_text(value: str) -> str:
    # icalendar's own TEXT escaping through its public property type, so a new icalendar release
    # changes both paths alike (tests/invitations/test_ical.py compares the bytes).
    return vText(value).to_ical().decode("utf-8")

#
# A team feed holds a thousand events; building each through icalendar's object model took most of
# the feed's time. An event without attendees (downloads and feeds) is written here line by line,
# as icalendar writes it: its first properties in icalendar's canonical order, the rest sorted by
# name, TEXT values escaped by icalendar's own function, the ORGANIZER line made by icalendar once
# per organiser. tests/invitations/test_ical.py checks the bytes are the same as icalendar's.

def _ical_time(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def _organiser_line(email: str, name: str, cache: dict[tuple[str, str], str]) -> str:
    key = (email, name)
    if key not in cache:
        event = Event()
        event.add("organizer", _address(email, name, "organiser_email"))
        cache[key] = next(line for line in event.content_lines() if line.startswith("ORGANIZER"))
    return cache[key]


def _published_vevent_lines(data: EventData, stamp: datetime, organisers: dict) -> list[str]:
    """The unfolded content lines of `data` as a PUBLISH event without attendees."""
    uid, starts_at, ends_at, status, classification = _checked(data, "PUBLISH")
    lines = ["BEGIN:VEVENT", _with_language("SUMMARY", data.summary_language) + ":" + _escape_text(data.summary or ""),
             "DTSTART:" + _ical_time(starts_at),
             "DTEND:" + _ical_time(ends_at), "DTSTAMP:" + _ical_time(stamp), "UID:" + _escape_text(uid),
             f"SEQUENCE:{data.sequence}", "CLASS:" + classification]
    if data.created is not None:
        lines.append("CREATED:" + _ical_time(_utc(data.created, "created")))
    if data.description:
        lines.append(_with_language("DESCRIPTION", data.description_language) + ":" + _escape_text(data.description))
    if data.last_modified is not None:
        lines.append("LAST-MODIFIED:" + _ical_time(_utc(data.last_modified, "last_modified")))
    if data.location:
        lines.append("LOCATION:" + _escape_text(data.location))
    lines.append(_organiser_line(data.organiser_email, data.organiser_name, organisers))
    lines += ["STATUS:" + status, "TRANSP:OPAQUE"]
    if data.url:
        lines.append("URL:" + _clean_line(data.url))
    lines.append("END:VEVENT")
    return lines


def _day_vevent_lines(data: DayEventData, stamp: datetime) -> list[str]:
    """An all-day event's lines (RFC 5545 §3.6.1: DTEND the day after, exclusive; TRANSPARENT, as a
    deadline does not fill the day)."""
    uid = (data.uid or "").strip()
    if not uid or _CONTROL.search(uid):
        raise ValueError(f"uid must be a non-empty single line, got {data.uid!r}")
    if not isinstance(data.day, date) or isinstance(data.day, datetime):
        raise ValueError(f"day must be a date, got {data.day!r}")
    lines = ["BEGIN:VEVENT", "SUMMARY:" + _escape_text(data.summary or ""),
             "DTSTART;VALUE=DATE:" + data.day.strftime("%Y%m%d"),
             "DTEND;VALUE=DATE:" + (data.day + timedelta(days=1)).strftime("%Y%m%d"),
             "DTSTAMP:" + _ical_time(stamp), "UID:" + _escape_text(uid), "SEQUENCE:0", "CLASS:PRIVATE"]
    if data.description:
        lines.append("DESCRIPTION:" + _escape_text(data.description))
    if data.last_modified is not None:
        lines.append("LAST-MODIFIED:" + _ical_time(_utc(data.last_modified, "last_modified")))
    lines += ["STATUS:CONFIRMED", "TRANSP:TRANSPARENT"]
    if data.url:
        lines.append("URL:" + _clean_line(data.url))
    lines.append("END:VEVENT")
    return lines


# ---- folding ----

FOLD_LIMIT = 75


def _fold(line: str) -> bytes:
    """One content line, encoded and folded as icalendar folds it (RFC 5545: pieces of at most 74
    octets, never inside a character, a backslash or caret never split from what it escapes), by
    slicing the bytes rather than a character at a time: a team feed holds tens of thousands of
    lines, and icalendar's per-character folding took over half of its time."""
    data = line.encode("utf-8")
    if len(data) < FOLD_LIMIT:
        return data
    pieces, start, size = [], 0, len(data)
    while size - start >= FOLD_LIMIT:
        end = start + FOLD_LIMIT - 1
        while data[end] & 0xC0 == 0x80:  # the middle of a multi-byte character: fold before it
            end -= 1
        if data[end - 1] in b"\\^":
            end -= 1  # the escape character starts the next piece
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return b"\r\n ".join(pieces)
