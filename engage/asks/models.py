"""Asks: the text the coalition wants a state to recommend, its themes, the past recommendations it
builds on and the states it is pitched to."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Float, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.countries import country_name
from engage.dbtypes import UTCDateTime
from engage.extensions import db
from engage.i18n import N_

# The words are data too (exports, the API, history): marked here, translated where a page shows them.
PRIORITIES = {"high": N_("High"), "medium": N_("Medium"), "low": N_("Low")}
# Bootstrap colours that go with the words (never colour alone).
PRIORITY_COLOURS = {"high": "danger", "medium": "warning", "low": "secondary"}
PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}
# What staff decided about a recommendation the matcher suggested for an ask (or one linked by hand).
MATCH_VERDICTS = {"full": N_("Taken up in full"), "partial": N_("Taken up in part"), "not": N_("Not a match")}
# The verdicts that count as the ask taken up by the recommendation's states.
TAKEN_UP = ("full", "partial")

ask_theme = Table(
    "ask_theme",
    db.metadata,
    Column("ask_id", Integer, ForeignKey("ask.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", Integer, ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)
# The past recommendations an ask builds on (an earlier cycle's wording it asks to be made again or
# made stronger).
ask_recommendation = Table(
    "ask_recommendation",
    db.metadata,
    Column("ask_id", Integer, ForeignKey("ask.id", ondelete="CASCADE"), primary_key=True),
    Column("recommendation_id", Integer, ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class AskTarget(db.Model):
    """One state an ask is pitched to. A row per state rather than a JSON list: the list and the
    planning view filter by state with a plain EXISTS on SQLite and PostgreSQL alike."""

    __tablename__ = "ask_target"

    ask_id: Mapped[int] = mapped_column(ForeignKey("ask.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)  # ISO alpha-2


class Ask(db.Model):
    """What the coalition wants recommending states to recommend to Kenya in one UPR cycle."""

    __tablename__ = "ask"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The cycle number, as Recommendation.cycle (no foreign key: cycles are numbers here).
    cycle: Mapped[int] = mapped_column(index=True)
    text: Mapped[str] = mapped_column(Text, info={"max_length": 5000})
    priority: Mapped[str] = mapped_column(String(10), default="medium", index=True)
    # Where it comes from: the joint stakeholder report and its paragraph.
    source: Mapped[str | None] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    themes = relationship("Theme", secondary=ask_theme, order_by="Theme.name", lazy="selectin")
    recommendations = relationship("Recommendation", secondary=ask_recommendation, lazy="selectin",
                                   order_by="(Recommendation.cycle, Recommendation.reference_sort)")
    targets = relationship("AskTarget", cascade="all, delete-orphan", lazy="selectin", order_by="AskTarget.state")
    owner = relationship("User", foreign_keys=[owner_id], lazy="selectin")
    created_by = relationship("User", foreign_keys=[created_by_id])
    # Staff's verdicts on recommendations for this ask (AskMatch), loaded with the ask.
    matches = relationship("AskMatch", back_populates="ask", cascade="all, delete-orphan", lazy="selectin",
                           passive_deletes=True, order_by="AskMatch.decided_at")

    @property
    def target_states(self) -> list[str]:
        return [t.state for t in self.targets]

    @property
    def target_names(self) -> list[str]:
        return [country_name(s) for s in self.target_states]

    @property
    def theme_names(self) -> list[str]:
        return [t.name for t in self.themes]

    @property
    def priority_label(self) -> str:
        return PRIORITIES.get(self.priority, self.priority)

    @property
    def label(self) -> str:
        """A short name for lists and pickers: the cycle and the text's start."""
        words = " ".join(self.text.split())
        return f"Ask {self.id} (cycle {self.cycle}): {words[:80]}{'…' if len(words) > 80 else ''}"

    def __repr__(self):
        return f"<Ask {self.id} cycle={self.cycle} {self.priority}>"


class AskMatch(db.Model):
    """Staff's verdict on one recommendation for one ask: taken up in full, in part, or not a match.
    A "not" is kept too, so a rejected suggestion is not offered again."""

    __tablename__ = "ask_match"
    __table_args__ = (UniqueConstraint("ask_id", "recommendation_id", name="uq_ask_match_ask_recommendation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ask_id: Mapped[int] = mapped_column(ForeignKey("ask.id", ondelete="CASCADE"), index=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[str] = mapped_column(String(10))  # a key of MATCH_VERDICTS
    # The matcher's score when confirmed from a suggestion; None when linked by hand.
    score: Mapped[float | None] = mapped_column(Float)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text, info={"max_length": 2000})

    ask = relationship("Ask", back_populates="matches")
    recommendation = relationship("Recommendation", lazy="joined")
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def verdict_label(self) -> str:
        return MATCH_VERDICTS.get(self.verdict, self.verdict)

    @property
    def taken_up(self) -> bool:
        return self.verdict in TAKEN_UP

    def __repr__(self):
        return f"<AskMatch ask={self.ask_id} recommendation={self.recommendation_id} {self.verdict}>"
