"""Big imports as background jobs: queued by a page, claimed and run by the scheduler (docs/architecture.md).

A page queues the uploaded bytes as an `import_job` row in its request's transaction. The scheduler
claims the oldest queued job with `engage.claims.claim_due_rows` (SKIP LOCKED on PostgreSQL, a
conditional UPDATE everywhere), exactly as the outbox does, and runs the same import service the
page would have run, as the job's actor and with their visibility, in one transaction: the
records and the job's "done" commit together, or nothing is kept and the job holds every bad line.
Progress goes through a second connection, committed at once, so the job's page reads it while
the import's own transaction is still open; each progress report also extends the lease, so only
a job whose process died is taken over.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import OperationalError

from engage.claims import claim_due_rows
from engage.csvfiles import ImportProblem, ImportReport
from engage.errors import NotFoundError, PermissionDenied
from engage.extensions import db
from engage.i18n import ENGLISH, N_, in_language, page_language, said

from .models import ImportJob

log = logging.getLogger(__name__)

# A job claimed this many times without finishing (its process died each time: out of memory, killed
# by a deploy) is failed rather than tried for ever.
MAX_ATTEMPTS = 3
# Why a job imported nothing: kept with the job in its uploader's language, as its lines' problems are.
INTERRUPTED = N_("the import was interrupted %(attempts)s times and has stopped; nothing was imported. "
                 "Upload the file again, or split it into smaller files")
UNEXPECTED = N_("the import stopped on an unexpected error; nothing was imported. Upload the file again")
NOT_ALLOWED = N_("the person who uploaded this file may no longer import it; nothing was imported")
CHANGED = N_("what engage holds changed since this file was checked, so importing it now would do something else "
             "(%(found)s; the check found %(expected)s); nothing was imported. Check the file again")
# Progress is written about this many times per phase, however long the file.
PROGRESS_WRITES = 100


@dataclass(frozen=True)
class ImportKind:
    """What a job of one kind runs and who may see it; create_app registers one per import."""

    name: str  # "contacts", the job's `kind`
    run: Callable[..., ImportReport]  # (raw bytes, actor, now, progress) -> report, flushed never committed
    role: str  # the role the import itself needs: starting a job, and seeing one, needs it too
    page: str  # the endpoint of its import page ("Import another file")
    records: str  # the endpoint listing what it imports ("See the contacts")
    records_args: dict = field(default_factory=dict)  # its query, e.g. latest changes first
    # Others' jobs of this kind are shown to users of this role (admins always see them); None: admins only.
    shared_with: str | None = None
    # Where what the import found disagreeing with other sources is reviewed (the recommendations' "To review").
    review: str | None = None
    # What a check of the file counts (a job queued from a checked file must find the same, or import nothing),
    # and those counts in words for the message.
    counts: Callable[[ImportReport], dict] | None = None
    counts_text: Callable[[dict], str] = str


_KINDS: dict[str, ImportKind] = {}


def register_kind(kind: ImportKind) -> None:
    """Let jobs of `kind.name` run (create_app registers the directory's and the recommendations' imports)."""
    _KINDS[kind.name] = kind


def kind_of(job: ImportJob) -> ImportKind | None:
    """The registered kind of `job`, if its import is known to this app."""
    return _KINDS.get(job.kind)


def runs_as_job(raw: bytes, config) -> bool:
    """True when an upload has more rows or bytes than a request should import (ENGAGE_IMPORT_JOB_ROWS / _BYTES).

    Rows are counted as line breaks below the header, which a cell spanning lines overcounts: such a
    file only goes to the background a little sooner.
    """
    breaks = max(raw.count(b"\n"), raw.count(b"\r"))
    rows = breaks + (0 if raw.endswith((b"\n", b"\r")) else 1) - 1
    return len(raw) > config["ENGAGE_IMPORT_JOB_BYTES"] or rows > config["ENGAGE_IMPORT_JOB_ROWS"]


def queue_import(actor, now: datetime, kind: str, filename: str, raw: bytes) -> ImportJob:
    """Queue `raw` to be imported as `kind` by the scheduler, as `actor`; flushed, committed by the caller."""
    registered = _KINDS.get(kind)
    if registered is None:
        raise NotFoundError(_("No import of %(kind)s.", kind=repr(kind)))
    if not actor.has_role(registered.role):
        raise PermissionDenied(_("Your role may not import this."))
    job = ImportJob(kind=kind, filename=(filename or "")[:200], size=len(raw), raw=raw, actor_id=actor.id,
                    status="queued", rows_done=0, rows_total=0, attempts=0, created_at=now)
    db.session.add(job)
    db.session.flush()
    return job


def may_see(actor, job: ImportJob) -> bool:
    """Whether `actor` may see `job`: its uploader, admins, and the kind's `shared_with` role, all holding its role."""
    kind = kind_of(job)
    if kind is None or not actor.has_role(kind.role):
        return False
    if job.actor_id == actor.id or actor.has_role("admin"):
        return True
    return kind.shared_with is not None and actor.has_role(kind.shared_with)


