"""Replies already read from the organiser mailbox (each processed once), those held for staff, and trusted senders."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.dbtypes import UTCDateTime
from engage.extensions import db
from engage.meetings.models import RESPONSES


class ProcessedReply(db.Model):
    """One email from the replies mailbox that engage has read, and what it made of it."""

    __tablename__ = "processed_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_key: Mapped[str] = mapped_column(String(255), unique=True)  # Message-ID, or a hash of the bytes
    source: Mapped[str] = mapped_column(String(40))  # imap | mbox | maildir | upload | api
    result: Mapped[str] = mapped_column(String(20))  # applied | rejected | not_a_reply
    detail: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HeldReply(db.Model):
    """An answer engage would not apply by itself, waiting on the meeting page for staff.

    kind "unconfirmed": a REPLY whose sender is not the attendee (nor an address known for them) —
    every invitee holds the meeting's UID, so anyone could answer for anyone; "counter": a proposed
    new time (iTIP COUNTER) to accept (a reschedule) or decline (a DECLINECOUNTER).
    """

    __tablename__ = "held_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendee.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # unconfirmed | counter
    sender: Mapped[str | None] = mapped_column(String(254))  # the From address; none for a bare calendar file
    response: Mapped[str | None] = mapped_column(String(20))  # what an unconfirmed reply would record
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    dtstamp: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proposed_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proposed_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(40))  # imap | mbox | maildir | upload | api
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    attendee = relationship("Attendee")

    @property
    def response_label(self) -> str:
        return RESPONSES.get(self.response or "", self.response or "")


class ReplyAlias(db.Model):
    """Another address a contact's calendar answers come from, trusted when staff confirmed one from it."""

    __tablename__ = "reply_alias"
    __table_args__ = (UniqueConstraint("contact_id", "email", name="uq_reply_alias_contact_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))  # lower-case
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
