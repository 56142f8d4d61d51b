"""The scheduler's jobs as the scheduler process calls them (the processes themselves: tests/reminders)."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from engage import scheduler
from engage.extensions import db
from engage.outbox.models import OutboxMessage
from engage.reminders import services as reminders
from engage.reminders.models import Reminder
from tests import factories

BOOKED = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
STARTS = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def job(app, monkeypatch):
    """The reminder job bound to this app, with batches of 3 instead of 500."""
    contacts = [factories.make_contact(email=f"delegate{i}@mission.example") for i in range(7)]
    factories.make_meeting(contacts=contacts, starts_at=STARTS, now=BOOKED)
    monkeypatch.setattr(scheduler, "REMINDER_BATCH", 3)
    scheduler.build_scheduler(app, blocking=False)  # binds the app; never started
    yield scheduler.queue_reminders_job
    scheduler._stopping.clear()


def _reminder_messages() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "reminder"))


def _still_due(at) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Reminder).where(
        Reminder.due_at <= at, Reminder.status.in_(("pending", "claimed"))))


def test_one_run_queues_every_due_reminder_however_many_batches_that_takes(job):
    at = STARTS - timedelta(hours=24)
    with time_machine.travel(at, tick=False):
        job()
    assert _still_due(at) == 0
    assert _reminder_messages() == 7  # seven delegates (the organiser is not an attendee here)


def test_a_stopping_scheduler_finishes_the_batch_in_hand_and_leaves_the_rest(job, monkeypatch):
    original = reminders.queue_due_reminders

    def then_sigterm(*args, **kwargs):
        done = original(*args, **kwargs)
        scheduler._stopping.set()  # what the SIGTERM handler does
        return done

    monkeypatch.setattr(reminders, "queue_due_reminders", then_sigterm)
    at = STARTS - timedelta(hours=24)
    with time_machine.travel(at, tick=False):
        job()
    assert _reminder_messages() == 3
    assert _still_due(at) == 4  # still pending, for the next scheduler to send


def test_one_run_of_the_import_job_imports_every_queued_file(app):
    from engage.directory.models import Contact
    from engage.importjobs import services as import_jobs
    from engage.importjobs.models import ImportJob

    importer = factories.make_user(role="staff", email="importer@example.org")
    for n in range(2):
        import_jobs.queue_import(importer, BOOKED, "contacts", f"{n}.csv",
                                 f"full_name,email\nPerson {n},person{n}@example.org\n".encode())
    db.session.commit()
    built = scheduler.build_scheduler(app, blocking=False)  # binds the app; never started
    assert "import_jobs" in {j.id for j in built.get_jobs()}
    with time_machine.travel(BOOKED, tick=False):
        scheduler.import_jobs_job()
    assert sorted(db.session.scalars(select(ImportJob.status))) == ["done", "done"]
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 2
