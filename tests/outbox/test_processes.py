"""`flask engage dispatch` as real processes: killed mid-batch, and two at once on PostgreSQL."""
import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.outbox.models import OutboxMessage
from tests.outbox.mail import queue_many

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _rows():
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _dispatcher(app, smtp_server, now, *args):
    """Start `flask --app wsgi engage dispatch --once` against the test database and SMTP server."""
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], MAIL_SERVER="127.0.0.1",
               MAIL_PORT=str(smtp_server.port), MAIL_TIMEOUT="5", MAIL_DEFAULT_SENDER="engage@example.org",
               SECRET_KEY="test-only", ENGAGE_ENV="development", ENGAGE_RUN_SCHEDULER="0")
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "engage", "dispatch", "--once",
               "--now", now.isoformat(), *args]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(process, timeout=60):
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"the dispatcher did not finish within {timeout} s: {err.decode()[-2000:]}")
    assert process.returncode == 0, err.decode()[-2000:]
    return out.decode()


def test_a_dispatcher_killed_mid_batch_loses_nothing_and_resends_at_most_the_in_flight_one(app, now, smtp_server):
    recipients = queue_many(60)
    message_ids = {r.recipient: r.message_id for r in _rows()}
    db.session.close()
    smtp_server.delay = 0.05  # slow enough that the kill lands mid-batch
    process = _dispatcher(app, smtp_server, now, "--batch", "100")
    try:
        assert smtp_server.wait_for(10, timeout=60), "the dispatcher never got going"
    finally:
        process.kill()  # SIGKILL: no chance to tidy up
        process.communicate(timeout=30)
    assert process.returncode == -9
    before_restart = smtp_server.count()
    assert before_restart < 60, "the kill came too late to be mid-batch"
    rows = _rows()
    assert Counter(r.status for r in rows)["sending"] >= 60 - before_restart - 1
    db.session.close()

    smtp_server.delay = 0
    # Restarted while the dead process's lease still runs: its claims are left alone.
    _finish(_dispatcher(app, smtp_server, now + timedelta(seconds=60)))
    assert smtp_server.count() == before_restart
    # Past the lease: everything it had claimed goes out.
    _finish(_dispatcher(app, smtp_server, now + timedelta(seconds=601)))

    received = Counter(smtp_server.recipients())
    assert set(received) == set(recipients), "a message was lost"
    twice = [r for r, n in received.items() if n > 1]
    assert len(twice) <= 1 and max(received.values()) <= 2
    for recipient in twice:
        ids = {m.message_id for m in smtp_server.messages if recipient in m.rcpt_tos}
        assert ids == {message_ids[recipient]}
    assert {r.status for r in _rows()} == {"sent"}


def test_two_dispatchers_at_once_on_postgresql_never_send_a_message_twice(app, now, smtp_server, backend):
    if backend != "postgresql":
        pytest.skip("two dispatcher processes at once need PostgreSQL: set ENGAGE_TEST_DATABASE_URL "
                    "(on SQLite one dispatcher is the supported set-up)")
    recipients = queue_many(300)
    db.session.close()
    smtp_server.hold_until_sessions = 2  # neither sends its first message until both are sending
    processes = [_dispatcher(app, smtp_server, now, "--batch", "20") for _ in range(2)]
    for process in processes:
        _finish(process)
    received = Counter(smtp_server.recipients())
    assert received == Counter(recipients)
    rows = _rows()
    assert {r.status for r in rows} == {"sent"}
    assert len({r.claimed_by for r in rows}) == 2, "the two dispatchers did not both work"


def test_dispatch_without_a_mail_server_keeps_messages_as_not_sent(app, now, runner):
    queue_many(2)
    result = runner.invoke(args=["engage", "dispatch", "--once", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    assert "MAIL_SERVER is not set" in result.output
    assert {(r.status, r.last_error) for r in _rows()} == {("not_sent", "no mail server configured")}


def test_dispatch_refuses_a_now_without_an_offset(app, runner):
    result = runner.invoke(args=["engage", "dispatch", "--once", "--now", "2026-11-28T09:00:00"])
    assert result.exit_code == 1
    assert "--now needs an offset" in result.output
