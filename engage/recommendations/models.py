"""Recommendations made to Kenya in the UPR, and the themes they are tagged with."""
from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import (JSON, Boolean, CheckConstraint, Column, Date, ForeignKey, Integer, SmallInteger, String,
                        Table, Text, UniqueConstraint, case, false, select)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship, validates

from engage.countries import country_name
from engage.dbtypes import UTCDateTime
from engage.extensions import db
from engage.i18n import N_

# Kenya's responses: the words are data (exports, the API); pages say them in the reader's language.
RESPONSES = {"supported": N_("Supported"), "noted": N_("Noted"), "pending": N_("Pending")}
# Bootstrap colours that go with the words (never colour alone).
RESPONSE_COLOURS = {"supported": "success", "noted": "warning", "pending": "secondary"}
def _sdg_goals() -> list[dict[str, str]]:
    # The UN's table of the 17 goals, shipped with engage (data/sdg_goals.csv; sources in data/SOURCES.md).
    with (Path(__file__).parent / "data" / "sdg_goals.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# The Sustainable Development Goals by number: their short names ("Good health and well-being") and
# titles as adopted (A/RES/70/1). OHCHR's matrices link recommendations to them.
SDG_GOALS = {int(row["goal"]): row["short_name"] for row in _sdg_goals()}
SDG_TITLES = {int(row["goal"]): row["title"] for row in _sdg_goals()}
# The short names again, marked for the catalogues (the same words as the table: a test keeps them equal);
# pages say them in their reader's language, exports and the API keep the table's English.
SDG_NAME_WORDS = (N_("No poverty"), N_("Zero hunger"), N_("Good health and well-being"), N_("Quality education"),
                  N_("Gender equality"), N_("Clean water and sanitation"), N_("Affordable and clean energy"),
                  N_("Decent work and economic growth"), N_("Industry, innovation and infrastructure"),
                  N_("Reduced inequalities"), N_("Sustainable cities and communities"),
                  N_("Responsible consumption and production"), N_("Climate action"), N_("Life below water"),
                  N_("Life on land"), N_("Peace, justice and strong institutions"), N_("Partnerships for the goals"))

# Cycles are open-ended (Kenya's next review is its 5th); the bound only keeps typing errors out.
MAX_CYCLE = 99

recommendation_theme = Table(
    "recommendation_theme",
    db.metadata,
    Column("recommendation_id", Integer, ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", Integer, ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)


def shown_reference(table):
    """SQL for the reference as shown, with its item ("102.3 (1)"), for lists that read columns."""
    return case((table.c.sub_item == "", table.c.reference),
                else_=table.c.reference + " (" + table.c.sub_item + ")")


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
                          back_populates="themes")  # loaded where shown (themes page, API): lists of themes do not need them

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


class RecommendationState(db.Model):
    """One of the states that made a recommendation, in the order the report names them."""

    __tablename__ = "recommendation_state"

    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id", ondelete="CASCADE"),
                                                   primary_key=True)
    state: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)  # ISO alpha-2
    position: Mapped[int] = mapped_column(SmallInteger, default=0)


class RecommendationSdg(db.Model):
    """A Sustainable Development Goal (1–17) a recommendation is linked to."""

    __tablename__ = "recommendation_sdg"
    __table_args__ = (CheckConstraint("goal BETWEEN 1 AND 17", name="goal_range"),)

    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id", ondelete="CASCADE"),
                                                   primary_key=True)
    goal: Mapped[int] = mapped_column(SmallInteger, primary_key=True, index=True)


class RecommendationText(db.Model):
    """The recommendation's text in another language (the UN publishes French and Spanish versions of
    outcome documents); the recommendation's own `text` stays the original, as imported."""

    __tablename__ = "recommendation_text"

    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id", ondelete="CASCADE"),
                                                   primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)  # BCP 47 primary subtag: fr, es
    text: Mapped[str] = mapped_column(Text, info={"max_length": 20000})
    source: Mapped[str | None] = mapped_column(String(200))  # where it came from: the file, "api"
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def text_in_language_sql(language: str):
    """SQL for a recommendation's text in this language (NULL when not held), for lists: pass it to
    `with_expression(Recommendation.translated_text, …)`."""
    return (select(RecommendationText.text)
            .where(RecommendationText.recommendation_id == Recommendation.id, RecommendationText.language == language)
            .scalar_subquery())


