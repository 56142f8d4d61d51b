"""Access groups, their members, and grants of restricted records to users or groups."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.dbtypes import UTCDateTime
from engage.extensions import db
from engage.i18n import N_

SENSITIVITIES = {"internal": N_("Internal"), "restricted": N_("Restricted")}
# What a grant may point at: record_type → the table of that record.
RECORD_TYPES = ("contact", "meeting", "outcome", "assessment")

access_group_member = Table(
    "access_group_member",
    db.metadata,
    Column("group_id", Integer, ForeignKey("access_group.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class AccessGroup(db.Model):
    """A named set of users that restricted records can be granted to, e.g. "SOGI working group"."""

    __tablename__ = "access_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    members = relationship("User", secondary=access_group_member, order_by="User.full_name")

    def __repr__(self):
        return f"<AccessGroup {self.id} {self.name!r}>"


class AccessGrant(db.Model):
    """One restricted record made visible to one user or one group (exactly one of the two)."""

    __tablename__ = "access_grant"
    __table_args__ = (
        Index("ix_access_grant_record", "record_type", "record_id"),
        UniqueConstraint("record_type", "record_id", "user_id", name="uq_access_grant_user"),
        UniqueConstraint("record_type", "record_id", "group_id", name="uq_access_grant_group"),
        CheckConstraint("(user_id IS NULL) != (group_id IS NULL)", name="user_or_group"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("access_group.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id])
    group = relationship("AccessGroup")
    granted_by = relationship("User", foreign_keys=[granted_by_id])

    @property
    def grantee_label(self) -> str:
        return self.user.display_name if self.user is not None else f"Group: {self.group.name}"
