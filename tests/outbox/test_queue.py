"""Queueing, dedupe, supersede, claims, no-mail-server and resend — the outbox's bookkeeping."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.errors import ConflictError, ValidationError
from engage.extensions import db
from engage.history import history_for
from engage.outbox import services
from engage.outbox.models import OutboxMessage
from tests import factories
from tests.outbox.mail import queue_many, queue_simple, simple_message


def _rows():
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_queued_message_is_pending_with_its_exact_bytes(app, now):
    raw, message_id = simple_message("ana@example.org", 1)
    row = services.queue_message(now, "invitation", "ana@example.org", "Meeting 1", raw, "k:1", message_id)
    db.session.commit()
    [stored] = _rows()
    assert stored.id == row.id
    assert (stored.status, stored.attempts, stored.next_attempt_at) == ("pending", 0, now)
    assert stored.raw == raw and stored.message_id == message_id


def test_queueing_never_commits_so_a_rolled_back_change_sends_nothing(app, now):
    queue_simple("ana@example.org")
    db.session.rollback()
    assert _rows() == []


def test_the_same_dedupe_key_twice_queues_one_message(app, now):
    first = queue_simple("ana@example.org", 1, dedupe_key="meeting:1:seq:0:ana@example.org:REQUEST")
    db.session.commit()
    again = queue_simple("ana@example.org", 1, dedupe_key="meeting:1:seq:0:ana@example.org:REQUEST",
                         subject="A different rendering")
    db.session.commit()
    assert again.id == first.id
    rows = _rows()
    assert len(rows) == 1 and rows[0].subject == "Meeting 1"


def _new(recipient, n, **fields):
    raw, message_id = simple_message(recipient, n)
    return services.NewMessage(**{"kind": "reminder", "recipient": recipient, "subject": f"Reminder {n}", "raw": raw,
                                  "dedupe_key": f"k:{n}", "message_id": message_id, **fields})


def test_a_batch_returns_a_row_per_message_in_order_with_known_and_repeated_keys_queued_once(app, now):
    known = services.queue_messages(now, [_new("ana@example.org", 1)])[0]
    db.session.commit()
    batch = [_new("ben@example.org", 2), _new("ana@example.org", 1), _new("cleo@example.org", 3),
             _new("ben@example.org", 2, subject="rendered again")]
    rows = services.queue_messages(now, batch)
    db.session.commit()
    assert [r.recipient for r in rows] == ["ben@example.org", "ana@example.org", "cleo@example.org", "ben@example.org"]
    assert rows[1].id == known.id and rows[3].id == rows[0].id
    assert [(r.recipient, r.subject) for r in _rows()] == [
        ("ana@example.org", "Reminder 1"), ("ben@example.org", "Reminder 2"), ("cleo@example.org", "Reminder 3")]


def test_a_batch_with_one_bad_message_adds_none_of_them(app, now):
    with pytest.raises(ValidationError) as refused:
        services.queue_messages(now, [_new("ana@example.org", 1), _new("not an address", 2)])
    assert "recipient" in refused.value.fields
    db.session.commit()
    assert _rows() == []


def test_a_newer_revision_supersedes_an_unsent_older_one_for_the_same_recipient_only(app, now):
    key = "meeting:7:ana@example.org"
    old = queue_simple("ana@example.org", 1, supersede_key=key)
    other = queue_simple("ben@example.org", 2, supersede_key="meeting:7:ben@example.org")
    db.session.commit()
    new = queue_simple("Ana@Example.org", 3, supersede_key=key)
    db.session.commit()
    by_id = {r.id: r for r in _rows()}
    assert by_id[old.id].status == "superseded" and by_id[old.id].superseded_by_id == new.id
    assert by_id[new.id].status == "pending"
    assert by_id[other.id].status == "pending"


def test_a_message_already_sent_or_in_flight_is_not_superseded(app, now):
    key = "meeting:7:ana@example.org"
    sent = queue_simple("ana@example.org", 1, supersede_key=key)
    flying = queue_simple("ana@example.org", 2, supersede_key=key, dedupe_key="second")
    db.session.commit()
    sent.status, sent.sent_at = "sent", now
    flying.status, flying.claimed_by, flying.lease_until = "sending", "w", now + timedelta(minutes=10)
    db.session.commit()
    queue_simple("ana@example.org", 3, supersede_key=key)
    db.session.commit()
    assert [r.status for r in _rows()] == ["sent", "sending", "pending"]


@pytest.mark.parametrize("field,kwargs", [
    ("kind", {"kind": "newsletter"}),
    ("recipient", {"recipient": "not-an-address"}),
    ("raw_bytes", {"raw_bytes": b""}),
    ("dedupe_key", {"dedupe_key": ""}),
])
def test_bad_arguments_are_refused_naming_the_field(app, now, field, kwargs):
    args = {"kind": "invitation", "recipient": "ana@example.org", "subject": "S", "raw_bytes": b"x",
            "dedupe_key": "k", "message_id": "<m@x>"}
    args.update(kwargs)
    with pytest.raises(ValidationError) as caught:
        services.queue_message(now, **args)
    assert field in caught.value.fields
    assert _rows() == []


def test_claims_are_disjoint_and_only_due_rows_are_claimed(app, now):
    queue_many(5)
    queue_simple("later@example.org", 99, now=now + timedelta(hours=1))
    db.session.commit()
    first = services.claim_due_messages(now, "worker-a", 3, 600)
    db.session.commit()
    second = services.claim_due_messages(now, "worker-b", 10, 600)
    db.session.commit()
    assert len(first) == 3 and len(second) == 2
    assert not {m.id for m in first} & {m.id for m in second}
    assert services.claim_due_messages(now, "worker-c", 10, 600) == []
    rows = _rows()
    assert {r.claimed_by for r in rows if r.status == "sending"} == {"worker-a", "worker-b"}
    assert [r.status for r in rows if r.recipient == "later@example.org"] == ["pending"]


def test_a_claim_whose_lease_ran_out_can_be_claimed_again(app, now):
    queue_many(2)
    services.claim_due_messages(now, "crashed", 10, 600)
    db.session.commit()
    assert services.claim_due_messages(now + timedelta(seconds=599), "other", 10, 600) == []
    reclaimed = services.claim_due_messages(now + timedelta(seconds=600), "other", 10, 600)
    db.session.commit()
    assert len(reclaimed) == 2 and all(m.claimed_by == "other" for m in _rows())


def test_the_conditional_claim_skips_rows_taken_between_select_and_update(app, now, monkeypatch):
    queue_many(3)
    taken = _rows()[0]
    real_scalars = db.session.scalars
    calls = []

    def racing_scalars(statement, *args, **kwargs):
        result = real_scalars(statement, *args, **kwargs)
        if not calls:  # right after the candidate SELECT, another dispatcher claims the first row
            calls.append(1)
            ids = list(result)
            db.session.execute(OutboxMessage.__table__.update().where(OutboxMessage.id == taken.id)
                               .values(status="sending", claimed_by="rival", lease_until=now + timedelta(hours=1)))
            return iter(ids)
        return result

    monkeypatch.setattr(db.session, "scalars", racing_scalars)
    claimed = services.claim_due_messages(now, "me", 10, 600)
    monkeypatch.undo()
    db.session.commit()
    assert taken.id not in {m.id for m in claimed} and len(claimed) == 2
    assert {r.id: r.claimed_by for r in _rows()}[taken.id] == "rival"


def test_backoff_doubles_from_30_seconds_with_jitter_and_stops_at_an_hour():
    import random

    rng = random.Random(4)
    for attempts, (low, high) in {1: (15, 30), 2: (30, 60), 3: (60, 120), 4: (120, 240),
                                  8: (1800, 3600), 30: (1800, 3600)}.items():
        for _ in range(20):
            assert low <= services.backoff_delay(attempts, rng=rng).total_seconds() <= high
    delays = {services.backoff_delay(1, rng=rng) for _ in range(10)}
    assert len(delays) > 1  # jittered, so many dispatchers do not retry in lockstep


def test_without_a_mail_server_due_messages_are_kept_as_not_sent_then_released(app, now):
    queue_many(3)
    result = services.dispatch_outbox(now, {"MAIL_SERVER": None}, "w", 10)
    assert result.not_sent == 3
    rows = _rows()
    assert {(r.status, r.last_error) for r in rows} == {("not_sent", "no mail server configured")}
    assert services.release_not_sent(now + timedelta(hours=2)) == 3
    db.session.commit()
    assert {(r.status, r.next_attempt_at) for r in _rows()} == {("pending", now + timedelta(hours=2))}


def test_resend_puts_a_failed_message_back_with_a_history_entry(app, now):
    admin = factories.make_user(role="admin")
    row = queue_simple("ana@example.org")
    row.status, row.attempts, row.last_error = "failed", 8, "gave up"
    db.session.commit()
    later = now + timedelta(days=1)
    services.resend_message(admin, later, row)
    db.session.commit()
    [stored] = _rows()
    assert (stored.status, stored.attempts, stored.next_attempt_at, stored.last_error) == ("pending", 0, later, None)
    [change] = history_for(stored)
    assert change.action == "resend" and change.actor_id == admin.id


@pytest.mark.parametrize("status", ["sent", "pending", "sending", "superseded"])
def test_only_failed_or_not_sent_messages_can_be_resent(app, now, status):
    row = queue_simple("ana@example.org")
    row.status = status
    db.session.commit()
    with pytest.raises(ConflictError):
        services.resend_message(None, now, row)
    db.session.rollback()
    assert _rows()[0].status == status


def test_a_deleted_meeting_leaves_its_messages_in_the_outbox(app, now):
    from engage.meetings.models import Meeting

    organiser = factories.make_user()
    meeting = Meeting(title="Mission of Germany", starts_at=now + timedelta(days=3),
                      ends_at=now + timedelta(days=3, hours=1), timezone="Africa/Nairobi",
                      organiser_id=organiser.id, created_at=now, updated_at=now)
    db.session.add(meeting)
    db.session.flush()
    queue_simple("ana@example.org", meeting_id=meeting.id)
    db.session.commit()
    db.session.delete(meeting)
    db.session.commit()
    [row] = _rows()
    assert row.meeting_id is None and row.status == "pending"


def test_on_postgresql_a_second_claim_skips_rows_an_open_first_claim_holds(app, now, backend):
    import threading

    if backend != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises writers instead")
    queue_many(10)
    first = {m.id for m in services.claim_due_messages(now, "a", 5, 600)}  # not committed: rows stay locked
    second = {}

    def claim_elsewhere():
        with app.app_context():  # its own session and connection
            second["ids"] = {m.id for m in services.claim_due_messages(now, "b", 5, 600)}
            db.session.commit()

    worker = threading.Thread(target=claim_elsewhere, daemon=True)
    worker.start()
    worker.join(timeout=10)
    blocked = worker.is_alive()
    db.session.commit()
    worker.join(timeout=10)
    assert not blocked, "the second dispatcher waited for the first instead of skipping its rows"
    assert len(first) == len(second["ids"]) == 5 and not first & second["ids"]
