"""Where a recommendation came from, and where its sources disagree.

One recommendation may be read from several sources: engage's own CSV, a UPR Info export, an OHCHR
matrix or the UN document itself. Each keeps its own reference and the response and text it gave
(`RecommendationSource`), so a merge never loses what a source said. Where two sources give a
different response or text, a `SourceDisagreement` holds both values until someone reviews it; the
value shown meanwhile is the better source's (SOURCE_RANK).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.dbtypes import UTCDateTime
from engage.extensions import db
from engage.i18n import N_

# The words below are data (the API gives them); pages say them in the reader's language.
SOURCE_KINDS = {"un_document": N_("UN document"), "ohchr_matrix": N_("OHCHR matrix"), "engage_csv": N_("engage CSV"),
                "upr_info": N_("UPR Info export")}
# Whose value stands when sources disagree: the UN's own documents, then engage's files (a lead's
# copy of the report), then UPR Info's database (retyped, and its responses are its own reading).
SOURCE_RANK = {"un_document": 3, "ohchr_matrix": 3, "engage_csv": 2, "upr_info": 1}
# A recommendation typed into engage (form, API) counts as engage's own file.
UNSOURCED_RANK = SOURCE_RANK["engage_csv"]
DISAGREEING_FIELDS = {"response": N_("Response"), "text": N_("Text")}
RESOLUTIONS = {"other": N_("took the other source's value"), "reviewed": N_("reviewed, kept the value shown")}


class RecommendationSource(db.Model):
    """One source's copy of a recommendation: its reference there and what it said."""

    __tablename__ = "recommendation_source"
    __table_args__ = (UniqueConstraint("recommendation_id", "kind", "reference", name="uq_recommendation_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # SOURCE_KINDS
    reference: Mapped[str] = mapped_column(String(120))  # "UPR Info 8-12", "A/HRC/15/8 para 101.1"
    response: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    imported_by = relationship("User", lazy="joined")

    @property
    def kind_label(self) -> str:
        return SOURCE_KINDS.get(self.kind, self.kind)


class SourceDisagreement(db.Model):
    """Two sources give a recommendation different values for one field; open until someone reviews it."""

    __tablename__ = "source_disagreement"
    __table_args__ = (Index("ix_source_disagreement_open", "resolution", "recommendation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(20))  # DISAGREEING_FIELDS
    # The value engage shows and the one it does not, each with the kind of source that gave it.
    shown_value: Mapped[str] = mapped_column(Text, info={"max_length": 20000})
    shown_kind: Mapped[str] = mapped_column(String(20))
    other_value: Mapped[str] = mapped_column(Text, info={"max_length": 20000})
    other_kind: Mapped[str] = mapped_column(String(20))
    other_reference: Mapped[str | None] = mapped_column(String(120))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(20))  # None while open; RESOLUTIONS
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    recommendation = relationship("Recommendation", lazy="joined")
    resolved_by = relationship("User", lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.resolution is None

    @property
    def field_label(self) -> str:
        return DISAGREEING_FIELDS.get(self.field, self.field)

    @property
    def shown_kind_label(self) -> str:
        return SOURCE_KINDS.get(self.shown_kind, self.shown_kind)

    @property
    def other_kind_label(self) -> str:
        return SOURCE_KINDS.get(self.other_kind, self.other_kind)

    @property
    def resolution_label(self) -> str:
        return RESOLUTIONS.get(self.resolution or "", N_("open"))
