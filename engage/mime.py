"""Pure MIME building (RFC 6047): one message per recipient, no sending; a core helper for invitations,
reminder digests and the outbox.

Shape (docs/architecture.md, Invitations), the one Gmail, Outlook, Apple Mail and Thunderbird all show as a
meeting request:

    multipart/mixed
      multipart/alternative
        text/plain
        text/html
        text/calendar; method=REQUEST; charset=UTF-8     <- last, inline, not an attachment
      application/ics; name=invite.ics; charset=utf-8    <- attachment, same bytes (cancel.ics for a CANCEL)
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from email import encoders, policy
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr

from icalendar.parser import Contentline

_MESSAGE_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")
_EMAIL = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_FOLD = re.compile(r"\r?\n[ \t]")  # RFC 5545 line folding
# Messages are built with the email package's classic (compat32) API and headers encoded here: the
# modern EmailMessage parses every header it is given and re-folds it on output, six times slower
# per message, which decides how long 10,000 reminders due at once take (bench/reminders.py).
_SMTP_WIRE = policy.compat32.clone(linesep="\r\n", mangle_from_=False)
# Quoted-printable keeps accented text 7-bit safe for any relay, yet readable in source.
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP


def make_message_id(key: str, domain: str) -> str:
    """A Message-ID derived from `key` (e.g. the outbox dedupe key), so a re-render repeats it."""
    domain = (domain or "").strip().lower()
    if not domain or not re.fullmatch(r"[a-z0-9.-]+", domain):
        raise ValueError(f"domain must be a plain host name, not {domain!r}")
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<engage.{digest}@{domain}>"


def calendar_method(calendar: bytes) -> str:
    """The METHOD of an iCalendar object, upper-case; ValueError when it has none."""
    return _calendar_facts(calendar)[0]


def _calendar_facts(calendar: bytes) -> tuple[str, set[str]]:
    """The METHOD and the ATTENDEE addresses (lower-case) of an iCalendar object.

    Reads only those content lines: a full parse of every recipient's calendar, twice, cost more
    than the rest of the message (bench/reminders.py renders 10,000 at once).
    """
    try:
        text = bytes(calendar).decode("utf-8")
    except (TypeError, UnicodeDecodeError):
        raise ValueError("calendar is not valid iCalendar: it must be UTF-8 bytes") from None
    lines = [line for line in _FOLD.sub("", text).splitlines() if line.strip()]
    if not lines or lines[0].strip().upper() != "BEGIN:VCALENDAR" or lines[-1].strip().upper() != "END:VCALENDAR":
        raise ValueError("calendar is not valid iCalendar: it must begin and end with the VCALENDAR lines")
    method, emails = "", set()
    for line in lines:
        name = re.split(r"[;:]", line, maxsplit=1)[0].strip().upper()
        if name not in ("METHOD", "ATTENDEE"):
            continue
        try:
            value = str(Contentline(line).parts()[2]).strip()
        except ValueError as exc:
            raise ValueError(f"calendar is not valid iCalendar: {exc}") from None
        if name == "METHOD":
            method = method or value.upper()
        else:
            emails.add(re.sub(r"^mailto:", "", value, flags=re.IGNORECASE).strip().lower())
    if not method:
        raise ValueError("calendar has no METHOD: an emailed calendar must say REQUEST, CANCEL…")
    return method, emails


def build_invitation_message(
    *,
    calendar: bytes,
    to_email: str,
    to_name: str,
    organiser_email: str,
    organiser_name: str,
    subject: str,
    text_body: str,
    html_body: str,
    message_id: str,
    sent_at: datetime,
    attachment_name: str | None = None,
    extra_headers: Mapping[str, str] | None = None,
    reply_to: str | None = None,
) -> Message:
    """The invitation/update/cancellation email for one recipient, its method read from `calendar`.

    `calendar` is build_calendar's output; for a REQUEST the recipient must be one of its
    ATTENDEEs (Outlook will not let anyone else answer). `message_id` is the caller's stable id
    (make_message_id) and `sent_at` the Date, so a retry produces identical bytes. `reply_to`: where a
    person's reply goes, under the organiser's name (default: the organiser address itself).
    """
    method, attendee_emails = _calendar_facts(calendar)
    to_address, to_bare = _address(to_email, to_name, "to_email")
    organiser, _ = _address(organiser_email, organiser_name, "organiser_email")
    replies = _address(reply_to, organiser_name, "reply_to")[0] if reply_to else organiser
    if method == "REQUEST" and not {to_bare.lower(), to_email.strip().lower()} & attendee_emails:
        raise ValueError(f"to_email {to_email.strip()} is not an ATTENDEE of this REQUEST")
    if not _MESSAGE_ID.match(message_id or ""):
        raise ValueError(f"message_id must look like <id@host>, not {message_id!r}")
    if not isinstance(sent_at, datetime) or sent_at.utcoffset() is None:
        raise ValueError("sent_at must be a datetime with a zone")
    subject = _CONTROL.sub(" ", subject or "").strip()
    if not subject:
        raise ValueError("subject is empty")
    # Named after what it is: a cancellation attached as "invite.ics" reads as a new invitation.
    attachment_name = attachment_name or ("cancel.ics" if method == "CANCEL" else "invite.ics")
    if not re.fullmatch(r"[\w.-]+\.ics", attachment_name):
        raise ValueError(f"attachment_name must be a plain file name ending in .ics, not {attachment_name!r}")

    token = hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:24]
    message = MIMEMultipart("mixed", boundary=_boundary(0, token))
    _set_headers(message, subject=subject, sender=organiser, to=to_address, sent_at=sent_at,
                 message_id=message_id, extra_headers=extra_headers, reply_to=replies)
    alternative = MIMEMultipart("alternative", boundary=_boundary(1, token))
    alternative.attach(MIMEText(text_body, "plain", _UTF8_QP))
    alternative.attach(MIMEText(html_body, "html", _UTF8_QP))
    # base64 carries the CRLF line endings and folding of the calendar byte for byte.
    alternative.attach(_calendar_part(calendar, "text", "calendar", method=method, charset="UTF-8"))
    message.attach(alternative)
    attachment = _calendar_part(calendar, "application", "ics", name=attachment_name, charset="utf-8")
    attachment.add_header("Content-Disposition", "attachment", filename=attachment_name)
    message.attach(attachment)
    return _settle(message)


def message_bytes(message: Message) -> bytes:
    """The message as it goes over SMTP (CRLF line endings, 7-bit), for the outbox row."""
    return message.as_bytes(policy=_SMTP_WIRE)


def _boundary(depth: int, token: str) -> str:
    # From the Message-ID, so the same inputs give the same bytes; "=_" can occur in neither
    # base64 nor quoted-printable bodies, so it can never collide with content.
    return f"=_engage_{depth}_{token}"


def _calendar_part(calendar: bytes, maintype: str, subtype: str, **params: str) -> MIMENonMultipart:
    part = MIMENonMultipart(maintype, subtype, **params)
    part.set_payload(bytes(calendar))
    encoders.encode_base64(part)
    return part


def _header_text(value: str) -> str | Header:
    """Plain ASCII as it is (folded on output); anything else as RFC 2047 encoded words."""
    return value if value.isascii() and "=?" not in value else Header(value, "utf-8")


def _set_headers(message: Message, *, subject: str, sender: str, to: str, sent_at: datetime, message_id: str,
                 extra_headers: Mapping[str, str] | None = None, reply_to: str | None = None) -> None:
    message["Subject"] = _header_text(subject)
    message["From"] = sender
    if reply_to:
        message["Reply-To"] = reply_to
    message["To"] = to
    message["Date"] = format_datetime(sent_at.replace(microsecond=0))
    message["Message-ID"] = message_id
    for name, value in (extra_headers or {}).items():
        if _CONTROL.search(f"{name}{value}") or not re.fullmatch(r"[!-9;-~]+", name or ""):
            raise ValueError(f"header {name!r} must be a single line")
        message[name] = _header_text(str(value))


def _settle(message: Message) -> Message:
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]
    return message


def ascii_mailbox(address: str) -> str:
    """The address as 7-bit mail carries it: an internationalised domain in its ASCII (IDNA) form.

    ValueError when it cannot be: accents before the @ need SMTPUTF8, which engage does not use.
    """
    local, _, domain = address.strip().rpartition("@")
    if not local.isascii():
        raise ValueError(f"{address!r} has accented letters before the @, which needs SMTPUTF8")
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        raise ValueError(f"{address!r} has a domain that cannot be written in ASCII") from None


def _address(email: str, name: str, what: str) -> tuple[str, str]:
    """(header value, bare address): the display name encoded when not ASCII, the domain in IDNA form."""
    email = (email or "").strip()
    if not _EMAIL.match(email):
        raise ValueError(f"{what} is not an email address: {email!r}")
    try:
        address = ascii_mailbox(email)
    except ValueError as exc:
        raise ValueError(f"{what} {exc}") from None
    display = _CONTROL.sub(" ", name or "").strip()
    return formataddr((display, address), charset="utf-8"), address


def build_plain_message(*, to_email: str, to_name: str, from_email: str, from_name: str, subject: str,
                        text_body: str, html_body: str, message_id: str, sent_at: datetime) -> Message:
    """A text + HTML email with no calendar (digests, follow-up notices), identical bytes for identical input."""
    if not _MESSAGE_ID.match(message_id or ""):
        raise ValueError(f"message_id must look like <id@host>, not {message_id!r}")
    token = hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:24]
    message = MIMEMultipart("alternative", boundary=_boundary(0, token))
    _set_headers(message, subject=_CONTROL.sub(" ", subject or "").strip() or "engage",
                 sender=_address(from_email, from_name, "from_email")[0],
                 to=_address(to_email, to_name, "to_email")[0], sent_at=sent_at, message_id=message_id)
    message.attach(MIMEText(text_body, "plain", _UTF8_QP))
    message.attach(MIMEText(html_body, "html", _UTF8_QP))
    return _settle(message)