class Recommendation(db.Model):
    """One recommendation (one paragraph, or one numbered item of it) in one UPR cycle, made by one or
    several states.

    Its natural key is (cycle, reference, sub_item): the report numbers each recommendation once,
    whoever made it, and engage holds the recommendations made to one state under review. A
    paragraph several states made together is one recommendation attributed to each of them.
    """

    __tablename__ = "recommendation"
    __table_args__ = (UniqueConstraint("cycle", "reference", "sub_item", name="uq_recommendation_cycle_reference_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle: Mapped[int] = mapped_column(index=True)
    wg_session: Mapped[int | None]
    review_date: Mapped[date | None] = mapped_column(Date)
    outcome_document: Mapped[str | None] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(40))  # the paragraph, e.g. "142.15" or "102.3 (1)"
    reference_sort: Mapped[str] = mapped_column(String(160), default="", index=True)  # set from reference
    # The item within the paragraph ("1" shows as "102.3 (1)"); "" when the paragraph is not divided,
    # never NULL, so the unique key holds on every database.
    sub_item: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # The first of recommending_states (ISO alpha-2), kept as a column: older tools and one-state
    # filters read it. Written only through set_states().
    recommending_state: Mapped[str] = mapped_column(String(2), index=True)
    text: Mapped[str] = mapped_column(Text, info={"max_length": 20000})
    # The whole paragraph as printed in the report, when UPR Info split it into parts with their own texts.
    paragraph_text: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    response: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    action_category: Mapped[int | None]  # UPR Info 1–5
    # How far it is implemented, and who is responsible: engage/implementation (assessments over time,
    # responsibilities), not columns of its own. A list may load the latest status its reader sees
    # here, in its own statement (implementation.queries.with_latest_status); None otherwise.
    status_seen = query_expression()
    notes: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    source_ref: Mapped[str | None] = mapped_column(String(40))  # e.g. the source file's row id
    # Where the state under review gave its position, e.g. "A/HRC/28/15/Add.1 - Para. 3".
    source_of_position: Mapped[str | None] = mapped_column(String(200))
    # OHCHR's "affected persons" (women and girls, persons with disabilities, …), in its words.
    groups_of_persons: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    themes = relationship("Theme", secondary=recommendation_theme, order_by="Theme.name", lazy="selectin")
    state_links = relationship(RecommendationState, order_by=RecommendationState.position, lazy="selectin",
                               cascade="all, delete-orphan", passive_deletes=True)
    sdg_links = relationship(RecommendationSdg, order_by=RecommendationSdg.goal, lazy="selectin",
                             cascade="all, delete-orphan", passive_deletes=True)

    # Loaded only where shown (the page, the API's detail), so lists issue no extra statement.
    translations = relationship(RecommendationText, order_by=RecommendationText.language,
                                cascade="all, delete-orphan", passive_deletes=True)
    # A list read in another language selects the text in it with the rows (`text_in_language_sql`):
    # no statement more. None when not selected or not held.
    translated_text: Mapped[str | None] = query_expression()

    @validates("reference")
    def _set_reference_sort(self, key, value):
        self.reference_sort = reference_sort_key(value)
        return value

    @property
    def recommending_states(self) -> list[str]:
        """Every state that made it, in the report's order (the first is `recommending_state`)."""
        return [link.state for link in self.state_links] or ([self.recommending_state] if self.recommending_state else [])

    def set_states(self, codes: list[str]) -> None:
        """Attribute it to these states (ISO codes, in order, at least one)."""
        codes = list(dict.fromkeys(codes))
        held = {link.state: link for link in self.state_links}
        links = []
        for position, code in enumerate(codes):
            link = held.get(code) or RecommendationState(state=code)
            link.position = position
            links.append(link)
        self.state_links = links
        self.recommending_state = codes[0]

    @property
    def sdgs(self) -> list[int]:
        return [link.goal for link in self.sdg_links]

    def set_sdgs(self, goals: list[int]) -> None:
        """Link it to these goals (1–17)."""
        held = {link.goal: link for link in self.sdg_links}
        self.sdg_links = [held.get(g) or RecommendationSdg(goal=g) for g in sorted(set(goals))]

    @property
    def texts(self) -> dict[str, str]:
        """Its text in each language it is held in: {"fr": "…"} (the original `text` not included)."""
        return {t.language: t.text for t in self.translations}

    def text_in(self, language: str | None) -> str | None:
        """Its text in this language (a primary subtag), None when it is held only in the original."""
        return self.texts.get(language) if language else None

    def set_text(self, language: str, text: str, source: str | None, now: datetime) -> None:
        """Hold its text in this language (a primary subtag), replacing one held before."""
        held = {t.language: t for t in self.translations}
        row = held.get(language)
        if row is None:
            row = RecommendationText(language=language)
            self.translations.append(row)
        row.text, row.source, row.updated_at = text, source, now

    @property
    def full_reference(self) -> str:
        """The reference with its item: "102.3 (1)"."""
        return f"{self.reference} ({self.sub_item})" if self.sub_item else self.reference

    @property
    def state_name(self) -> str:
        """The recommending states' names: "France, Lithuania"."""
        return ", ".join(country_name(s) for s in self.recommending_states)

    @property
    def state_names(self) -> list[str]:
        return [country_name(s) for s in self.recommending_states]

    @property
    def response_label(self) -> str:
        return RESPONSES.get(self.response, self.response)

    @property
    def theme_names(self) -> list[str]:
        return [t.name for t in self.themes]

    @property
    def label(self) -> str:
        return f"{self.full_reference} ({self.state_name})"

    def __repr__(self):
        return f"<Recommendation {self.cycle}/{self.full_reference}/{'+'.join(self.recommending_states)}>"
