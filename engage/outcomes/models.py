"""Outcomes of meetings against recommendations, and the follow-up actions they lead to."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.dbtypes import UTCDateTime
from engage.sealed import SealedText
from engage.extensions import db
from engage.i18n import N_

# The words of positions and statuses are data too (exports and the API keep them in English): marked
# here, translated where a page shows them.
POSITIONS = {
    "supportive": N_("Supportive"),
    "will_raise": N_("Will raise it in the review"),
    "undecided": N_("Undecided"),
    "opposed": N_("Opposed"),
    "not_discussed": N_("Not discussed"),
}
# Bootstrap colours that go with the words (never colour alone).
POSITION_COLOURS = {"supportive": "success", "will_raise": "primary", "undecided": "warning",
                    "opposed": "danger", "not_discussed": "secondary"}
# Chart fills, readable with the words beside them.
POSITION_FILLS = {"supportive": "#198754", "will_raise": "#0d6efd", "undecided": "#ffc107",
                  "opposed": "#dc3545", "not_discussed": "#adb5bd"}

# What a state says of one of the coalition's asks (an outcome on an ask, not a recommendation).
ASK_POSITIONS = {
    "will_make": N_("Will make it"),
    "will_consider": N_("Will consider it"),
    "other_wording": N_("Prefers other wording"),
    "declined": N_("Declined"),
    "not_discussed": N_("Not discussed"),
}
ASK_POSITION_COLOURS = {"will_make": "success", "will_consider": "primary", "other_wording": "warning",
                        "declined": "danger", "not_discussed": "secondary"}

FOLLOW_UP_STATUSES = {"open": N_("Open"), "done": N_("Done"), "cancelled": N_("Cancelled")}
FOLLOW_UP_COLOURS = {"open": "primary", "done": "success", "cancelled": "secondary", "overdue": "danger"}


class Outcome(db.Model):
    """What one meeting achieved: overall (no recommendation) or on one recommendation."""

    __tablename__ = "outcome"
    __table_args__ = (
        # Covers the coverage and dashboard aggregates: meetings in a date range, then their
        # outcomes' recommendation, position, organisation and sensitivity (every reader's query asks
        # it) without reading the rows; and the log's unfiltered count.
        Index("ix_outcome_meeting_aggregate", "meeting_id", "recommendation_id", "position", "organisation_id",
              "sensitivity"),
        # The same for commitments: only outcomes that recorded one.
        Index("ix_outcome_meeting_commitment", "meeting_id", "recommendation_id", "ask_id",
              sqlite_where=text("commitment IS NOT NULL"), postgresql_where=text("commitment IS NOT NULL")),
        Index("ix_outcome_recommendation_position", "recommendation_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    recommendation_id: Mapped[int | None] = mapped_column(ForeignKey("recommendation.id"))
    # Or on one of the coalition's asks (never both); its position is then one of ASK_POSITIONS.
    ask_id: Mapped[int | None] = mapped_column(ForeignKey("ask.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    position: Mapped[str | None] = mapped_column(String(20))  # None on the overall summary
    # Sealed when the outcome or its meeting is restricted (engage/sealed.py).
    summary: Mapped[str] = mapped_column(SealedText, info={"max_length": 20000})
    commitment: Mapped[str | None] = mapped_column(SealedText, info={"max_length": 5000})  # None when nothing was promised
    notes: Mapped[str | None] = mapped_column(SealedText, info={"max_length": 20000})
    # On an ask: the wording the state proposed instead (sealed like the summary).
    proposed_wording: Mapped[str | None] = mapped_column(SealedText, info={"max_length": 5000})
    sensitivity: Mapped[str] = mapped_column(String(20), default="internal", server_default="internal")
    # The member organisation that owns it (always its meeting's) (engage/members; the access policy reads it). Set on
    # the first flush when left blank: see engage/members/services.py.
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    meeting = relationship("Meeting")
    recommendation = relationship("Recommendation")
    ask = relationship("Ask")
    organisation = relationship("Organisation")
    created_by = relationship("User", foreign_keys=[created_by_id])
    updated_by = relationship("User", foreign_keys=[updated_by_id])
    follow_ups = relationship("FollowUp", back_populates="outcome", cascade="all, delete-orphan",
                              order_by="FollowUp.due_on, FollowUp.id")

    @property
    def position_label(self) -> str:
        words = ASK_POSITIONS if self.ask_id is not None else POSITIONS
        return words.get(self.position, "—") if self.position else "—"

    def __repr__(self):
        return f"<Outcome {self.id} meeting={self.meeting_id} rec={self.recommendation_id} {self.position}>"


class FollowUpState:
    """What a page says of a follow-up's state from its status and due date: one definition for the
    record (`FollowUp`) and the engagement log's rows (`log.LogFollowUp`)."""

    __slots__ = ()

    @property
    def done(self) -> bool:
        return self.status == "done"

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def is_overdue(self, today: date) -> bool:
        """Open and due before `today`."""
        return self.status == "open" and self.due_on < today

    def state(self, today: date) -> str:
        """open | overdue | done | cancelled — for display."""
        return "overdue" if self.is_overdue(today) else self.status

    def state_label(self, today: date) -> str:
        """In English, as stored; a page translates it (`_(label)`)."""
        return N_("Overdue") if self.is_overdue(today) else FOLLOW_UP_STATUSES.get(self.status, self.status)


class FollowUp(FollowUpState, db.Model):
    """An action someone on staff owes after a meeting, by a date."""

    __tablename__ = "follow_up"
    __table_args__ = (Index("ix_follow_up_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcome.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(SealedText, info={"max_length": 2000})
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    # The member organisation that owns it (always its outcome's) (engage/members; the access policy reads it). Set on
    # the first flush when left blank: see engage/members/services.py.
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    outcome = relationship("Outcome", back_populates="follow_ups")
    owner = relationship("User", foreign_keys=[owner_id])
    done_by = relationship("User", foreign_keys=[done_by_id])

    def __repr__(self):
        return f"<FollowUp {self.id} {self.status} due {self.due_on}>"
