"""Pure parsing of iTIP REPLYs and COUNTERs (RFC 5546 §3.2.3, §3.2.7) sent by calendar clients to the
organiser mailbox.

Accepts what people actually have in hand: the bare text/calendar body, an .ics file, or a
whole email (.eml) — including one forwarded as an attachment — and returns who answered what,
with the From address of the message that carried it and whether the organiser mailbox's server
found its DKIM or DMARC check failed. Deciding whether a reply applies (known UID, attendee on the
meeting, sent by them, SEQUENCE and DTSTAMP not stale) is the caller's job.

The work is bounded before icalendar sees the text (components, content lines, line length,
parameters, MIME parts): a crafted file of under 1 MiB once cost a worker 15 seconds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.utils import getaddresses

from icalendar import Calendar

CALENDAR_TYPES = {"text/calendar", "application/ics", "text/x-vcalendar", "application/x-ics"}
PARTSTATS = {"ACCEPTED", "TENTATIVE", "DECLINED", "NEEDS-ACTION", "DELEGATED"}
METHODS = ("REPLY", "COUNTER")  # an answer, or Outlook's "propose new time"

# What a real reply needs is far below these (Outlook's: 2 components, ~40 lines of under 200
# characters); beyond them the input is refused before it is parsed, naming the limit.
MAX_COMPONENTS = 50        # BEGIN: lines in one calendar part
MAX_CONTENT_LINES = 1000   # unfolded lines in one calendar part
MAX_LINE_LENGTH = 8000     # characters in one unfolded line
MAX_PARAMETERS = 30        # parameters on one property
MAX_MIME_PARTS = 100       # parts in one email, forwarded messages included
MAX_CALENDAR_PARTS = 10    # calendar parts in one email
MAX_ANSWERS = 50           # attendee answers in one input
_FOLD = re.compile(r"\r?\n[ \t]")
_AUTH_FAIL = re.compile(r"\b(dkim|dmarc)\s*=\s*fail\b", re.IGNORECASE)


class ReplyParseError(ValueError):
    """The input holds no usable iTIP REPLY; the message says why, fit to show a user."""


class ReplyTooComplex(ReplyParseError):
    """The input is beyond what any calendar client sends (too many parts, lines, components…)."""


@dataclass(frozen=True)
class ReplyData:
    uid: str
    sequence: int
    attendee_email: str             # lower-case, without mailto:
    partstat: str                   # ACCEPTED | TENTATIVE | DECLINED | NEEDS-ACTION | DELEGATED | "" (none given)
    dtstamp: datetime | None        # aware UTC, when the client says
    attendee_name: str = ""
    comment: str = ""
    method: str = "REPLY"           # REPLY | COUNTER
    sender: str = ""                # the From address of the email that carried it (lower-case); "" for a bare file
    auth_failure: str = ""          # "dkim=fail" / "dmarc=fail" from the receiving server's Authentication-Results
    proposed_starts_at: datetime | None = None  # a COUNTER's proposed time, aware UTC
    proposed_ends_at: datetime | None = None
    delegated_to: tuple[str, ...] = ()          # PARTSTAT=DELEGATED: to whom (lower-case addresses)


def parse_itip_reply(data: bytes | str) -> list[ReplyData]:
    """Every attendee answer in a REPLY given as a calendar body, an .ics file or an .eml message."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data or not data.strip():
        raise ReplyParseError("The reply is empty.")
    if _looks_like_calendar(data):
        calendars = _parse_calendars(data)
        methods = {_method(c) for c in calendars}
        if not methods <= set(METHODS):
            raise ReplyParseError(_not_a_reply(methods))
        return _bounded(_replies(calendars))
    return _bounded(_replies_in_message(data))


def _bounded(replies: list[ReplyData]) -> list[ReplyData]:
    if len(replies) > MAX_ANSWERS:
        raise ReplyTooComplex(f"The reply holds {len(replies)} answers; a reply holds at most {MAX_ANSWERS}.")
    return replies


def _looks_like_calendar(data: bytes) -> bool:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].upper()
    return head.startswith(b"BEGIN:VCALENDAR")


def _replies_in_message(data: bytes) -> list[ReplyData]:
    message = message_from_bytes(data, policy=policy.default)
    if not message.keys():
        raise ReplyParseError("This is neither an iCalendar file nor an email message.")
    # Only the outermost headers were written by the organiser mailbox's server; any inside are the sender's.
    auth_failure = authentication_failure(message)
    found_methods = set()
    replies = []
    parts = calendar_parts = 0
    for part, sender in _walk(message, _from_address(message)):
        parts += 1
        if parts > MAX_MIME_PARTS:
            raise ReplyTooComplex(f"The message has more than {MAX_MIME_PARTS} MIME parts; a reply has a few.")
        if part.is_multipart() or not _is_calendar_part(part):
            continue
        body = part.get_payload(decode=True)
        if not body or not _looks_like_calendar(body):
            continue
        calendar_parts += 1
        if calendar_parts > MAX_CALENDAR_PARTS:
            raise ReplyTooComplex(f"The message has more than {MAX_CALENDAR_PARTS} calendar parts.")
        for calendar in _parse_calendars(body, part.get_content_charset()):
            method = _method(calendar)
            found_methods.add(method)
            if method in METHODS:
                replies += [_with(r, sender=sender, auth_failure=auth_failure) for r in _replies([calendar])]
    if not found_methods:
        raise ReplyParseError("The message has no calendar part (text/calendar or .ics): "
                              "forward the calendar reply itself, or upload its .ics file.")
    if not replies:
        raise ReplyParseError(_not_a_reply(found_methods))
    # The same REPLY usually comes twice: inline and as an attachment.
    return list(dict.fromkeys(replies))


