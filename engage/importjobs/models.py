"""One row per CSV import too big to run inside a request: the uploaded bytes, its progress and its result."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from engage.dbtypes import UTCDateTime
from engage.extensions import db
from engage.i18n import N_

# status: (words a person reads, in English and translated where shown; Bootstrap colour)
JOB_STATUSES = {
    "queued": (N_("Waiting to start"), "secondary"),
    "running": (N_("Importing"), "info"),
    "done": (N_("Imported"), "success"),
    "failed": (N_("Nothing was imported"), "danger"),
    # A file checked on an import page, kept until its "Import" button is pressed (engage/upr/previews.py).
    "preview": (N_("Checked, not imported yet"), "secondary"),
}
FINISHED = ("done", "failed")
# What the progress counts while the job runs (the importers report each phase from 0 to its total).
PHASES = {"checked": N_("Checking the rows"), "saved": N_("Saving")}


class ImportJob(db.Model):
    """An uploaded file waiting for, being imported by, or done with a scheduler process."""

    __tablename__ = "import_job"
    __table_args__ = (
        # The scheduler's question, "which jobs are queued, or running on a lease that ran out?".
        Index("ix_import_job_due", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # organisations, contacts, recommendations
    filename: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)  # bytes uploaded
    # The upload itself, in the row: committed with it, readable by a scheduler on another host, and
    # emptied when the job ends so no copy of the file outlives it. Deferred: pages never load it.
    raw: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    # The import runs as this user, with their visibility; the job goes when the account does.
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    phase: Mapped[str | None] = mapped_column(String(20))
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    # done: {"total", "created", "updated", "unchanged", …} (services.summary_of); preview: what the
    # check counted (the import must find the same); failed: [[line, message], ...], as the immediate import.
    summary: Mapped[dict | None] = mapped_column(JSON)
    errors: Mapped[list | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    actor = relationship("User")

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def status_label(self) -> str:
        return JOB_STATUSES.get(self.status, (self.status, "secondary"))[0]

    @property
    def status_colour(self) -> str:
        return JOB_STATUSES.get(self.status, (self.status, "secondary"))[1]

    @property
    def phase_label(self) -> str:
        return PHASES.get(self.phase or "", "Waiting to start")

    def __repr__(self):
        return f"<ImportJob {self.id} {self.kind} {self.status} {self.rows_done}/{self.rows_total}>"
