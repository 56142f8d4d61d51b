"""Pure parsing of iTIP REPLYs (RFC 5546 §3.2.3) sent by calendar clients to the organiser mailbox.

Accepts what people actually have in hand: the bare text/calendar body, an .ics file, or a
whole email (.eml) — including one forwarded as an attachment — and returns who answered what.
Deciding whether a reply applies (known UID, attendee on the meeting, SEQUENCE not stale) is
the caller's job.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import message_from_bytes, policy

from icalendar import Calendar

CALENDAR_TYPES = {"text/calendar", "application/ics", "text/x-vcalendar", "application/x-ics"}
PARTSTATS = {"ACCEPTED", "TENTATIVE", "DECLINED", "NEEDS-ACTION", "DELEGATED"}


class ReplyParseError(ValueError):
    """The input holds no usable iTIP REPLY; the message says why, fit to show a user."""


@dataclass(frozen=True)
class ReplyData:
    uid: str
    sequence: int
    attendee_email: str             # lower-case, without mailto:
    partstat: str                   # ACCEPTED | TENTATIVE | DECLINED | NEEDS-ACTION | DELEGATED
    dtstamp: datetime | None        # aware UTC, when the client says
    attendee_name: str = ""
    comment: str = ""


def parse_itip_reply(data: bytes | str) -> list[ReplyData]:
    """Every attendee answer in a REPLY given as a calendar body, an .ics file or an .eml message."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data or not data.strip():
        raise ReplyParseError("The reply is empty.")
    if _looks_like_calendar(data):
        calendars = _parse_calendars(data)
        methods = {_method(c) for c in calendars}
        if methods != {"REPLY"}:
            raise ReplyParseError(_not_a_reply(methods))
        return _replies(calendars)
    return _replies_in_message(data)


def _looks_like_calendar(data: bytes) -> bool:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].upper()
    return head.startswith(b"BEGIN:VCALENDAR")


def _replies_in_message(data: bytes) -> list[ReplyData]:
    message = message_from_bytes(data, policy=policy.default)
    if not message.keys():
        raise ReplyParseError("This is neither an iCalendar file nor an email message.")
    found_methods = set()
    calendars = []
    # walk() also descends into message/rfc822 parts, so a reply forwarded as an attachment is found.
    for part in message.walk():
        if part.is_multipart() or not _is_calendar_part(part):
            continue
        body = part.get_payload(decode=True)
        if not body or not _looks_like_calendar(body):
            continue
        for calendar in _parse_calendars(body, part.get_content_charset()):
            method = _method(calendar)
            found_methods.add(method)
            if method == "REPLY":
                calendars.append(calendar)
    if not found_methods:
        raise ReplyParseError("The message has no calendar part (text/calendar or .ics): "
                              "forward the calendar reply itself, or upload its .ics file.")
    if not calendars:
        raise ReplyParseError(_not_a_reply(found_methods))
    replies = _replies(calendars)
    # The same REPLY usually comes twice: inline and as an attachment.
    return list(dict.fromkeys(replies))


def _is_calendar_part(part) -> bool:
    filename = (part.get_filename() or "").lower()
    return part.get_content_type() in CALENDAR_TYPES or filename.endswith((".ics", ".ical", ".vcs"))


def _parse_calendars(body: bytes, charset: str | None = None) -> list[Calendar]:
    text = _decode(body, charset)
    try:
        calendars = Calendar.from_ical(text, multiple=True)
    except Exception as exc:  # icalendar raises several types on malformed input
        raise ReplyParseError(f"The calendar could not be read: {exc}") from None
    if not calendars:
        raise ReplyParseError("The calendar could not be read: no VCALENDAR in it.")
    return calendars


def _decode(body: bytes, charset: str | None) -> str:
    for encoding in (charset, "utf-8"):
        if encoding:
            try:
                return body.decode(encoding).lstrip("\ufeff")
            except (LookupError, UnicodeDecodeError):
                continue
    return body.decode("cp1252", errors="replace")


def _method(calendar: Calendar) -> str:
    return str(calendar.get("METHOD", "")).strip().upper()


def _not_a_reply(methods: set[str]) -> str:
    named = ", ".join(sorted(m or "none" for m in methods))
    return (f"This calendar is not a reply: its METHOD is {named}, not REPLY. "
            "Only an attendee's answer (Accept / Tentative / Decline) can be taken in.")


def _replies(calendars: list[Calendar]) -> list[ReplyData]:
    replies = []
    for calendar in calendars:
        events = calendar.walk("VEVENT")
        if not events:
            raise ReplyParseError("The REPLY holds no event (VEVENT).")
        for event in events:
            replies.extend(_event_replies(event))
    return replies


def _event_replies(event) -> list[ReplyData]:
    uid = str(event.get("UID", "")).strip()
    if not uid:
        raise ReplyParseError("The REPLY has no UID, so it cannot be matched to a meeting.")
    try:
        sequence = int(str(event.get("SEQUENCE", 0)).strip() or 0)
    except ValueError:
        raise ReplyParseError(f"The REPLY's SEQUENCE is not a number: {event.get('SEQUENCE')!r}") from None
    dtstamp = _instant(event.get("DTSTAMP"))
    comment = str(event.get("COMMENT", "") or "").strip() if not isinstance(event.get("COMMENT"), list) \
        else " ".join(str(c).strip() for c in event["COMMENT"])
    attendees = event.get("ATTENDEE")
    if attendees is None:
        raise ReplyParseError("The REPLY names no ATTENDEE, so it is not known who answered.")
    replies = []
    for attendee in attendees if isinstance(attendees, list) else [attendees]:
        address = str(attendee).strip()
        if address.lower().startswith("mailto:"):
            address = address[len("mailto:"):]
        address = address.strip().lower()
        if "@" not in address:
            raise ReplyParseError(f"The REPLY's ATTENDEE is not an email address: {str(attendee)!r}")
        params = getattr(attendee, "params", {})
        partstat = str(params.get("PARTSTAT", "NEEDS-ACTION")).strip().upper()
        if partstat not in PARTSTATS:
            raise ReplyParseError(f"The REPLY's PARTSTAT {partstat!r} is not one of "
                                  f"{', '.join(sorted(PARTSTATS))}.")
        replies.append(ReplyData(uid=uid, sequence=sequence, attendee_email=address, partstat=partstat,
                                 dtstamp=dtstamp, attendee_name=str(params.get("CN", "")).strip(),
                                 comment=comment))
    return replies


def _instant(prop) -> datetime | None:
    value = getattr(prop, "dt", None)
    if isinstance(value, datetime):
        # A floating DTSTAMP breaks RFC 5545 (it must be UTC); read it as UTC.
        return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None
