"""Audit events. Rows are only ever inserted; nothing in the app edits or deletes them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engage.dbtypes import UTCDateTime
from engage.extensions import db

# What is audited. Detail strings name the kind of thing, never its content.
AUDIT_ACTIONS = {
    "login": "Signed in",
    "login_failed": "Sign-in failed",
    "logout": "Signed out",
    "2fa_failed": "Two-factor code refused",
    "2fa_enrolled": "Two-factor enrolled",
    "2fa_disabled": "Two-factor removed",
    "role_changed": "Role changed",
    "grant_changed": "Access grant changed",
    "restricted_viewed": "Restricted record viewed",
    "restricted_exported": "Restricted record exported",
    "data_exported": "Data exported",
    "subject_exported": "Access request answered (export)",
    "subject_erased": "Contact erased",
    "sensitivity_changed": "Sensitivity changed",
}


class AuditEvent(db.Model):
    """One audited action: who, what, which object, when, from where — never the content."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_at", "at"),
        Index("ix_audit_event_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Kept as a plain number and email, not a foreign key: the row outlives the account.
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_email: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    ip_address: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str | None] = mapped_column(String(200))

    @property
    def action_label(self) -> str:
        return AUDIT_ACTIONS.get(self.action, self.action)
