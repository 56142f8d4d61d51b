"""Check a recommendations file first, then import exactly what the check counted.

The check (a dry run) counts what the import would do — new, updated, merged, unchanged,
conflicting, skipped and refused lines — and keeps the uploaded bytes with those counts as an
`import_job` row of status `preview`, so the "Import" button needs no second upload. Importing runs
the same import on the same bytes and refuses, keeping nothing, if it would now do anything else
(someone imported or edited recommendations meanwhile): all of what was previewed, or nothing.
"""
from __future__ import annotations

from sqlalchemy import delete, select

from engage.csvfiles import ImportReport
from engage.errors import ConflictError, NotFoundError, ValidationError
from engage.extensions import db
from engage.i18n import N_, Phrase
from engage.importjobs import services as import_jobs
from engage.importjobs.models import ImportJob

from .imports import import_recommendations_bytes
from .ohchr import looks_like_word

# What the preview shows, in its order, with the words the page and the command use.
# English in the command's line and a job's message; the preview page says them in its reader's language.
COUNT_NAMES = {"created": N_("new"), "updated": N_("updated"), "merged": N_("merged with a recommendation already held"),
               "unchanged": N_("unchanged"), "translated": N_("texts in another language"),
               "conflicting": N_("disagreeing with another source"),
               "skipped": N_("skipped (another state under review)"),
               "unattributed": N_("skipped (no recommending state)"), "refused": N_("refused")}


def preview_counts(report: ImportReport) -> dict:
    """The counts a preview shows, the layout the file was read as among them."""
    return {"layout": report.layout, "total": report.total, "created": report.created, "updated": report.updated,
            "merged": report.merged, "translated": report.translated, "unchanged": report.unchanged,
            "conflicting": len({c.line for c in report.conflicts}), "skipped": report.skipped,
            "unattributed": report.unattributed, "refused": len({e.line for e in report.errors})}


def counts_text(counts: dict) -> str:
    """The counts in one line, as the command prints them: "166 rows: 0 new, 12 updated, …"."""
    parts = [f"{counts[name]} {words}" for name, words in COUNT_NAMES.items()
             if counts.get(name) or name in ("created", "updated", "unchanged")]
    return f"{counts['total']} rows: " + ", ".join(parts)


def keep_preview(actor, now, filename: str, raw: bytes, report: ImportReport, cycle: str | None = None) -> ImportJob:
    """Keep a checked file and its counts until its import (one per person: an older one is dropped), with
    the cycle chosen for an OHCHR matrix that does not say its own."""
    db.session.execute(delete(ImportJob).where(ImportJob.actor_id == actor.id, ImportJob.status == "preview",
                                               ImportJob.kind == "recommendations"))
    job = import_jobs.queue_import(actor, now, "recommendations", filename, raw)
    job.status, job.summary = "preview", {**preview_counts(report), "cycle": cycle or None}
    db.session.flush()
    return job


def get_preview(actor, job_id: int) -> ImportJob:
    """`actor`'s checked file `job_id`, or NotFoundError (imported already, replaced, or not theirs)."""
    job = db.session.scalar(select(ImportJob).where(ImportJob.id == job_id, ImportJob.actor_id == actor.id,
                                                    ImportJob.status == "preview"))
    if job is None:
        raise NotFoundError(N_("That checked file is gone: it was imported, or replaced by a newer check. "
                               "Upload it again."))
    return job


def apply_preview(actor, now, job: ImportJob, config) -> tuple[ImportReport | None, ImportJob | None]:
    """Import a checked file as its preview counted; the report, or the queued job for a file too big for a
    request. A ConflictError, and nothing kept, when the import would now do something else."""
    raw = job.raw or b""
    # As on the upload: a Word matrix (a few hundred rows, maybe a chosen cycle) is imported here.
    expected = dict(job.summary or {})
    cycle = expected.pop("cycle", None)
    if not looks_like_word(raw) and import_jobs.runs_as_job(raw, config):
        # The scheduler imports it, and fails it without keeping anything if it finds other counts.
        job.status, job.summary = "queued", {"expected": expected}
        db.session.flush()
        return None, job
    report = import_recommendations_bytes(raw, actor, now, cycle=cycle)
    if not report.ok:
        first = report.errors[0]
        raise ValidationError.for_fields({"file": Phrase(N_("Line %(line)d: %(problem)s"), line=first.line,
                                                         problem=first.message)})
    found = preview_counts(report)
    if found != expected:
        raise ConflictError(Phrase(N_("The recommendations changed since this file was checked, so importing it now "
                                      "would do something else (%(found)s; the check found %(expected)s). Nothing was "
                                      "imported: check the file again."),
                                   found=counts_text(found), expected=counts_text(expected)))
    db.session.delete(job)  # the bytes go with the preview
    db.session.flush()
    return report, None
