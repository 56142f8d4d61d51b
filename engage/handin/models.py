"""A saved draft of a report to hand in: the choices it was made from and the texts the lead wrote."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engage.dbtypes import UTCDateTime
from engage.extensions import db

REPORT_KINDS = {"midterm": "Mid-term report"}


class ReportDraft(db.Model):
    """A draft mid-term report: what it covers (cycle, themes, ministries, period, coalition) and the
    lead's own texts (introduction, methodology, a comment per recommendation), as JSON.

    Only the choices and the lead's words are kept: the recommendations, statuses and evidence are
    read again from the assessments each time the draft is shown or exported, so a draft never holds
    a copy of evidence (restricted evidence included) that could outlive a grant or a correction.
    """

    __tablename__ = "report_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="midterm")
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self):
        return f"<ReportDraft {self.id} {self.title!r}>"
