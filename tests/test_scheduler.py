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


def test_milestone_reminders_arrive_once_and_on_time_through_the_scheduler(app, smtp_server):
    """As the meeting reminders above: the scheduler's own jobs on a pinned clock, on each database; the
    mail goes out through the outbox to a real SMTP server."""
    from engage.cycles import services as cycles

    factories.make_user(email="wanjiku@example.org", full_name="Wanjiku Njeri")
    factories.make_user(role="lead", email="lead@example.org")
    planned = datetime(2027, 1, 2, 9, 0, tzinfo=UTC)
    cycles.create_cycle(None, planned, {"number": 5, "window_starts_on": "2026-01-01", "milestones": [
        {"kind": "wg_review", "due_on": "2027-01-15", "reminder_days": [7]}]})
    db.session.commit()
    app.config.update(smtp_server.config(MAIL_DEFAULT_SENDER="engage@example.org"))
    scheduler.build_scheduler(app, blocking=False)  # binds the app; never started
    due = datetime(2027, 1, 8, 4, 0, tzinfo=UTC)  # 07:00 in Nairobi, 7 days before the review

    def tick(at):
        with time_machine.travel(at, tick=False):
            scheduler.queue_reminders_job()
            scheduler.dispatch_outbox_job()
        return sorted(m.rcpt_tos[0] for m in smtp_server.messages)

    assert tick(due - timedelta(seconds=1)) == []  # not early
    assert tick(due) == ["lead@example.org", "wanjiku@example.org"]  # on time, to each staff member
    subjects = {m.message["Subject"] for m in smtp_server.messages}
    assert subjects == {"Cycle 5: Working Group review in 7 days (15 Jan 2027)"}
    assert tick(due + timedelta(minutes=1)) == ["lead@example.org", "wanjiku@example.org"]  # once
    assert tick(due + timedelta(days=1)) == ["lead@example.org", "wanjiku@example.org"]