def get_job(actor, job_id: int) -> ImportJob:
    """The job `job_id` if `actor` may see it; NotFoundError otherwise, as for an id never used."""
    job = db.session.get(ImportJob, job_id)
    if job is None or not may_see(actor, job):
        raise NotFoundError(_("No such import."))
    return job


def recent_jobs(actor, kinds: tuple[str, ...], limit: int = 5) -> list[ImportJob]:
    """`actor`'s own latest jobs of these kinds, newest first (shown on the import pages)."""
    return list(db.session.scalars(
        select(ImportJob).where(ImportJob.actor_id == actor.id, ImportJob.kind.in_(kinds),
                                ImportJob.status != "preview")
        .order_by(ImportJob.created_at.desc(), ImportJob.id.desc()).limit(limit)))


def job_state(job: ImportJob) -> dict:
    """What the job page's poll reads: status, phase and rows."""
    return {"id": job.id, "status": job.status, "status_label": job.status_label, "finished": job.finished,
            "phase": job.phase, "phase_label": job.phase_label, "done": job.rows_done, "total": job.rows_total}


def summary_of(report: ImportReport) -> dict:
    """What a finished job keeps of its report: the counts, the layout read, and where sources disagreed."""
    return {"total": report.total, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "assumed_encoding": report.assumed_encoding, "merged": report.merged,
            "skipped": report.skipped, "unattributed": report.unattributed, "layout": report.layout,
            "conflicts": [[c.line, said(c.message)] for c in report.conflicts], "unknown_themes": report.unknown_themes,
            "translated": report.translated}


def report_of(job: ImportJob) -> ImportReport:
    """The finished job's result as the immediate import's report (the same counts, the same line errors)."""
    summary = dict(job.summary or {})
    conflicts = summary.pop("conflicts", None) or []
    report = ImportReport(**{k: v for k, v in summary.items() if k in ImportReport.__dataclass_fields__})
    report.conflicts = [ImportProblem(line, message) for line, message in conflicts]
    for line, message in job.errors or []:
        report.add_error(line, message)
    return report


# ---- the scheduler's side ----

def _due(now: datetime):
    """Jobs a scheduler may take: queued, or running on a lease that ran out (its process died)."""
    table = ImportJob.__table__
    return or_(table.c.status == "queued", and_(table.c.status == "running", table.c.lease_until <= now))


def claim_job(now: datetime, worker_id: str, lease_seconds: int) -> int | None:
    """Claim the oldest due job for `worker_id` and commit the claim; its id, or None when none is due."""
    table = ImportJob.__table__
    won = claim_due_rows(table, _due(now), (table.c.created_at, table.c.id), 1, "running", worker_id,
                         now + timedelta(seconds=lease_seconds), (table.c.id,))
    if won:
        db.session.execute(update(table).where(table.c.id == won[0][0])
                           .values(attempts=table.c.attempts + 1, started_at=now))
    db.session.commit()  # the claim is seen by every other scheduler before the long work starts
    return won[0][0] if won else None


def run_next_import(now: datetime, config, worker_id: str) -> int | None:
    """Claim and run the oldest due import job, committing as it goes; the job's id, or None when none was due."""
    lease_seconds = int(config["ENGAGE_IMPORT_LEASE_SECONDS"])
    job_id = claim_job(now, worker_id, lease_seconds)
    if job_id is not None:
        run_claimed_job(job_id, now, worker_id, lease_seconds)
    return job_id


def run_claimed_job(job_id: int, now: datetime, worker_id: str, lease_seconds: int) -> str:
    """Run a job this worker has claimed: all of it in one transaction, or nothing and its bad lines; the end status.

    The job runs in its uploader's language (their account's choice, else English), so the problems it
    keeps read as the immediate import's would on their page.
    """
    job = db.session.get(ImportJob, job_id)
    if job is None:  # its uploader's account was deleted, and the job with it
        return "gone"
    with in_language(page_language(job.actor, None) if job.actor is not None else ENGLISH):
        return _run_job(job, job_id, now, worker_id, lease_seconds)