def _walk(part, sender: str):
    """Every part with the From address of the message holding it: a reply forwarded as an attachment
    (message/rfc822) counts as sent by whoever the attached message is from."""
    yield part, sender
    if part.get_content_type() == "message/rfc822":
        for inner in part.iter_parts():
            yield from _walk(inner, _from_address(inner) or sender)
    elif part.is_multipart():
        for inner in part.iter_parts():
            yield from _walk(inner, sender)


def _from_address(message) -> str:
    try:
        addresses = getaddresses([str(v) for v in message.get_all("From", [])])
    except (TypeError, ValueError, IndexError):
        return ""
    return next((address.strip().lower() for _, address in addresses if "@" in address), "")


def authentication_failure(message) -> str:
    """'dkim=fail' or 'dmarc=fail' when an Authentication-Results header (RFC 8601) says so, else ''."""
    for value in message.get_all("Authentication-Results", []):
        found = _AUTH_FAIL.search(str(value))
        if found:
            return f"{found.group(1).lower()}=fail"
    return ""


def _with(reply: ReplyData, **changes) -> ReplyData:
    return ReplyData(**{**reply.__dict__, **changes})


def _is_calendar_part(part) -> bool:
    filename = (part.get_filename() or "").lower()
    return part.get_content_type() in CALENDAR_TYPES or filename.endswith((".ics", ".ical", ".vcs"))


def _parse_calendars(body: bytes, charset: str | None = None) -> list[Calendar]:
    text = _decode(body, charset)
    _check_bounds(text)
    try:
        calendars = Calendar.from_ical(text, multiple=True)
    except Exception as exc:  # icalendar raises several types on malformed input
        raise ReplyParseError(f"The calendar could not be read: {exc}") from None
    if not calendars:
        raise ReplyParseError("The calendar could not be read: no VCALENDAR in it.")
    return calendars


def _check_bounds(text: str) -> None:
    """Refuse, before parsing, a calendar no client would send: parsing it is what costs the time."""
    lines = _FOLD.sub("", text).splitlines()
    if len(lines) > MAX_CONTENT_LINES:
        raise ReplyTooComplex(f"The calendar has {len(lines)} lines; a reply has at most {MAX_CONTENT_LINES}.")
    components = 0
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_LINE_LENGTH:
            raise ReplyTooComplex(f"Line {number} of the calendar is {len(line)} characters long; "
                                  f"at most {MAX_LINE_LENGTH} are read.")
        if line[:6].upper() == "BEGIN:":
            components += 1
            if components > MAX_COMPONENTS:
                raise ReplyTooComplex(f"The calendar has more than {MAX_COMPONENTS} components (BEGIN: lines); "
                                      "a reply has a few.")
        if line.count(";", 0, _name_end(line)) > MAX_PARAMETERS:
            raise ReplyTooComplex(f"Line {number} of the calendar has more than {MAX_PARAMETERS} parameters.")


def _name_end(line: str) -> int:
    """Where a content line's name and parameters end: its first colon outside double quotes."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return index
    return len(line)


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
            "Only an attendee's answer (Accept / Tentative / Decline) or a proposed new time can be taken in.")


def _replies(calendars: list[Calendar]) -> list[ReplyData]:
    replies = []
    for calendar in calendars:
        events = calendar.walk("VEVENT")
        if not events:
            raise ReplyParseError("The REPLY holds no event (VEVENT).")
        method = _method(calendar)
        for event in events:
            replies.extend(_event_replies(event, method))
    return replies


def _event_replies(event, method: str = "REPLY") -> list[ReplyData]:
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
        raise ReplyParseError(f"The {method} names no ATTENDEE, so it is not known who answered.")
    proposed = {}
    if method == "COUNTER":
        starts_at, ends_at = _instant(event.get("DTSTART")), _instant(event.get("DTEND"))
        if starts_at is None or ends_at is None or ends_at <= starts_at:
            raise ReplyParseError("The proposed new time (COUNTER) has no usable DTSTART and DTEND.")
        proposed = {"proposed_starts_at": starts_at, "proposed_ends_at": ends_at}
    replies = []
    for attendee in attendees if isinstance(attendees, list) else [attendees]:
        address = _address(attendee)
        if "@" not in address:
            raise ReplyParseError(f"The REPLY's ATTENDEE is not an email address: {str(attendee)!r}")
        params = getattr(attendee, "params", {})
        # No PARTSTAT is no answer (RFC 5545's default NEEDS-ACTION); the caller ignores it.
        partstat = str(params.get("PARTSTAT", "")).strip().upper()
        if partstat and partstat not in PARTSTATS:
            raise ReplyParseError(f"The REPLY's PARTSTAT {partstat!r} is not one of "
                                  f"{', '.join(sorted(PARTSTATS))}.")
        delegated = params.get("DELEGATED-TO", ())
        delegated_to = tuple(a for a in (_address(d) for d in (delegated if isinstance(delegated, list)
                                                               else [delegated] if delegated else [])) if "@" in a)
        replies.append(ReplyData(uid=uid, sequence=sequence, attendee_email=address, partstat=partstat,
                                 dtstamp=dtstamp, attendee_name=str(params.get("CN", "")).strip(),
                                 comment=comment, method=method, delegated_to=delegated_to, **proposed))
    return replies


def _address(value) -> str:
    """A calendar address as engage compares them: without mailto:, trimmed, lower-case."""
    address = str(value).strip()
    if address.lower().startswith("mailto:"):
        address = address[len("mailto:"):]
    return address.strip().lower()


def _instant(prop) -> datetime | None:
    value = getattr(prop, "dt", None)
    if isinstance(value, datetime):
        # A floating DTSTAMP breaks RFC 5545 (it must be UTC); read it as UTC.
        return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None
