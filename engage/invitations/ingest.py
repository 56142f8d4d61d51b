"""Reading the organiser mailbox for iTIP replies: IMAP, mbox or Maildir, each message once, other mail untouched."""
from __future__ import annotations

import hashlib
import imaplib
import mailbox
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from engage.errors import ValidationError
from engage.extensions import db

from .models import ProcessedReply
from .replies import ReplyParseError, parse_itip_reply
from .services import apply_replies


@dataclass
class IngestReport:
    """What one pass over the mailbox did."""

    read: int = 0
    applied: int = 0
    rejected: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)     # waiting on the meeting page for staff
    ignored: list[str] = field(default_factory=list)  # nothing to change (no answer, an older one)
    skipped: int = 0          # not replies: left alone
    already_seen: int = 0

    def summary(self) -> str:
        return (f"{self.read} message(s) read: {self.applied} answer(s) applied, {len(self.held)} held for staff, "
                f"{len(self.ignored)} ignored, {len(self.rejected)} rejected, "
                f"{self.skipped} not replies, {self.already_seen} already processed")


def message_key(raw: bytes) -> str:
    """The Message-ID when there is one, else a hash of the bytes: how we know a message was seen."""
    # compat32: headers as plain text, so a hostile message costs no header parsing here either.
    message = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    mid = str(message.get("Message-ID") or "").strip()
    return mid[:255] if mid else "sha256:" + hashlib.sha256(raw).hexdigest()


def process_message(raw: bytes, source: str, now: datetime, report: IngestReport) -> None:
    """Apply the REPLY in one email (once); anything that is not a reply is noted and left alone."""
    report.read += 1
    key = message_key(raw)
    if db.session.scalar(select(ProcessedReply.id).where(ProcessedReply.message_key == key)):
        report.already_seen += 1
        return
    try:
        replies = parse_itip_reply(raw)
    except ReplyParseError as exc:
        report.skipped += 1
        db.session.add(ProcessedReply(message_key=key, source=source, result="not_a_reply", detail=str(exc)[:500],
                                      processed_at=now))
        return
    results = apply_replies(replies, now, source)
    refused = [f"{r.attendee_email}: {r.reason}" for r in results if r.refused]
    report.applied += sum(1 for r in results if r.outcome == "applied")
    report.rejected += refused
    report.held += [f"{r.attendee_email}: {r.reason}" for r in results if r.outcome == "held"]
    report.ignored += [f"{r.attendee_email}: {r.reason}" for r in results if r.outcome == "ignored"]
    noted = [f"{r.attendee_email}: {r.reason}" if r.refused else
             f"{r.attendee_email}: {r.outcome}{': ' + r.reason if r.reason else ''}" for r in results]
    db.session.add(ProcessedReply(message_key=key, source=source, result="rejected" if refused else "applied",
                                  detail="; ".join(noted)[:2000] or None, processed_at=now))


def _from_imap(url: str, timeout: float) -> Iterator[bytes]:
    parts = urlsplit(url)
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    port = parts.port or (993 if parts.scheme == "imaps" else 143)
    cls = imaplib.IMAP4_SSL if parts.scheme == "imaps" else imaplib.IMAP4
    conn = cls(parts.hostname, port, timeout=timeout)
    try:
        conn.login(unquote(parts.username or ""), unquote(parts.password or ""))
        conn.select(f'"{folder}"', readonly=True)  # read-only: flags and other mail stay as they are
        status, data = conn.search(None, "ALL")
        for num in (data[0].split() if status == "OK" else []):
            status, fetched = conn.fetch(num, "(BODY.PEEK[])")
            if status == "OK" and fetched and isinstance(fetched[0], tuple):
                yield fetched[0][1]
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def read_source(source: str, timeout: float = 30) -> tuple[str, Iterator[bytes]]:
    """(kind, raw messages) for an imap(s):// URL, an mbox file or a Maildir folder."""
    if source.startswith(("imap://", "imaps://")):
        return "imap", _from_imap(source, timeout)
    path = Path(source)
    if path.is_dir():
        box = mailbox.Maildir(path, factory=None, create=False)
        return "maildir", (m.as_bytes() for m in box)
    if path.is_file():
        return "mbox", (m.as_bytes() for m in mailbox.mbox(path, create=False))
    raise FileNotFoundError(f"{source} is neither an imap:// URL, a Maildir folder nor an mbox file")


def ingest_replies(source: str, now: datetime, timeout: float = 30) -> IngestReport:
    """Read every message in the mailbox and apply the iTIP replies not processed before (flushes, no commit)."""
    kind, messages = read_source(source, timeout)
    report = IngestReport()
    for raw in messages:
        process_message(raw, kind, now, report)
    db.session.flush()
    return report


MAX_REPLY_BYTES = 1024 * 1024  # a reply is a few kilobytes; the API and the upload share the limit


def apply_forwarded_reply(meeting, raw: bytes, now: datetime) -> list:
    """Apply the REPLY in a forwarded .ics or .eml to `meeting`, all or nothing.

    Returns every answer's result (applied, held for confirmation, ignored); raises ValidationError
    naming the file when it is not a reply, is for another meeting, or any answer in it is refused
    (stale, unknown address, failed DKIM/DMARC…).
    """
    if not raw.strip():
        raise ValidationError.for_fields({"file": _("The file is empty.")})
    if len(raw) > MAX_REPLY_BYTES:
        raise ValidationError.for_fields({"file": _("The file is larger than 1 MiB; a reply is a few kilobytes.")})
    try:
        replies = parse_itip_reply(raw)
    except ReplyParseError as exc:
        raise ValidationError.for_fields({"file": str(exc)}) from None
    other = [r for r in replies if r.uid != meeting.uid]
    if other:
        raise ValidationError.for_fields({"file": _("This reply is for another meeting (its UID is not this meeting’s).")})
    results = apply_replies(replies, now, "upload")
    refused = [f"{r.attendee_email}: {r.reason}" for r in results if r.refused]
    if refused:
        raise ValidationError.for_fields({"file": "; ".join(refused)})
    return results
