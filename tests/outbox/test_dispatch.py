"""The dispatcher against a real SMTP server on loopback: delivery, refusals, outages, retries, hangs."""
import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.outbox import services
from engage.outbox.models import OutboxMessage
from tests.outbox.mail import queue_many, queue_simple, simple_message


def _rows():
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _statuses():
    return Counter(r.status for r in _rows())


def test_a_batch_arrives_byte_for_byte_with_its_message_ids(app, now, smtp_server):
    recipients = queue_many(5)
    queued = {r.recipient: (r.raw, r.message_id) for r in _rows()}
    result = services.dispatch_outbox(now, smtp_server.config(MAIL_DEFAULT_SENDER="Engage <engage@example.org>"),
                                      "w", 10)
    assert (result.claimed, result.sent) == (5, 5)
    assert sorted(smtp_server.recipients()) == recipients
    for received in smtp_server.messages:
        [to] = received.rcpt_tos
        assert received.raw == queued[to][0]
        assert received.message_id == queued[to][1]
        assert received.mail_from == "engage@example.org"
        assert received.message["To"] == to
    rows = _rows()
    assert {(r.status, r.sent_at, r.attempts) for r in rows} == {("sent", now, 1)}


def test_a_sent_message_is_never_sent_again(app, now, smtp_server):
    queue_many(3)
    services.drain_outbox(now, smtp_server.config(), "w", 10)
    services.drain_outbox(now + timedelta(hours=1), smtp_server.config(), "w", 10)
    assert smtp_server.count() == 3


def test_the_envelope_sender_falls_back_to_the_from_header(app, now, smtp_server):
    queue_many(1)
    services.dispatch_outbox(now, smtp_server.config(MAIL_DEFAULT_SENDER=None), "w", 10)
    assert smtp_server.messages[0].mail_from == "organiser@engage.test"


def test_server_down_while_200_are_queued_then_back_every_recipient_gets_exactly_one(app, now, smtp_server):
    smtp_server.stop()
    recipients = queue_many(200)
    config = smtp_server.config()
    result = services.drain_outbox(now, config, "w", 50)
    assert result.retrying == 200 and smtp_server.count() == 0
    rows = _rows()
    assert {r.status for r in rows} == {"pending"}
    assert all("Connection refused" in r.last_error or "connect" in r.last_error for r in rows)
    assert all(r.next_attempt_at > now for r in rows)

    smtp_server.start()
    later = now + timedelta(hours=1)  # past every first backoff (at most 30 s)
    result = services.drain_outbox(later, config, "w", 50)
    assert result.sent == 200
    assert smtp_server.wait_for(200)
    assert Counter(smtp_server.recipients()) == Counter(recipients)
    assert _statuses() == {"sent": 200}


def test_one_refused_recipient_fails_with_the_reason_and_the_rest_are_sent(app, now, smtp_server):
    recipients = queue_many(10)
    smtp_server.refuse(recipients[3], "550 5.1.1 <%s>: Recipient address rejected: User unknown" % recipients[3])
    result = services.dispatch_outbox(now, smtp_server.config(), "w", 50)
    assert (result.sent, result.failed) == (9, 1)
    by_recipient = {r.recipient: r for r in _rows()}
    refused = by_recipient[recipients[3]]
    assert refused.status == "failed" and refused.attempts == 1
    assert "550" in refused.last_error and "User unknown" in refused.last_error
    assert sorted(smtp_server.recipients()) == sorted(set(recipients) - {recipients[3]})
    assert all(r.status == "sent" for k, r in by_recipient.items() if k != recipients[3])


def test_an_internationalised_domain_goes_out_in_ascii_and_an_accented_mailbox_fails_alone(app, now, smtp_server):
    for n, recipient in enumerate(("delegue@mission-genève.example", "zoë@mission.example", "plain@mission.example")):
        raw, message_id = simple_message(f"someone{n}@example.org", n)
        services.queue_message(now, "invitation", recipient, "Meeting", raw, f"test:{n}", message_id)
    db.session.commit()
    result = services.dispatch_outbox(now, smtp_server.config(), "w", 10)
    assert (result.sent, result.failed) == (2, 1)
    assert sorted(smtp_server.recipients()) == ["delegue@xn--mission-genve-6gb.example", "plain@mission.example"]
    refused = {r.recipient: r for r in _rows()}["zoë@mission.example"]
    assert refused.status == "failed" and "SMTPUTF8" in refused.last_error


def test_a_temporary_refusal_is_retried_later_with_growing_backoff_then_fails(app, now, smtp_server):
    queue_many(1)
    smtp_server.temporary_failure = "451 4.3.0 Mail server temporarily rejected message"
    config = smtp_server.config(ENGAGE_OUTBOX_MAX_ATTEMPTS=4)
    at, delays = now, []
    for attempt in range(1, 4):
        result = services.dispatch_outbox(at, config, "w", 10, rng=random.Random(attempt))
        assert result.retrying == 1
        [row] = _rows()
        assert (row.status, row.attempts) == ("pending", attempt)
        assert "451" in row.last_error
        assert services.dispatch_outbox(row.next_attempt_at - timedelta(seconds=1), config, "w", 10).claimed == 0
        delays.append((row.next_attempt_at - at).total_seconds())
        at = row.next_attempt_at
    assert 15 <= delays[0] <= 30 and 30 <= delays[1] <= 60 and 60 <= delays[2] <= 120
    assert delays[0] < delays[1] < delays[2]
    result = services.dispatch_outbox(at, config, "w", 10)
    [row] = _rows()
    assert result.failed == 1 and row.status == "failed" and row.attempts == 4
    assert "gave up after 4 attempts" in row.last_error and "451" in row.last_error
    assert smtp_server.count() == 0


