"""APScheduler wiring: a thin driver whose jobs push an app context and call services (docs/architecture.md).

Production runs `flask --app wsgi engage scheduler` (a BlockingScheduler) as its own process; `make
run` runs one BackgroundScheduler inside the development server (`engage serve`). Any number of
scheduler processes is safe: every job claims its rows atomically.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import traceback

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from engage.clock import now_utc
from engage.dataprotection.services import retention_pass
from engage.extensions import db
from engage.importjobs.services import run_next_import
from engage.outbox.services import drain_outbox
from engage.reminders.digest import queue_morning_messages
from engage.reminders.milestones import queue_due_milestone_reminders
from engage.reminders import services as reminders

log = logging.getLogger(__name__)
_app = None
_stopping = threading.Event()  # set on SIGTERM: a long job stops after the batch in hand
REMINDER_BATCH = 500
WORKER_ID = f"scheduler:{socket.gethostname()}:{os.getpid()}"
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


def _run(job_name: str, work) -> None:
    """Run one job inside an app context, record the heartbeat, and never let an error kill the scheduler."""
    with _app.app_context():
        try:
            work()
        except Exception:  # a job must not take the scheduler down; the error is kept on the heartbeat
            db.session.rollback()
            error = traceback.format_exc(limit=5)
            log.exception("scheduler job %s failed", job_name)
            reminders.beat(WORKER_ID, now_utc(), job_name, error)
        else:
            reminders.beat(WORKER_ID, now_utc(), job_name)
        finally:
            db.session.remove()


def dispatch_outbox_job() -> None:
    """Send what is due in the outbox."""
    batch = int(_app.config.get("ENGAGE_OUTBOX_BATCH_SIZE") or 100)
    _run("dispatch_outbox", lambda: drain_outbox(now_utc(), _app.config, WORKER_ID, batch, stop=_stopping.is_set))


def queue_reminders_job() -> None:
    """Turn due meeting reminders into outbox messages (and mark the ones too late as missed), batch after
    batch; then the milestone reminders due."""
    lease = int(_app.config.get("ENGAGE_REMINDER_LEASE_SECONDS") or 300)

    def drain():
        # 10,000 due in one minute must not wait for twenty ticks of one batch each (bench/reminders.py).
        while not _stopping.is_set():
            done = reminders.queue_due_reminders(now_utc(), WORKER_ID, limit=REMINDER_BATCH, lease_seconds=lease)
            if done["claimed"] < REMINDER_BATCH:
                break
        # Milestone reminders to staff ride on the same job: a handful a month, claimed alike.
        if not _stopping.is_set():
            queue_due_milestone_reminders(now_utc(), WORKER_ID, lease_seconds=lease)

    _run("queue_reminders", drain)


def import_jobs_job() -> None:
    """Run queued CSV imports one after another, each as its uploader, all or nothing."""
    def drain():
        # A fresh `now` for each job: the one before may have taken minutes.
        while not _stopping.is_set() and run_next_import(now_utc(), _app.config, WORKER_ID) is not None:
            pass

    _run("import_jobs", drain)


def morning_job() -> None:
    """The daily digest and follow-up notices, once each per day after the configured hour."""
    _run("morning", lambda: queue_morning_messages(now_utc(), _app.config))


def retention_job() -> None:
    """Remove old message bodies and count contacts due for review (logs counts only)."""
    def work():
        retention_pass(now_utc())
        db.session.commit()
    _run("retention", work)


def build_scheduler(app, blocking: bool):
    """A scheduler with engage's interval jobs, not yet started."""
    global _app
    _app = app
    config = app.config
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(job_defaults=JOB_DEFAULTS, timezone="UTC")
    scheduler.add_job(dispatch_outbox_job, "interval", seconds=int(config.get("ENGAGE_DISPATCH_INTERVAL", 5)),
                      id="dispatch_outbox", next_run_time=now_utc())
    scheduler.add_job(queue_reminders_job, "interval", seconds=int(config.get("ENGAGE_REMINDER_INTERVAL", 15)),
                      id="queue_reminders", next_run_time=now_utc())
    scheduler.add_job(import_jobs_job, "interval", seconds=int(config["ENGAGE_IMPORT_INTERVAL"]),
                      id="import_jobs", next_run_time=now_utc())
    scheduler.add_job(morning_job, "interval", minutes=5, id="morning", next_run_time=now_utc())
    scheduler.add_job(retention_job, "interval", hours=24, id="retention", next_run_time=now_utc())
    return scheduler


def start_background(app):
    """Start one in-process scheduler (for `make run`); returns it."""
    scheduler = build_scheduler(app, blocking=False)
    scheduler.start()
    log.info("in-process scheduler started as %s", WORKER_ID)
    return scheduler


def run_blocking(app) -> None:
    """Run the scheduler in this process until SIGTERM or Ctrl-C, then stop cleanly."""
    scheduler = build_scheduler(app, blocking=True)

    stoppers: list[threading.Thread] = []

    def _stop(signum, _frame):
        log.info("scheduler %s stopping (signal %s)", WORKER_ID, signum)
        _stopping.set()
        if stoppers:
            return
        # Shut down from another thread, never inside the handler: the signal can land while the main
        # thread is in the scheduler's own job processing, and a shutdown there (re-entering its lock)
        # makes it look jobs up in stores it has just closed (JobLookupError, exit code 1). From a
        # thread, shutdown waits for that lock; the jobs running in worker threads finish first.
        stopper = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, name="scheduler-stop")
        stoppers.append(stopper)
        stopper.start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info("scheduler %s running", WORKER_ID)
    try:
        scheduler.start()
    finally:
        for stopper in stoppers:
            stopper.join()
        with app.app_context():
            reminders.stop_beating(WORKER_ID, now_utc())
        log.info("scheduler %s stopped", WORKER_ID)
