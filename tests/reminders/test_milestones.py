"""Milestone reminders to staff and the digest's coming milestones: on time, once, with injected time, both databases."""
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from engage.cycles import services as cycles
from engage.cycles.models import MilestoneReminder
from engage.extensions import db
from engage.outbox.models import OutboxMessage
from engage.reminders.digest import queue_morning_messages
from engage.reminders.milestones import claim_due_milestone_reminders, queue_due_milestone_reminders
from tests import factories

PLANNED = datetime(2027, 1, 2, 9, 0, tzinfo=UTC)
DUE = datetime(2027, 1, 8, 4, 0, tzinfo=UTC)  # 07:00 Nairobi on 8 Jan, 7 days before 15 Jan


def _mail():
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")
                              .order_by(OutboxMessage.id)).all()


def _text(message):
    return message_from_bytes(message.raw, policy=policy.default).get_body(("plain",)).get_content()


@pytest.fixture
def milestone(app):
    factories.make_user(email="wanjiku@example.org", full_name="Wanjiku Njeri")
    factories.make_user(role="lead", email="lead@example.org")
    gone = factories.make_user(email="gone@example.org")
    gone.is_disabled = True
    cycle = cycles.create_cycle(None, PLANNED, {"number": 5, "window_starts_on": "2026-01-01", "milestones": [
        {"kind": "own", "title": "Coalition report final", "due_on": "2027-01-15", "reminder_days": [7, 1]}]})
    factories.make_recommendation(recommending_state="DE")
    db.session.commit()
    return cycle.milestones[0]


def test_a_reminder_goes_to_each_active_staff_member_once_and_on_time(milestone):
    assert queue_due_milestone_reminders(DUE - timedelta(seconds=1), "w1")["claimed"] == 0
    result = queue_due_milestone_reminders(DUE, "w1")
    assert (result["sent"], result["messages"]) == (1, 2)
    mail = _mail()
    assert sorted(m.recipient for m in mail) == ["lead@example.org", "wanjiku@example.org"]
    assert mail[0].subject == "Cycle 5: Coalition report final in 7 days (15 Jan 2027)"
    assert "1 state with recommendations not yet met in cycle 5" in _text(mail[0])
    assert queue_due_milestone_reminders(DUE + timedelta(hours=1), "w2")["claimed"] == 0
    assert len(_mail()) == 2


def test_two_workers_never_both_send_and_a_dead_claim_is_taken_over(milestone):
    assert len(claim_due_milestone_reminders(DUE, "dead-worker", 10, lease_seconds=300)) == 1
    db.session.commit()
    assert queue_due_milestone_reminders(DUE + timedelta(seconds=299), "w2")["claimed"] == 0
    assert queue_due_milestone_reminders(DUE + timedelta(seconds=301), "w2")["messages"] == 2
    assert len(_mail()) == 2


def test_a_reminder_for_a_milestone_already_past_is_missed_not_sent(milestone):
    result = queue_due_milestone_reminders(datetime(2027, 1, 16, 4, 0, tzinfo=UTC), "w1")
    assert (result["claimed"], result["missed"], result["messages"]) == (2, 2, 0)
    assert _mail() == []
    assert {r.status for r in db.session.scalars(select(MilestoneReminder))} == {"missed"}


def test_moving_the_milestone_sends_again_for_the_new_date(milestone):
    queue_due_milestone_reminders(DUE, "w1")
    cycles.update_milestone(None, DUE + timedelta(hours=1), milestone, {"due_on": date(2027, 1, 25)})
    db.session.commit()
    assert queue_due_milestone_reminders(DUE + timedelta(days=2), "w1")["claimed"] == 0
    assert queue_due_milestone_reminders(datetime(2027, 1, 18, 4, 0, tzinfo=UTC), "w1")["messages"] == 2
    assert [m.subject for m in _mail()][-1] == "Cycle 5: Coalition report final in 7 days (25 Jan 2027)"


def test_the_digest_says_what_is_coming(app, milestone):
    cycles.add_milestone(None, PLANNED, milestone.cycle, {"kind": "wg_review", "due_on": date(2027, 2, 19)})
    db.session.commit()
    queue_morning_messages(DUE, app.config)  # 8 Jan 2027, 07:00 Nairobi: the review is six weeks off
    db.session.expire_all()
    digests = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest")).all()
    assert sorted(d.recipient for d in digests) == ["lead@example.org", "wanjiku@example.org"]
    text = _text(digests[0])
    assert "Coalition report final in 7 days (15 Jan 2027, cycle 5): 1 target state not yet met" in text
    assert "Working Group review in 6 weeks (19 Feb 2027, cycle 5): 1 target state not yet met" in text
