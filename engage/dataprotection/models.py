"""Refused sends to people who asked not to be contacted, and access and erasure requests."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.dbtypes import UTCDateTime
from engage.extensions import db
from engage.i18n import N_

# Labels in English, translated where shown.
REQUEST_KINDS = {"access": N_("Access (a copy of their data)"), "erasure": N_("Erasure")}
REFUSAL_REASONS = {"do_not_contact": N_("Do not contact (an objection, or consent withdrawn)"),
                   "erased": N_("Their details were erased")}


class SendRefusal(db.Model):
    """A message engage did not queue (or withheld) because its recipient must not be contacted."""

    __tablename__ = "send_refusal"
    __table_args__ = (Index("ix_send_refusal_meeting", "meeting_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # invitation | update | cancellation | reminder
    reason: Mapped[str] = mapped_column(String(30), default="do_not_contact")
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    meeting = relationship("Meeting")
    contact = relationship("Contact")

    @property
    def reason_label(self) -> str:
        return REFUSAL_REASONS.get(self.reason, self.reason)


class DataRequest(db.Model):
    """An access or erasure request about one contact: when it came in and when it was answered.

    `subject_ref` names the contact without identifying them ("contact #12"), so the log stays
    meaningful after the erasure; `notes` must hold no personal data.
    """

    __tablename__ = "data_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # access | erasure
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"), index=True)
    subject_ref: Mapped[str] = mapped_column(String(60))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(Text, info={"max_length": 2000})

    opened_by = relationship("User", foreign_keys=[opened_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    contact = relationship("Contact")

    @property
    def reference(self) -> str:
        return f"DR-{self.opened_at:%Y}-{self.id:04d}"

    @property
    def kind_label(self) -> str:
        return REQUEST_KINDS.get(self.kind, self.kind)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
