"""The outbox: one row per outgoing email, holding the exact bytes to send (docs/architecture.md)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, backref, deferred, mapped_column, relationship

from engage.dbtypes import UTCDateTime
from engage.extensions import db
from engage.i18n import N_

# Labels that are also data (the CSV carries the English): pages translate them where shown.
OUTBOX_KINDS = {
    "invitation": N_("Invitation"),
    "update": N_("Update"),
    "cancellation": N_("Cancellation"),
    "reminder": N_("Reminder"),
    "digest": N_("Digest"),
    "counter_declined": N_("Proposed time declined"),
}

# status: (words a person reads, Bootstrap colour)
OUTBOX_STATUSES = {
    "pending": (N_("Waiting to send"), "secondary"),
    "sending": (N_("Sending"), "info"),
    "sent": (N_("Sent"), "success"),
    "failed": (N_("Failed"), "danger"),
    "not_sent": (N_("Not sent (no mail server)"), "warning"),
    "superseded": (N_("Replaced by a newer message"), "light"),
    # Never sent: its recipient objected to contact or had their details erased (engage/dataprotection).
    "withheld": (N_("Withheld (data protection)"), "warning"),
}

# Statuses of a message that has not gone out and may still be replaced by a newer revision.
UNSENT_STATUSES = ("pending", "not_sent", "failed")
RESENDABLE_STATUSES = ("failed", "not_sent")


class OutboxMessage(db.Model):
    """One rendered email to one recipient, waiting for, or done with, the dispatcher."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # The dispatcher's question, "which pending rows are due?", is a range scan on this index.
        # Few other indexes: every status change of a row rewrites each of them.
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(998), default="")
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    supersede_key: Mapped[str | None] = mapped_column(String(255), index=True)
    message_id: Mapped[str] = mapped_column(String(255))
    # The bytes as they go on the wire; deferred so lists never load them.
    raw: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id", ondelete="SET NULL"))

    # The backref lets the ORM null meeting_id when a meeting is deleted, also on SQLite where
    # foreign keys are not enforced: the messages stay, as a record of what was sent.
    meeting = relationship("Meeting", backref=backref("outbox_messages", order_by="OutboxMessage.id"))
    superseded_by = relationship("OutboxMessage", remote_side=[id])

    @property
    def status_label(self) -> str:
        return OUTBOX_STATUSES.get(self.status, (self.status, "secondary"))[0]

    @property
    def status_colour(self) -> str:
        return OUTBOX_STATUSES.get(self.status, (self.status, "secondary"))[1]

    @property
    def kind_label(self) -> str:
        return OUTBOX_KINDS.get(self.kind, self.kind)

    @property
    def can_resend(self) -> bool:
        return self.status in RESENDABLE_STATUSES

    def __repr__(self):
        return f"<OutboxMessage {self.id} {self.kind} {self.recipient} {self.status}>"
