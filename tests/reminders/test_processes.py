"""`flask engage scheduler` as real processes: exactly once with two of them, nothing lost after SIGKILL."""
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from engage.clock import now_utc
from engage.directory.models import Contact
from engage.extensions import db
from engage.meetings import services as meetings
from engage.outbox.models import OutboxMessage
from engage.reminders.models import Reminder, SchedulerHeartbeat
from engage.members import services as members
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _book(n, starts_in, prefix):
    """A meeting with n contacts starting `starts_in` from now, booked 2 hours ago with a 1-hour reminder."""
    now = now_utc()
    booked = now - timedelta(hours=2)
    home = members.secretariat_id()  # rows inserted as a batch get no member from the flush listener
    db.session.execute(insert(Contact), [
        {"full_name": f"{prefix} {i}", "email": f"{prefix}{i}@example.org", "language": "en", "is_archived": False,
         "created_at": booked, "updated_at": booked, "member_id": home} for i in range(n)])
    ids = db.session.scalars(select(Contact.id).where(Contact.email.like(f"{prefix}%"))).all()
    organiser = factories.make_user()
    starts = now + starts_in
    change = meetings.schedule_meeting(organiser, booked, {
        "title": f"{prefix} briefing", "starts_at": starts, "ends_at": starts + timedelta(hours=1),
        "timezone": "Africa/Nairobi", "location": "Nairobi", "organiser_id": organiser.id, "notify": False,
        "attendees": [{"contact_id": i, "role": "required"} for i in ids], "reminder_offsets": [60],
        "allow_conflicts": True})
    db.session.commit()
    return change.meeting


def _scheduler(app, smtp_server, **env):
    environment = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], MAIL_SERVER="127.0.0.1",
                       MAIL_PORT=str(smtp_server.port), MAIL_TIMEOUT="5", MAIL_DEFAULT_SENDER="engage@example.org",
                       SECRET_KEY="test-only", ENGAGE_ENV="development", ENGAGE_DISPATCH_INTERVAL="1",
                       ENGAGE_REMINDER_INTERVAL="1", ENGAGE_DIGEST_AT="23:59",
                       **{k: str(v) for k, v in env.items()})
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "engage", "scheduler"], cwd=ROOT,
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _reminders_received(smtp_server):
    return [m for m in smtp_server.messages if m.message["Subject"].startswith("Reminder")]


def _wait(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what} after {timeout} s")


def _settled():
    db.session.expire_all()
    open_reminders = db.session.scalar(select(func.count()).select_from(Reminder)
                                       .where(Reminder.status.in_(("pending", "claimed"))))
    unsent = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                               .where(OutboxMessage.status.in_(("pending", "sending"))))
    db.session.rollback()
    return open_reminders == 0 and unsent == 0


def _stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        out, err = process.communicate(timeout=120)  # a batch in hand finishes first; slow under load
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail("the scheduler did not stop on SIGTERM")
    return process.returncode, err.decode()


# Two schedulers race over the same due reminders and the outbox they fill. What is proven is that
# a claim (one UPDATE per batch, SKIP LOCKED on PostgreSQL) never hands a row to both, and a few
# hundred rows prove it as well as the thousand this test used to send, in a third of the time;
# outbox batches of 50 keep the two dispatchers taking turns over several batches.
REMINDERS = 300


def test_two_schedulers_on_postgresql_send_each_reminder_once(app, backend, smtp_server):
    if backend != "postgresql":
        pytest.skip("two schedulers are the PostgreSQL set-up (ENGAGE_TEST_DATABASE_URL)")
    _book(REMINDERS // 2, timedelta(minutes=30), "alpha")
    _book(REMINDERS // 2, timedelta(minutes=40), "beta")
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == REMINDERS
    db.session.close()
    first, second = [_scheduler(app, smtp_server, ENGAGE_OUTBOX_BATCH_SIZE=50) for _ in range(2)]
    try:
        _wait(lambda: len(_reminders_received(smtp_server)) >= REMINDERS, 240, f"{REMINDERS} reminders")
        _wait(_settled, 60, "the queues to empty")
    finally:
        codes = [_stop(first), _stop(second)]
    assert [c for c, _ in codes] == [0, 0], codes
    received = Counter(m.rcpt_tos[0] for m in _reminders_received(smtp_server))
    assert len(received) == REMINDERS and set(received.values()) == {1}
    db.session.expire_all()
    beats = db.session.scalars(select(SchedulerHeartbeat)).all()
    assert len(beats) == 2 and all(b.stopped_at is not None for b in beats)


def test_a_killed_scheduler_loses_nothing_and_catches_up_after_downtime(app, smtp_server):
    _book(120, timedelta(minutes=30), "gamma")
    started_id = _book(5, timedelta(minutes=-10), "late").id  # its reminder came due while nobody ran: missed
    db.session.close()
    smtp_server.delay = 0.03
    leases = {"ENGAGE_OUTBOX_LEASE_SECONDS": 3, "ENGAGE_REMINDER_LEASE_SECONDS": 3}
    process = _scheduler(app, smtp_server, **leases)
    try:
        _wait(lambda: len(_reminders_received(smtp_server)) >= 20, 120, "the first reminders")
    finally:
        process.kill()
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    before = len(_reminders_received(smtp_server))
    assert before < 120, "the kill came too late to be mid-batch"
    smtp_server.delay = 0
    restarted = _scheduler(app, smtp_server, **leases)
    try:
        _wait(lambda: len({m.rcpt_tos[0] for m in _reminders_received(smtp_server)}) >= 120, 120,
              "every reminder after the restart")
        _wait(_settled, 60, "the queues to empty")
    finally:
        code, err = _stop(restarted)
    assert code == 0, err[-2000:]
    received = Counter(m.rcpt_tos[0] for m in _reminders_received(smtp_server))
    assert set(received) == {f"gamma{i}@example.org" for i in range(120)}
    twice = [r for r, n in received.items() if n > 1]
    assert len(twice) <= 1  # at most the one in flight at the kill, and then with the same Message-ID
    for recipient in twice:
        assert len({m.message_id for m in _reminders_received(smtp_server) if recipient in m.rcpt_tos}) == 1
    db.session.expire_all()
    statuses = Counter(r.status for r in db.session.scalars(select(Reminder).where(Reminder.meeting_id == started_id)))
    assert statuses == {"missed": 5}
