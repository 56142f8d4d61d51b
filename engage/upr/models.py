"""Recommendations made to Kenya in the UPR, and the themes they are tagged with."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.countries import country_name
from engage.dbtypes import UTCDateTime
from engage.extensions import db

RESPONSES = {"supported": "Supported", "noted": "Noted", "pending": "Pending"}
IMPLEMENTATION_STATUSES = {"not_started": "Not started", "partial": "Partially implemented",
                           "implemented": "Implemented", "unknown": "Unknown"}

recommendation_theme = Table(
    "recommendation_theme",
    db.metadata,
    Column("recommendation_id", Integer, ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", Integer, ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)


class Theme(db.Model):
    """A tag such as "Right to health" or "HIV/AIDS"."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)

    def __repr__(self):
        return f"<Theme {self.name!r}>"


class Recommendation(db.Model):
    """One recommendation from one recommending state, in one UPR cycle."""

    __tablename__ = "recommendation"
    __table_args__ = (UniqueConstraint("cycle", "reference", "recommending_state",
                                       name="uq_recommendation_cycle_reference_state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle: Mapped[int] = mapped_column(index=True)
    wg_session: Mapped[int | None]
    review_date: Mapped[date | None] = mapped_column(Date)
    outcome_document: Mapped[str | None] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(40))  # the paragraph, e.g. "142.15" or "102.3 (1)"
    recommending_state: Mapped[str] = mapped_column(String(2), index=True)  # ISO alpha-2
    text: Mapped[str] = mapped_column(Text)
    response: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    action_category: Mapped[int | None]  # UPR Info 1–5
    implementation_status: Mapped[str] = mapped_column(String(20), default="unknown")
    responsible_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    source_ref: Mapped[str | None] = mapped_column(String(40))  # e.g. the source file's row id
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    themes = relationship("Theme", secondary=recommendation_theme, order_by="Theme.name", lazy="selectin")
    responsible_organisation = relationship("Organisation")

    @property
    def state_name(self) -> str:
        return country_name(self.recommending_state)

    @property
    def label(self) -> str:
        return f"{self.reference} ({self.state_name})"

    def __repr__(self):
        return f"<Recommendation {self.cycle}/{self.reference}/{self.recommending_state}>"