def test_a_failed_message_resent_by_an_admin_goes_out_with_the_same_message_id(app, now, smtp_server):
    row = queue_simple("ana@example.org")
    db.session.commit()
    smtp_server.refuse("ana@example.org")
    services.dispatch_outbox(now, smtp_server.config(), "w", 10)
    assert _rows()[0].status == "failed"
    smtp_server.refused.clear()
    services.resend_message(None, now, _rows()[0])
    db.session.commit()
    services.dispatch_outbox(now, smtp_server.config(), "w", 10)
    assert _rows()[0].status == "sent"
    assert [m.message_id for m in smtp_server.messages] == [row.message_id]


def test_not_sent_messages_go_out_once_a_mail_server_is_configured(app, now, smtp_server):
    recipients = queue_many(4)
    services.dispatch_outbox(now, {"MAIL_SERVER": None}, "w", 10)
    assert _statuses() == {"not_sent": 4}
    result = services.drain_outbox(now + timedelta(minutes=5), smtp_server.config(), "w", 10)
    assert (result.released, result.sent) == (4, 4)
    assert sorted(smtp_server.recipients()) == recipients
    assert _statuses() == {"sent": 4}


def test_a_superseded_revision_is_never_sent(app, now, smtp_server):
    key = "meeting:3:ana@example.org"
    queue_simple("ana@example.org", 1, supersede_key=key, subject="Invitation")
    queue_simple("ana@example.org", 2, supersede_key=key, subject="Updated invitation")
    db.session.commit()
    services.drain_outbox(now, smtp_server.config(), "w", 10)
    assert [m.message["Subject"] for m in smtp_server.messages] == ["Updated invitation"]
    assert [r.status for r in _rows()] == ["superseded", "sent"]


def test_a_hung_server_does_not_hang_the_dispatcher(app, now, hung_smtp_server):
    queue_many(3)
    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": hung_smtp_server.port, "MAIL_TIMEOUT": 1}
    outcome = {}

    def run():
        with app.app_context():
            outcome["result"] = services.dispatch_outbox(now, config, "w", 10)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=20)  # bounded: the test fails rather than hangs
    assert not worker.is_alive(), "the dispatcher hung on a silent SMTP server"
    assert outcome["result"].retrying == 3
    rows = _rows()
    assert {r.status for r in rows} == {"pending"}
    assert all("timed out" in r.last_error for r in rows), [r.last_error for r in rows]
    assert all(r.next_attempt_at > now and r.lease_until is None for r in rows)


def test_a_stop_request_hands_unsent_claims_back_without_counting_an_attempt(app, now, smtp_server):
    queue_many(5)
    asked = []
    result = services.dispatch_outbox(now, smtp_server.config(), "w", 10, stop=lambda: len(asked.append(1) or asked) > 2)
    assert (result.sent, result.returned) == (2, 3)
    rows = _rows()
    assert Counter((r.status, r.attempts) for r in rows) == {("sent", 1): 2, ("pending", 0): 3}
    assert all(r.lease_until is None for r in rows if r.status == "pending")


def test_when_recording_an_outcome_fails_no_further_message_is_delivered(app, now, smtp_server, monkeypatch):
    from engage.outbox.services import _OutcomeWriter

    queue_many(5)
    real_write, calls = _OutcomeWriter._write, []

    def failing_write(self, values):
        calls.append(values["b_id"])
        if len(calls) == 2:
            raise RuntimeError("database went away")
        real_write(self, values)

    monkeypatch.setattr(_OutcomeWriter, "_write", failing_write)
    with pytest.raises(RuntimeError, match="database went away"):
        services.dispatch_outbox(now, smtp_server.config(), "w", 10)
    # Message 2 was delivered but not recorded: it is the one in flight. Message 3 never got DATA.
    assert smtp_server.count() == 2
    assert Counter(r.status for r in _rows()) == {"sent": 1, "sending": 4}
    monkeypatch.undo()
    result = services.drain_outbox(now + timedelta(minutes=11), smtp_server.config(), "w", 10)
    assert result.sent == 4 and Counter(smtp_server.recipients())["attendee0001@example.org"] == 2
    assert _statuses() == {"sent": 5}


def test_lines_starting_with_a_dot_arrive_unchanged(app, now, smtp_server):
    raw = (b"From: organiser@engage.test\r\nTo: ana@example.org\r\nSubject: Dots\r\n"
           b"Message-ID: <dots@engage.test>\r\n\r\n.\r\n..two\r\n. one\r\nend\r\n")
    services.queue_message(now, "digest", "ana@example.org", "Dots", raw, "dots", "<dots@engage.test>")
    db.session.commit()
    services.dispatch_outbox(now, smtp_server.config(), "w", 10)
    assert [m.raw for m in smtp_server.messages] == [raw]
