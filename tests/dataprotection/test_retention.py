"""Retention with an injected clock: old message bodies go (metadata stays); inactive contacts are listed for review."""
import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from engage import scheduler
from engage.dataprotection import services
from engage.extensions import db
from engage.outbox.models import OutboxMessage
from engage.outbox.services import resend_message
from tests import factories
from tests.conftest import NOW
from tests.dataprotection.conftest import EMAIL


def _messages(contacts):
    factories.make_meeting(contacts=contacts, now=NOW)
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_bodies_of_messages_sent_long_ago_are_removed_and_metadata_kept(app, amina):
    other = factories.make_contact(full_name="Peter Otieno", email="peter@example.org")
    third = factories.make_contact(full_name="Faith Chebet", email="faith@example.org")
    old, recent, failed = _messages([amina, other, third])
    old.status, old.sent_at = "sent", NOW - timedelta(days=91)
    recent.status, recent.sent_at = "sent", NOW - timedelta(days=89)
    failed.status, failed.created_at = "failed", NOW - timedelta(days=200)
    db.session.commit()
    subject, message_id = old.subject, old.message_id

    assert services.purge_sent_message_bodies(NOW) == 1
    db.session.commit()
    db.session.expire_all()
    assert old.raw == b"" and old.subject == subject and old.recipient == EMAIL
    assert old.sent_at == NOW - timedelta(days=91) and old.message_id == message_id and old.status == "sent"
    assert recent.raw and failed.raw  # too recent; and a failed one may still be resent, so it keeps its bytes
    resend_message(None, NOW, failed)
    assert services.purge_sent_message_bodies(NOW) == 0  # nothing left to remove: the job is idempotent


def test_the_number_of_days_is_configurable(app, amina):
    [message] = _messages([amina])
    message.status, message.sent_at = "sent", NOW - timedelta(days=31)
    db.session.commit()
    assert services.purge_sent_message_bodies(NOW) == 0
    app.config["ENGAGE_RETENTION_MESSAGE_DAYS"] = 30
    assert services.purge_sent_message_bodies(NOW) == 1


def test_contacts_without_activity_are_listed_for_review(app, amina):
    quiet = factories.make_contact(full_name="Quiet Person", email="quiet@example.org")
    factories.make_meeting(contacts=[amina], starts_at=NOW + timedelta(days=30), now=NOW)
    later = NOW + relativedelta(months=24) + timedelta(days=1)
    due = services.contacts_due_for_review(later)
    assert [(c.id, last) for c, last in due] == [(quiet.id, NOW)]  # amina met 30 days after: not yet
    assert [c.id for c, _ in services.contacts_due_for_review(later + timedelta(days=30))] == [quiet.id, amina.id]  # longest quiet first
    assert services.contacts_due_for_review(later, months=36) == []


def test_the_daily_job_logs_counts_only(app, amina, caplog, monkeypatch):
    [message] = _messages([amina])
    message.status, message.sent_at = "sent", NOW - timedelta(days=100)
    db.session.commit()
    built = scheduler.build_scheduler(app, blocking=False)
    assert built.get_job("retention") is not None
    monkeypatch.setattr(scheduler, "now_utc", lambda: NOW + relativedelta(months=25))
    with caplog.at_level(logging.INFO, logger="engage.dataprotection.services"):
        scheduler.retention_job()
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).raw == b""
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("retention:"))
    assert line == "retention: 1 message bodies removed, 1 contacts due for review"
    assert EMAIL not in caplog.text and "Amina" not in caplog.text


def test_the_outbox_page_says_the_body_was_removed(app, admin_client, amina):
    [message] = _messages([amina])
    message.status, message.sent_at = "sent", NOW - timedelta(days=100)
    db.session.commit()
    services.purge_sent_message_bodies(NOW)
    db.session.commit()
    page = admin_client.get(f"/admin/outbox/{message.id}")
    assert page.status_code == 200 and "The stored message was removed" in page.get_data(as_text=True)


def test_the_command_runs_the_pass(app, runner, amina):
    [message] = _messages([amina])
    message.status, message.sent_at = "sent", NOW - timedelta(days=100)
    db.session.commit()
    result = runner.invoke(args=["engage", "retention", "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 message bodies removed; 0 contacts due for review" in result.output
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).raw == b""
