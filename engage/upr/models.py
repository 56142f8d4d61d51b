"""The follow-up board's claims: which member (and who in it) will pitch an ask to a state."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.dbtypes import UTCDateTime
from engage.extensions import db


class AskClaim(db.Model):
    """"We will pitch ask X to Germany": one claim per ask and state, so two members (or two colleagues)
    do not pitch the same state twice. Held by a member and the user who will pitch it."""

    __tablename__ = "ask_claim"
    __table_args__ = (UniqueConstraint("ask_id", "state", name="uq_ask_claim_ask_state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ask_id: Mapped[int] = mapped_column(ForeignKey("ask.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(2))  # ISO alpha-2
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    member = relationship("Member", lazy="joined")
    ask = relationship("Ask")

    def __repr__(self):
        return f"<AskClaim ask={self.ask_id} {self.state} member={self.member_id} user={self.user_id}>"
