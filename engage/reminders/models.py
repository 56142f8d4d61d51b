"""Reminder rows (the scheduler's truth), follow-up notices, and the scheduler's heartbeat."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.dbtypes import UTCDateTime
from engage.extensions import db
from engage.i18n import N_

# Labels that are also data: pages translate them where shown.
REMINDER_STATUSES = {"pending": N_("Pending"), "claimed": N_("Being sent"), "sent": N_("Sent"), "missed": N_("Missed"),
                     "superseded": N_("Superseded by a nearer one"), "cancelled": N_("Cancelled")}


class Reminder(db.Model):
    """One reminder to one attendee, `offset_minutes` before the meeting starts."""

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("attendee_id", "offset_minutes", name="uq_reminder_attendee_offset"),
        Index("ix_reminder_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendee.id", ondelete="CASCADE"))
    offset_minutes: Mapped[int]
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(200))
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    meeting = relationship("Meeting")
    attendee = relationship("Attendee")


class FollowUpNotice(db.Model):
    """A reminder already sent about a follow-up action: on its due day, or once when overdue."""

    __tablename__ = "follow_up_notice"
    __table_args__ = (UniqueConstraint("follow_up_id", "kind", name="uq_follow_up_notice_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_up.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # due | overdue
    sent_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SchedulerHeartbeat(db.Model):
    """One scheduler process: when it started and when it last ran a job."""

    __tablename__ = "scheduler_heartbeat"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[str] = mapped_column(String(100), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_job: Mapped[str | None] = mapped_column(String(60))
    last_error: Mapped[str | None] = mapped_column(Text)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
