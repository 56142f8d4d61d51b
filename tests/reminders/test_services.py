"""Reminder rows: planned with the meeting, moved, cancelled, claimed once, sent or missed — with injected time."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.meetings import services as meetings
from engage.outbox.models import OutboxMessage
from engage.outbox.services import drain_outbox
from engage.reminders import services
from engage.reminders.models import Reminder
from tests import factories
from tests.ical_readers import read_with_vobject

BOOKED = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
STARTS = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)  # Wed 10 Mar 2027, 10:00 Geneva (CET)


def _rows(meeting):
    db.session.expire_all()
    return {(r.attendee.email, r.offset_minutes): r for r in db.session.scalars(
        select(Reminder).where(Reminder.meeting_id == meeting.id))}


@pytest.fixture
def meeting(app):
    a = factories.make_contact(email="kofi@example.org", full_name="Kofi Mensah")
    b = factories.make_contact(email="ama@example.org", full_name="Ama Owusu")
    colleague = factories.make_user(email="colleague@example.org")
    return factories.make_meeting(contacts=[a, b], staff=[colleague], starts_at=STARTS, now=BOOKED)


def test_booking_plans_24h_and_1h_reminders_for_every_attendee(meeting):
    rows = _rows(meeting)
    assert set(rows) == {(e, o) for e in ("kofi@example.org", "ama@example.org", "colleague@example.org")
                         for o in (1440, 60)}
    assert rows[("kofi@example.org", 1440)].due_at == STARTS - timedelta(hours=24)
    assert rows[("kofi@example.org", 60)].due_at == STARTS - timedelta(hours=1)
    assert {r.status for r in rows.values()} == {"pending"}


def test_nothing_is_due_before_its_time_and_each_is_queued_once(meeting):
    before = STARTS - timedelta(hours=24, seconds=1)
    assert services.queue_due_reminders(before, "w1")["queued"] == 0
    at = STARTS - timedelta(hours=24)
    assert services.queue_due_reminders(at, "w1")["queued"] == 3
    assert services.queue_due_reminders(at + timedelta(seconds=30), "w2")["queued"] == 0
    reminders = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")).all()
    assert sorted(m.recipient for m in reminders) == ["ama@example.org", "colleague@example.org", "kofi@example.org"]
    assert {r.status for (e, o), r in _rows(meeting).items() if o == 1440} == {"sent"}


def test_reminder_message_carries_the_current_request_and_times(app, meeting, smtp_server):
    meetings.update_meeting(meeting.organiser, BOOKED, meeting, {"location": "Room 7, Palais Wilson"})
    db.session.commit()
    services.queue_due_reminders(STARTS - timedelta(minutes=60), "w1")
    config = {**app.config, **smtp_server.config()}
    drain_outbox(STARTS - timedelta(minutes=60), config, "w1")
    reminder = [m.message for m in smtp_server.messages if m.message["Subject"].startswith("Reminder")
                and "kofi@example.org" in m.rcpt_tos][0]
    text = reminder.get_body(("plain",)).get_content()
    assert "A reminder of the meeting in 1 hour." in text and "Room 7, Palais Wilson" in text
    assert len([m for m in smtp_server.messages if "kofi@example.org" in m.rcpt_tos
                and m.message["Subject"].startswith("Reminder")]) == 1
    assert "10:00 Geneva (CET)" in text and "12:00 Nairobi (EAT)" in text
    calendar = [p for p in reminder.walk() if p.get_content_type() == "text/calendar"][0]
    event = read_with_vobject(calendar.get_payload(decode=True))[0]
    assert event["sequence"] == meeting.sequence and event["start_utc"] == STARTS


def test_reschedule_forward_moves_pending_and_re_arms_sent_ones(meeting):
    services.queue_due_reminders(STARTS - timedelta(hours=24), "w1")  # the 24 h ones are sent
    now = STARTS - timedelta(hours=20)
    later = STARTS + timedelta(days=2)
    meetings.update_meeting(meeting.organiser, now, meeting, {"starts_at": later, "ends_at": later + timedelta(hours=1)})
    rows = _rows(meeting)
    assert rows[("kofi@example.org", 60)].due_at == later - timedelta(hours=1)
    assert rows[("kofi@example.org", 1440)].status == "pending"
    assert rows[("kofi@example.org", 1440)].due_at == later - timedelta(hours=24)


def test_reschedule_backward_past_a_due_time_does_not_send_it_late(meeting):
    now = STARTS - timedelta(hours=30)
    sooner = now + timedelta(hours=3)  # the new 24 h mark is already behind us
    meetings.update_meeting(meeting.organiser, now, meeting, {"starts_at": sooner, "ends_at": sooner + timedelta(hours=1)})
    rows = _rows(meeting)
    assert rows[("kofi@example.org", 1440)].status == "cancelled"
    assert rows[("kofi@example.org", 60)].due_at == sooner - timedelta(hours=1)
    assert services.queue_due_reminders(now + timedelta(minutes=1), "w1")["queued"] == 0


def test_cancel_drops_pending_reminders(meeting):
    meetings.cancel_meeting(meeting.organiser, BOOKED, meeting)
    assert {r.status for r in _rows(meeting).values()} == {"cancelled"}
    assert services.queue_due_reminders(STARTS - timedelta(minutes=30), "w1")["queued"] == 0


def test_declined_attendee_gets_none_and_accepting_again_restores_them(meeting):
    kofi = next(a for a in meeting.attendees if a.email == "kofi@example.org")
    meetings.record_response(None, BOOKED, kofi, "declined")
    rows = _rows(meeting)
    assert rows[("kofi@example.org", 60)].status == "cancelled"
    assert rows[("ama@example.org", 60)].status == "pending"
    meetings.record_response(None, BOOKED, kofi, "accepted")
    assert _rows(meeting)[("kofi@example.org", 60)].status == "pending"


def test_late_added_attendee_gets_only_reminders_still_ahead(meeting):
    late = factories.make_contact(email="late@example.org")
    now = STARTS - timedelta(hours=5)
    meetings.add_attendee(meeting.organiser, now, meeting, contact_id=late.id)
    rows = _rows(meeting)
    assert ("late@example.org", 60) in rows and ("late@example.org", 1440) not in rows


def test_removed_attendee_loses_their_reminders(meeting):
    ama = next(a for a in meeting.attendees if a.email == "ama@example.org")
    meetings.remove_attendee(meeting.organiser, BOOKED, meeting, ama)
    assert not any(email == "ama@example.org" for email, _ in _rows(meeting))


def test_after_downtime_due_reminders_go_at_once_and_too_late_ones_are_missed(meeting):
    # The scheduler was down from before the 24 h mark until 30 minutes before the start.
    back = STARTS - timedelta(minutes=30)
    result = services.queue_due_reminders(back, "w1")
    # The meeting has not started: each attendee gets one reminder now, the nearest (1 h) one;
    # the stale 24 h one is not sent on top of it.
    assert result["queued"] == 3 and result["superseded"] == 3
    rows = _rows(meeting)
    assert rows[("kofi@example.org", 60)].status == "sent"
    assert rows[("kofi@example.org", 1440)].status == "superseded"
    other = factories.make_meeting(contacts=[factories.make_contact()], starts_at=STARTS - timedelta(hours=2),
                                   now=BOOKED)
    result = services.queue_due_reminders(STARTS - timedelta(minutes=29), "w1")
    assert result["missed"] == 2 and result["queued"] == 0
    assert {r.status for r in _rows(other).values()} == {"missed"}


def test_a_crashed_claim_is_taken_over_after_its_lease(meeting):
    at = STARTS - timedelta(hours=24)
    claimed = services.claim_due_reminders(at, "dead-worker", 10, lease_seconds=300)
    db.session.commit()
    assert len(claimed) == 3
    assert services.queue_due_reminders(at + timedelta(seconds=299), "w2")["queued"] == 0
    assert services.queue_due_reminders(at + timedelta(seconds=301), "w2")["queued"] == 3


def test_dst_change_between_booking_and_reminder(app):
    # Booked in winter for 10:00 Geneva on Tue 30 Mar 2027 (after the clocks go forward on 28 Mar):
    # 10:00 CEST is 08:00Z, so the 24 h reminder is due at 08:00Z on the 29th.
    starts = datetime(2027, 3, 30, 8, 0, tzinfo=UTC)
    m = factories.make_meeting(contacts=[factories.make_contact(email="dst@example.org")], starts_at=starts,
                               now=datetime(2027, 3, 20, 9, 0, tzinfo=UTC))
    rows = _rows(m)
    assert rows[("dst@example.org", 1440)].due_at == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    assert services.queue_due_reminders(datetime(2027, 3, 29, 7, 59, tzinfo=UTC), "w")["queued"] == 0
    assert services.queue_due_reminders(datetime(2027, 3, 29, 8, 0, tzinfo=UTC), "w")["queued"] == 1


def test_editing_the_offsets_replans(meeting):
    meetings.update_meeting(meeting.organiser, BOOKED, meeting, {"reminder_offsets": [120]})
    rows = _rows(meeting)
    assert rows[("kofi@example.org", 120)].status == "pending"
    assert rows[("kofi@example.org", 60)].status == "cancelled"
