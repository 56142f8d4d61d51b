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

# What a real reply needs is far below these (Outlook's: 2 components, ~45 lines of under 200
# characters, 6 parameters at most on one line; the same again when attached too); beyond them
# the input is refused before it is parsed, naming the limit. They are counted over the whole
# input, every calendar part together: icalendar spends ~0.2 ms per line and per parameter.
MAX_CALENDAR_CHARS = 64 * 1024  # characters of calendar text (an Outlook reply is ~3,000)
MAX_COMPONENTS = 40        # BEGIN: lines
MAX_CONTENT_LINES = 600    # unfolded lines
MAX_LINE_LENGTH = 8000     # characters in one unfolded line
MAX_PARAMETERS = 800       # parameters on all lines
MAX_LINE_PARAMETERS = 20   # parameters on one line
MAX_MIME_PARTS = 100       # parts in one email, forwarded messages included
MAX_CALENDAR_PARTS = 6     # calendar parts in one email
MAX_ANSWERS = 20           # attendee answers in one input
MAX_HEADER_LINES = 2000    # "Name: value" lines in one email, every part's together
_FOLD = re.compile(r"\r?\n[ \t]")
_PART_START = re.compile(rb"^content-type[ \t]*:", re.IGNORECASE | re.MULTILINE)
_BOUNDARY_LINE = re.compile(rb"^--", re.MULTILINE)
_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:", re.MULTILINE)
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
        calendars = _parse_calendars(data, _Budget())
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


def _check_message_bounds(data: bytes) -> None:
    """Refuse, before the email parser sees it, a message no mail client would send for a reply: the
    parser's time grows with its parts and header lines, and deep nesting exhausts its recursion."""
    for pattern, limit, what in ((_PART_START, MAX_MIME_PARTS, f"more than {MAX_MIME_PARTS} MIME parts"),
                                 (_BOUNDARY_LINE, 2 * MAX_MIME_PARTS + 20, f"more than {MAX_MIME_PARTS} MIME parts"),
                                 (_HEADER_LINE, MAX_HEADER_LINES, f"more than {MAX_HEADER_LINES} header lines")):
        for count, _ in enumerate(pattern.finditer(data), 1):
            if count > limit:
                raise ReplyTooComplex(f"The message has {what}; a reply has a few.")


def _replies_in_message(data: bytes) -> list[ReplyData]:
    _check_message_bounds(data)
    # compat32 leaves headers as text: the default policy parses each one, and a 1 MB Subject took minutes.
    message = message_from_bytes(data, policy=policy.compat32)
    if not message.keys():
        raise ReplyParseError("This is neither an iCalendar file nor an email message.")
    # Only the outermost headers were written by the organiser mailbox's server; any inside are the sender's.
    auth_failure = authentication_failure(message)
    found_methods = set()
    replies = []
    parts = calendar_parts = 0
    budget = _Budget()
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
        for calendar in _parse_calendars(body, budget, part.get_content_charset()):
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
    if part.is_multipart():
        forwarded = part.get_content_type() == "message/rfc822"
        for inner in part.get_payload():
            yield from _walk(inner, (_from_address(inner) or sender) if forwarded else sender)


def _from_address(message) -> str:
    try:
        addresses = getaddresses([str(v)[:1000] for v in message.get_all("From", [])])
    except (TypeError, ValueError, IndexError):
        return ""
    return next((address.strip().lower() for _, address in addresses if "@" in address), "")


def authentication_failure(message) -> str:
    """'dkim=fail' or 'dmarc=fail' when an Authentication-Results header (RFC 8601) says so, else ''."""
    for value in message.get_all("Authentication-Results", []):
        found = _AUTH_FAIL.search(_FOLD.sub(" ", str(value)))
        if found:
            return f"{found.group(1).lower()}=fail"
    return ""


def _with(reply: ReplyData, **changes) -> ReplyData:
    return ReplyData(**{**reply.__dict__, **changes})


def _is_calendar_part(part) -> bool:
    filename = (part.get_filename() or "").lower()
    return part.get_content_type() in CALENDAR_TYPES or filename.endswith((".ics", ".ical", ".vcs"))


def _parse_calendars(body: bytes, budget: _Budget, charset: str | None = None) -> list[Calendar]:
    text = _decode(body, charset)
    _check_bounds(text, budget)
    try:
        calendars = Calendar.from_ical(text, multiple=True)
    except Exception as exc:  # icalendar raises several types on malformed input
        raise ReplyParseError(f"The calendar could not be read: {exc}") from None
    if not calendars:
        raise ReplyParseError("The calendar could not be read: no VCALENDAR in it.")
    return calendars


@dataclass
class _Budget:
    """What one input may still hold: every calendar part in it draws on the same budget."""

    characters: int = MAX_CALENDAR_CHARS
    lines: int = MAX_CONTENT_LINES
    components: int = MAX_COMPONENTS
    parameters: int = MAX_PARAMETERS


def _check_bounds(text: str, budget: _Budget) -> None:
    """Refuse, before parsing, a calendar no client would send: parsing it is what costs the time."""
    budget.characters -= len(text)
    if budget.characters < 0:
        raise ReplyTooComplex(f"The calendar text is longer than {MAX_CALENDAR_CHARS // 1024} KiB; "
                              "a reply is a few kilobytes.")
    lines = _FOLD.sub("", text).splitlines()
    budget.lines -= len(lines)
    if budget.lines < 0:
        raise ReplyTooComplex(f"The calendar has more than {MAX_CONTENT_LINES} lines; a reply has far fewer.")
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_LINE_LENGTH:
            raise ReplyTooComplex(f"Line {number} of the calendar is {len(line)} characters long; "
                                  f"at most {MAX_LINE_LENGTH} are read.")
        if line[:6].upper() == "BEGIN:":
            budget.components -= 1
            if budget.components < 0:
                raise ReplyTooComplex(f"The calendar has more than {MAX_COMPONENTS} components (BEGIN: lines); "
                                      "a reply has a few.")
        parameters = line.count(";", 0, _name_end(line)) if ";" in line else 0
        if parameters > MAX_LINE_PARAMETERS:
            raise ReplyTooComplex(f"Line {number} of the calendar has more than {MAX_LINE_PARAMETERS} parameters.")
        budget.parameters -= parameters
        if budget.parameters < 0:
            raise ReplyTooComplex(f"The calendar has more than {MAX_PARAMETERS} parameters in all.")


def _name_end(line: str) -> int:
    """Where a content line's name and parameters end: its first colon outside double quotes."""
    colon = line.find(":")
    if colon < 0 or '"' not in line[:colon]:
        return colon if colon >= 0 else len(line)
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
