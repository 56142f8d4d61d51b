"""A contact marked "do not contact" gets no invitation, update, cancellation or reminder; each refusal is kept and shown."""
from datetime import timedelta

from sqlalchemy import select

from engage.dataprotection.models import SendRefusal
from engage.directory import services as directory
from engage.extensions import db
from engage.meetings import services as meetings
from engage.outbox.models import OutboxMessage
from engage.reminders.models import Reminder
from engage.reminders.services import queue_due_reminders
from tests import factories
from tests.conftest import NOW


def _object(contact):
    directory.update_contact(None, NOW, contact, {"do_not_contact": True, "do_not_contact_reason": "Objected"})
    db.session.commit()


def _outbox():
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _refusals():
    return db.session.scalars(select(SendRefusal).order_by(SendRefusal.id)).all()


def test_no_invitation_update_cancellation_or_reminder_reaches_them(app):
    objector = factories.make_contact(full_name="Grace Njeri", email="grace@example.org")
    willing = factories.make_contact(full_name="Tom Mboya", email="tom@example.org")
    _object(objector)
    meeting = factories.make_meeting(contacts=[objector, willing], now=NOW)
    assert [m.recipient for m in _outbox()] == ["tom@example.org"]
    assert [(r.contact_id, r.kind, r.reason) for r in _refusals()] == [(objector.id, "invitation", "do_not_contact")]

    meetings.update_meeting(meeting.organiser, NOW, meeting, {"starts_at": meeting.starts_at + timedelta(hours=1),
                                                              "ends_at": meeting.ends_at + timedelta(hours=1)})
    db.session.commit()
    assert {m.recipient for m in _outbox()} == {"tom@example.org"}
    assert [r.kind for r in _refusals()] == ["invitation", "update"]

    # Reminders come due: the objector's is refused, not queued.
    due = meeting.starts_at - timedelta(minutes=60)
    result = queue_due_reminders(due, "test-worker")
    assert result["claimed"] >= 2
    reminders = {r.attendee.contact_id: r for r in db.session.scalars(
        select(Reminder).where(Reminder.offset_minutes == 60))}
    assert reminders[objector.id].status == "cancelled" and "do not contact" in reminders[objector.id].note
    assert reminders[objector.id].outbox_message_id is None
    assert reminders[willing.id].status == "sent"
    assert not [m for m in _outbox() if m.recipient == "grace@example.org"]
    assert _refusals()[-1].kind == "reminder"

    meetings.cancel_meeting(meeting.organiser, due, meeting, "Postponed")
    db.session.commit()
    assert not [m for m in _outbox() if m.recipient == "grace@example.org"]
    assert [m.kind for m in _outbox()].count("cancellation") == 1
    assert _refusals()[-1].kind == "cancellation"


def test_messages_queued_before_the_objection_are_withheld(app):
    contact = factories.make_contact(full_name="Grace Njeri", email="grace@example.org")
    factories.make_meeting(contacts=[contact], now=NOW)
    [message] = _outbox()
    assert message.status == "pending"
    _object(contact)
    db.session.refresh(message)
    assert message.status == "withheld" and "do not contact" in message.last_error
    assert [(r.kind, r.outbox_message_id) for r in _refusals()] == [("invitation", message.id)]


def test_the_meeting_page_shows_the_refusal(app, staff_client):
    objector = factories.make_contact(full_name="Grace Njeri", email="grace@example.org")
    _object(objector)
    meeting = factories.make_meeting(contacts=[objector], now=NOW)
    page = staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'id="send-refusals"' in page
    assert "Do not contact" in page and "invitation to Grace Njeri refused" in page
