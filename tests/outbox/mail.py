"""Hand-made messages for outbox tests (the real invitations are built and tested elsewhere)."""
from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from engage.extensions import db
from engage.outbox.services import queue_message
from tests.conftest import NOW


def simple_message(recipient: str, n: int = 0, subject: str | None = None) -> tuple[bytes, str]:
    """A small multipart message to `recipient`, and its Message-ID."""
    message_id = f"<outbox-test-{n}-{recipient.replace('@', '.')}@engage.test>"
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = "Engage <organiser@engage.test>"
    msg["To"] = recipient
    msg["Subject"] = subject or f"Meeting {n}"
    msg["Date"] = format_datetime(NOW)
    msg["Message-ID"] = message_id
    msg.set_content(f"Hello {recipient}, message {n}.\n")
    msg.add_alternative(f"<p>Hello <b>{recipient}</b>, message {n}.</p>", subtype="html")
    return msg.as_bytes(), message_id


def queue_simple(recipient: str, n: int = 0, now=NOW, kind="invitation", meeting_id=None, supersede_key=None,
                 subject=None, dedupe_key=None):
    """Queue a simple message (not committed)."""
    raw, message_id = simple_message(recipient, n, subject)
    return queue_message(now, kind, recipient, subject or f"Meeting {n}", raw, dedupe_key or f"test:{n}:{recipient}",
                         message_id, meeting_id=meeting_id, supersede_key=supersede_key)


def queue_many(count: int, now=NOW, domain="example.org") -> list[str]:
    """Queue and commit `count` messages to distinct recipients; return the recipients."""
    recipients = [f"attendee{i:04d}@{domain}" for i in range(count)]
    for i, recipient in enumerate(recipients):
        queue_simple(recipient, i, now=now)
    db.session.commit()
    return recipients
