"""Pure MIME building for invitations (RFC 6047): one EmailMessage per recipient, no sending.

Shape (DESIGN.md rule 6), the one Gmail, Outlook, Apple Mail and Thunderbird all show as a
meeting request:

    multipart/mixed
      multipart/alternative
        text/plain
        text/html
        text/calendar; method=REQUEST; charset=UTF-8     <- last, inline, not an attachment
      application/ics; name=invite.ics                   <- attachment, same bytes
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from icalendar import Calendar

_MESSAGE_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")
_EMAIL = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def make_message_id(key: str, domain: str) -> str:
    """A Message-ID derived from `key` (e.g. the outbox dedupe key), so a re-render repeats it."""
    domain = (domain or "").strip().lower()
    if not domain or not re.fullmatch(r"[a-z0-9.-]+", domain):
        raise ValueError(f"domain must be a plain host name, not {domain!r}")
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<engage.{digest}@{domain}>"


def calendar_method(calendar: bytes) -> str:
    """The METHOD of an iCalendar object, upper-case; ValueError when it has none."""
    try:
        parsed = Calendar.from_ical(calendar)
    except ValueError as exc:
        raise ValueError(f"calendar is not valid iCalendar: {exc}") from None
    method = str(parsed.get("METHOD", "")).strip().upper()
    if not method:
        raise ValueError("calendar has no METHOD: an emailed calendar must say REQUEST, CANCEL…")
    return method


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
    attachment_name: str = "invite.ics",
    extra_headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """The invitation/update/cancellation email for one recipient, its method read from `calendar`.

    `calendar` is build_calendar's output; for a REQUEST the recipient must be one of its
    ATTENDEEs (Outlook will not let anyone else answer). `message_id` is the caller's stable id
    (make_message_id) and `sent_at` the Date, so a retry produces identical bytes.
    """
    method = calendar_method(calendar)
    to_address = _address(to_email, to_name, "to_email")
    organiser = _address(organiser_email, organiser_name, "organiser_email")
    if method == "REQUEST" and to_address.addr_spec.lower() not in _attendee_emails(calendar):
        raise ValueError(f"to_email {to_address.addr_spec} is not an ATTENDEE of this REQUEST")
    if not _MESSAGE_ID.match(message_id or ""):
        raise ValueError(f"message_id must look like <id@host>, not {message_id!r}")
    if not isinstance(sent_at, datetime) or sent_at.utcoffset() is None:
        raise ValueError("sent_at must be a datetime with a zone")
    subject = _CONTROL.sub(" ", subject or "").strip()
    if not subject:
        raise ValueError("subject is empty")
    if not re.fullmatch(r"[\w.-]+\.ics", attachment_name or ""):
        raise ValueError(f"attachment_name must be a plain file name ending in .ics, not {attachment_name!r}")

    message = EmailMessage(policy=policy.default)
    message["Subject"] = subject
    message["From"] = organiser
    message["Reply-To"] = organiser
    message["To"] = to_address
    message["Date"] = format_datetime(sent_at.replace(microsecond=0))
    message["Message-ID"] = message_id
    for name, value in (extra_headers or {}).items():
        if _CONTROL.search(f"{name}{value}"):
            raise ValueError(f"header {name!r} must be a single line")
        message[name] = value

    # Quoted-printable keeps accented text 7-bit safe for any relay, yet readable in source.
    message.set_content(text_body, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html_body, subtype="html", charset="utf-8", cte="quoted-printable")
    # base64 carries the CRLF line endings and folding of the calendar byte for byte.
    message.add_alternative(calendar, maintype="text", subtype="calendar", cte="base64",
                            params={"method": method, "charset": "UTF-8"})
    message.make_mixed()
    message.add_attachment(calendar, maintype="application", subtype="ics", cte="base64",
                           filename=attachment_name, params={"name": attachment_name})
    _settle(message, message_id)
    return message


def message_bytes(message: EmailMessage) -> bytes:
    """The message as it goes over SMTP (CRLF line endings), for the outbox row."""
    return message.as_bytes(policy=policy.SMTP)


def _settle(message: EmailMessage, message_id: str) -> None:
    # Boundaries from the Message-ID, so the same inputs give the same bytes; "=_" can occur
    # in neither base64 nor quoted-printable bodies, so it can never collide with content.
    token = hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:24]
    for depth, part in enumerate(p for p in message.walk() if p.is_multipart()):
        part.set_boundary(f"=_engage_{depth}_{token}")
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]


def _address(email: str, name: str, what: str) -> Address:
    email = (email or "").strip()
    if not _EMAIL.match(email):
        raise ValueError(f"{what} is not an email address: {email!r}")
    username, domain = email.rsplit("@", 1)
    display = _CONTROL.sub(" ", name or "").strip()
    return Address(display_name=display, username=username, domain=domain)


def _attendee_emails(calendar: bytes) -> set[str]:
    emails = set()
    for event in Calendar.from_ical(calendar).walk("VEVENT"):
        attendees = event.get("ATTENDEE", [])
        for attendee in attendees if isinstance(attendees, list) else [attendees]:
            value = str(attendee)
            if value.lower().startswith("mailto:"):
                value = value[len("mailto:"):]
            emails.add(value.strip().lower())
    return emails


def build_plain_message(*, to_email: str, to_name: str, from_email: str, from_name: str, subject: str,
                        text_body: str, html_body: str, message_id: str, sent_at: datetime) -> EmailMessage:
    """A text + HTML email with no calendar (digests, follow-up notices), identical bytes for identical input."""
    if not _MESSAGE_ID.match(message_id or ""):
        raise ValueError(f"message_id must look like <id@host>, not {message_id!r}")
    message = EmailMessage(policy=policy.default)
    message["Subject"] = _CONTROL.sub(" ", subject or "").strip() or "engage"
    message["From"] = _address(from_email, from_name, "from_email")
    message["To"] = _address(to_email, to_name, "to_email")
    message["Date"] = format_datetime(sent_at.replace(microsecond=0))
    message["Message-ID"] = message_id
    message.set_content(text_body, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html_body, subtype="html", charset="utf-8", cte="quoted-printable")
    _settle(message, message_id)
    return message
