"""Read stored message bytes back the way a mail client would, for the Outbox page (pure)."""
from __future__ import annotations

from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from flask_babel import gettext as _

SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type")


@dataclass
class Attachment:
    filename: str
    content_type: str
    size: int


@dataclass
class MessagePreview:
    """The parts of a message a person wants to look at."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    text: str | None = None
    html: str | None = None
    calendar: str | None = None
    calendar_method: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    structure: list[str] = field(default_factory=list)
    problem: str | None = None


def _content(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, ValueError, AssertionError):
        # An unknown charset or a broken transfer encoding: show what can be shown.
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace")


def _structure(part: EmailMessage, depth: int = 0) -> list[str]:
    params = ""
    if part.get_content_type() == "text/calendar" and part.get_param("method"):
        params = f"; method={part.get_param('method')}"
    line = "  " * depth + part.get_content_type() + params
    if part.get_filename():
        line += f" ({part.get_filename()})"
    lines = [line]
    if part.is_multipart():
        for sub in part.iter_parts():
            lines.extend(_structure(sub, depth + 1))
    return lines


def preview_message(raw: bytes) -> MessagePreview:
    """Headers, the text, HTML and calendar parts, and the attachments of `raw`."""
    preview = MessagePreview()
    try:
        message = message_from_bytes(raw, policy=policy.default)
        for name in SHOWN_HEADERS:
            for value in message.get_all(name, []):
                preview.headers.append((name, str(value)))
        preview.structure = _structure(message)
        for part in message.walk():
            if part.is_multipart():
                continue
            content_type = part.get_content_type()
            if part.get_content_disposition() == "attachment" or (part.get_filename() and content_type != "text/calendar"):
                size = len(part.get_payload(decode=True) or b"")
                preview.attachments.append(Attachment(part.get_filename() or "(no name)", content_type, size))
            elif content_type == "text/plain" and preview.text is None:
                preview.text = _content(part)
            elif content_type == "text/html" and preview.html is None:
                preview.html = _content(part)
            if content_type == "text/calendar" and preview.calendar is None:
                preview.calendar = _content(part)
                preview.calendar_method = part.get_param("method")
    except Exception as exc:  # noqa: BLE001 — a damaged message must still show its raw form, not a 500
        preview.problem = _("The message could not be read completely: %(problem)s", problem=exc)
    return preview
