"""Assessments of how far a recommendation is implemented, their documents, and who is responsible."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.dbtypes import UTCDateTime
from engage.extensions import db
from engage.i18n import N_
from engage.sealed import SealedText

# The words are data too (exports, the API, history): marked here, translated where a page shows them.
ASSESSMENT_STATUSES = {
    "not_started": N_("Not started"),
    "in_progress": N_("In progress"),
    "partially_implemented": N_("Partially implemented"),
    "implemented": N_("Implemented"),
    "regressed": N_("Regressed"),
    "no_information": N_("No information"),
}
# Bootstrap colours that go with the words (never colour alone).
STATUS_COLOURS = {"not_started": "danger", "in_progress": "primary", "partially_implemented": "warning",
                  "implemented": "success", "regressed": "dark", "no_information": "secondary"}
SOURCE_KINDS = {
    "meeting": N_("Meeting"),
    "government_report": N_("Government report"),
    "cso_report": N_("CSO report"),
    "media": N_("Media"),
    "other": N_("Other"),
}
CONFIDENCE = {"high": N_("High"), "medium": N_("Medium"), "low": N_("Low")}
ROLES = {"lead": N_("Lead"), "supporting": N_("Supporting")}
# The directory's kinds a recommendation may be assigned to: ministries, and agencies (filed as "other").
RESPONSIBLE_KINDS = ("ministry", "other")

# Documents kept with an assessment, by the type they are served as.
DOCUMENT_TYPES = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
}
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_LINKS = 20


class StatusWords:
    """The words and colour of a `status` (ASSESSMENT_STATUSES), for an assessment and for a list's
    lighter Status alike."""

    @property
    def status_label(self) -> str:
        return ASSESSMENT_STATUSES.get(self.status, self.status)

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "secondary")


class Assessment(StatusWords, db.Model):
    """How far one recommendation was implemented, as assessed on one day from one source.

    The recommendation's status is its latest assessment the reader may see. An assessment is
    restricted when it is marked so or its meeting is restricted (as an outcome is), and its evidence
    is then sealed at rest."""

    __tablename__ = "assessment"
    __table_args__ = (
        # The matrix and "latest per recommendation": newest first within a recommendation.
        Index("ix_assessment_recommendation_latest", "recommendation_id", "assessed_on", "id"),
        CheckConstraint("status IN ('not_started', 'in_progress', 'partially_implemented', 'implemented', "
                        "'regressed', 'no_information')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id", ondelete="CASCADE"), index=True)
    assessed_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(30))
    # Sealed when the assessment or its meeting is restricted (engage/sealed.py).
    evidence: Mapped[str | None] = mapped_column(SealedText, info={"max_length": 20000})
    links: Mapped[str | None] = mapped_column(Text, info={"max_length": 10000})  # one URL a line
    source_kind: Mapped[str] = mapped_column(String(30), default="other")
    source_detail: Mapped[str | None] = mapped_column(String(300))  # the report's or article's title
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcome.id", ondelete="SET NULL"), index=True)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    confidence: Mapped[str] = mapped_column(String(10), default="medium")
    sensitivity: Mapped[str] = mapped_column(String(20), default="internal", server_default="internal")
    # The member organisation that recorded it (its meeting's, when from one): engage/members. The
    # access policy reads it for a restricted one (its member's DPO); set on the first flush when blank.
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    recommendation = relationship("Recommendation")
    meeting = relationship("Meeting")
    outcome = relationship("Outcome")
    assessed_by = relationship("User", foreign_keys=[assessed_by_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    documents = relationship("AssessmentDocument", back_populates="assessment", cascade="all, delete-orphan",
                             passive_deletes=True, order_by="AssessmentDocument.id")

    @property
    def restricted(self) -> bool:
        """Restricted itself or through its meeting: only readers with a grant (or the DPO) see it."""
        return self.sensitivity == "restricted" or (self.meeting is not None
                                                    and self.meeting.sensitivity == "restricted")

    @property
    def source_label(self) -> str:
        return SOURCE_KINDS.get(self.source_kind, self.source_kind)

    @property
    def confidence_label(self) -> str:
        return CONFIDENCE.get(self.confidence, self.confidence)

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in (self.links or "").splitlines() if line.strip()]

    def __repr__(self):
        return f"<Assessment {self.id} rec={self.recommendation_id} {self.status} {self.assessed_on}>"


class AssessmentDocument(db.Model):
    """A document kept with an assessment (a report, a letter, a photo of a notice): the bytes live in
    the row, so the record and its evidence are backed up, erased and restricted together."""

    __tablename__ = "assessment_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Deferred: the timeline names documents, only a download reads their bytes.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    assessment = relationship("Assessment", back_populates="documents")

    def __repr__(self):
        return f"<AssessmentDocument {self.id} {self.filename!r}>"


class Responsibility(db.Model):
    """A ministry or agency (a directory organisation) responsible for implementing a recommendation,
    as its lead or in support."""

    __tablename__ = "recommendation_responsibility"
    __table_args__ = (CheckConstraint("role IN ('lead', 'supporting')", name="role_known"),)

    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id", ondelete="CASCADE"),
                                                   primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                 primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20), default="lead")

    organisation = relationship("Organisation")
    recommendation = relationship("Recommendation")

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)