def _run_job(job: ImportJob, job_id: int, now: datetime, worker_id: str, lease_seconds: int) -> str:
    kind = kind_of(job)
    actor = job.actor
    if job.attempts > MAX_ATTEMPTS:
        return _fail(job_id, worker_id, now, [[1, _(INTERRUPTED, attempts=job.attempts - 1)]])
    if kind is None or actor is None or actor.is_disabled or not actor.has_role(kind.role):
        return _fail(job_id, worker_id, now, [[1, _(NOT_ALLOWED)]])
    raw = job.raw or b""
    expected = (job.summary or {}).get("expected")  # set when the job was queued from a checked file
    progress = ProgressWriter(job_id, worker_id, now, lease_seconds)
    try:
        report = kind.run(raw, actor, now, progress)
    except Exception:  # a bug must not leave the job "running" until its lease ends, three times over
        db.session.rollback()
        log.exception("import job %s (%s) failed", job_id, job.kind)
        return _fail(job_id, worker_id, progress.now_at_end(), [[1, _(UNEXPECTED)]])
    finally:
        progress.close()
    if not report.ok:
        db.session.rollback()  # all or nothing: none of the rows, only the reasons
        # A message built as a Phrase (the recommendations' importer) is kept said in the uploader's language.
        return _fail(job_id, worker_id, progress.now_at_end(), [[e.line, said(e.message)] for e in report.errors],
                     report.total)
    if expected is not None and kind.counts is not None and kind.counts(report) != expected:
        found = kind.counts(report)
        db.session.rollback()  # exactly what was checked, or nothing
        return _fail(job_id, worker_id, progress.now_at_end(), [[1, _(
            CHANGED, found=kind.counts_text(found), expected=kind.counts_text(expected))]], report.total)
    # The records and the job's "done" commit together. The WHERE checks the claim is still ours: if
    # another scheduler took the job over, its run counts and this one is rolled back.
    table = ImportJob.__table__
    finished = db.session.execute(
        update(table).where(table.c.id == job_id, table.c.status == "running", table.c.claimed_by == worker_id)
        .values(status="done", raw=None, claimed_by=None, lease_until=None, finished_at=progress.now_at_end(),
                phase="saved",
                rows_done=report.total, rows_total=report.total,
                summary=summary_of(report)))
    if finished.rowcount != 1:
        db.session.rollback()
        log.warning("import job %s was taken over by another scheduler; this run is discarded", job_id)
        return "lost"
    db.session.commit()
    return "done"


def _fail(job_id: int, worker_id: str, now: datetime, errors: list[list], total: int = 0) -> str:
    """Record that nothing was imported and why (the same line messages as the immediate import); commits."""
    table = ImportJob.__table__
    db.session.execute(
        update(table).where(table.c.id == job_id, table.c.status == "running", table.c.claimed_by == worker_id)
        .values(status="failed", raw=None, claimed_by=None, lease_until=None, finished_at=now, errors=errors,
                rows_total=total or table.c.rows_total))
    db.session.commit()
    return "failed"


class ProgressWriter:
    """The progress callback of a running job: writes rows done on its own connection, committed at once.

    About PROGRESS_WRITES writes per phase, however long the file; each extends the lease from the
    time elapsed, so a live job is never taken over. SQLite has a single writer: once the import's
    own transaction has started writing, a progress write would wait for it, so there it is skipped
    (busy timeout 0) and the page shows the last count until the end.
    """

    def __init__(self, job_id: int, worker_id: str, now: datetime, lease_seconds: int):
        self.job_id, self.worker_id, self.now, self.lease_seconds = job_id, worker_id, now, lease_seconds
        self.engine = db.engine
        self.connection = None
        self.busy_timeout = None
        self.started = time.monotonic()
        self.last: tuple[str | None, int] = (None, 0)

    def __call__(self, done: int, total: int, phase: str = "checked") -> None:
        last_phase, last_done = self.last
        step = max(1, total // PROGRESS_WRITES)
        if phase == last_phase and done != total and done // step == last_done // step:
            return
        self.last = (phase, done)
        table = ImportJob.__table__
        lease = self.now + timedelta(seconds=time.monotonic() - self.started + self.lease_seconds)
        statement = (update(table).where(table.c.id == self.job_id, table.c.status == "running",
                                         table.c.claimed_by == self.worker_id)
                     .values(rows_done=done, rows_total=total, phase=phase, lease_until=lease))
        connection = self._connection()
        try:
            with connection.begin():
                connection.execute(statement)
        except OperationalError:
            if self.engine.dialect.name != "sqlite":
                raise
            # "database is locked": the import is writing; the count waits for the next write or the end.

    def now_at_end(self) -> datetime:
        """The injected `now` moved on by the time the import took: when the job ended."""
        return self.now + timedelta(seconds=round(time.monotonic() - self.started))

    def _connection(self):
        if self.connection is None:
            self.connection = self.engine.connect()
            if self.engine.dialect.name == "sqlite":
                self.busy_timeout = self.connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
                self.connection.exec_driver_sql("PRAGMA busy_timeout = 0")
                self.connection.commit()
        return self.connection

    def close(self) -> None:
        """Give the connection back to the pool as it was found."""
        if self.connection is None:
            return
        if self.busy_timeout is not None:
            self.connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(self.busy_timeout)}")
            self.connection.commit()
        self.connection.close()
        self.connection = None
