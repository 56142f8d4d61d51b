"""Recommendations made to Kenya in the UPR, and the themes they are tagged with."""
from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from engage.countries import country_name
from engage.dbtypes import UTCDateTime
from engage.extensions import db

RESPONSES = {"supported": "Supported", "noted": "Noted", "pending": "Pending"}
IMPLEMENTATION_STATUSES = {"not_started": "Not started", "partial": "Partially implemented",
                           "implemented": "Implemented", "unknown": "Unknown"}
# Bootstrap colours that go with the words (never colour alone).
RESPONSE_COLOURS = {"supported": "success", "noted": "warning", "pending": "secondary"}
IMPLEMENTATION_COLOURS = {"not_started": "danger", "partial": "warning", "implemented": "success",
                          "unknown": "secondary"}
# Cycles are open-ended (Kenya's next review is its 5th); the bound only keeps typing errors out.
MAX_CYCLE = 99

recommendation_theme = Table(
    "recommendation_theme",
    db.metadata,
    Column("recommendation_id", Integer, ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", Integer, ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)


def reference_sort_key(reference: str | None) -> str:
    """'101.2' before '101.10': every run of digits zero-padded, so a plain string sort is numeric."""
    return re.sub(r"\d+", lambda m: m.group().zfill(6), reference or "")[:160]


theme_group_member = Table(
    "theme_group_member",
    db.metadata,
    Column("theme_group_id", Integer, ForeignKey("theme_group.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", Integer, ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)


class Theme(db.Model):
    """A tag such as "Right to health" or "HIV/AIDS": one of engage's own list (curated, shipped in
    engage/recommendations/data/themes.csv) or one a user kept as a new theme."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    curated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    groups = relationship("ThemeGroup", secondary=theme_group_member, order_by="ThemeGroup.name",
                          back_populates="themes", lazy="selectin")

    def __repr__(self):
        return f"<Theme {self.name!r}>"


class ThemeGroup(db.Model):
    """A set of themes chosen together, e.g. "Health" (right to health, HIV/AIDS, SRHR, mental health…)."""

    __tablename__ = "theme_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)  # in addresses: ?group=health
    name: Mapped[str] = mapped_column(String(120), unique=True)

    themes = relationship("Theme", secondary=theme_group_member, order_by="Theme.name", back_populates="groups")

    def __repr__(self):
        return f"<ThemeGroup {self.key!r}>"


class ThemeMapping(db.Model):
    """A theme name from another vocabulary (a UPR Info issue, an OHCHR code or theme name, a name a user
    met in a file) and the engage theme it stands for; `key` is the name as compared (theme_key)."""

    __tablename__ = "theme_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))  # as written in its vocabulary
    vocabulary: Mapped[str] = mapped_column(String(20))  # upr_info, ohchr_code, ohchr, user
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    theme = relationship("Theme", lazy="joined")

    def __repr__(self):
        return f"<ThemeMapping {self.name!r}>"


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
    reference_sort: Mapped[str] = mapped_column(String(160), default="", index=True)  # set from reference
    recommending_state: Mapped[str] = mapped_column(String(2), index=True)  # ISO alpha-2
    text: Mapped[str] = mapped_column(Text, info={"max_length": 20000})
    # The whole paragraph as printed in the report, when UPR Info split it into parts with their own texts.
    paragraph_text: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    response: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    action_category: Mapped[int | None]  # UPR Info 1–5
    implementation_status: Mapped[str] = mapped_column(String(20), default="unknown")
    responsible_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    notes: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    source_ref: Mapped[str | None] = mapped_column(String(40))  # e.g. the source file's row id
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    themes = relationship("Theme", secondary=recommendation_theme, order_by="Theme.name", lazy="selectin")
    responsible_organisation = relationship("Organisation")

    @validates("reference")
    def _set_reference_sort(self, key, value):
        self.reference_sort = reference_sort_key(value)
        return value

    @property
    def state_name(self) -> str:
        return country_name(self.recommending_state)

    @property
    def response_label(self) -> str:
        return RESPONSES.get(self.response, self.response)

    @property
    def implementation_label(self) -> str:
        return IMPLEMENTATION_STATUSES.get(self.implementation_status, self.implementation_status)

    @property
    def theme_names(self) -> list[str]:
        return [t.name for t in self.themes]

    @property
    def label(self) -> str:
        return f"{self.reference} ({self.state_name})"

    def __repr__(self):
        return f"<Recommendation {self.cycle}/{self.reference}/{self.recommending_state}>"
