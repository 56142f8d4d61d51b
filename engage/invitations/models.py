"""Replies already read from the organiser mailbox, so each is processed once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engage.dbtypes import UTCDateTime
from engage.extensions import db


class ProcessedReply(db.Model):
    """One email from the replies mailbox that engage has read, and what it made of it."""

    __tablename__ = "processed_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_key: Mapped[str] = mapped_column(String(255), unique=True)  # Message-ID, or a hash of the bytes
    source: Mapped[str] = mapped_column(String(40))  # imap | mbox | maildir | upload | api
    result: Mapped[str] = mapped_column(String(20))  # applied | rejected | not_a_reply
    detail: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime)
