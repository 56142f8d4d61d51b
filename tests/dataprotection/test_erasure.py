"""Erasure: afterwards no byte of the database files (SQLite) and no text column (PostgreSQL) holds the old email or name."""
import json
from pathlib import Path

import pytest
from sqlalchemy import select, text

from engage.audit.models import AuditEvent
from engage.dataprotection import erasure
from engage.dataprotection.models import DataRequest
from engage.directory.models import Contact
from engage.extensions import db
from engage.meetings.models import Attendee, Meeting
from engage.outbox.models import OutboxMessage
from engage.outcomes.models import FollowUp, Outcome
from tests.conftest import NOW
from tests.dataprotection.conftest import EMAIL, NAME

PHONE = "+254722000111"


def _erase(actor, contact, mode=None):
    summary = erasure.erase_contact(actor, NOW, contact, notes_mode=mode)
    db.session.commit()
    summary["storage"] = erasure.compact_storage(summary.pop("tables"))
    return summary


def _needles():
    """The old identifiers as they could sit in a file: UTF-8, JSON-escaped, any case."""
    values = [EMAIL, NAME, PHONE, "Amina Wanjir", json.dumps(NAME)[1:-1]]
    return [v.lower().encode("utf-8") for v in values]


def _database_files():
    path = Path(db.engine.url.database)
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists()]


def _all_text_on_postgresql() -> str:
    """Every text, varchar, json and bytea value of every table in the schema, as one lower-case string."""
    columns = db.session.execute(text(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'bytea')")).all()
    chunks = []
    for table, column, kind in columns:
        expr = f'encode("{column}", \'escape\')' if kind == "bytea" else f'"{column}"::text'
        chunks += [v or "" for v in db.session.scalars(text(f'SELECT {expr} FROM "{table}"'))]
    return "\n".join(chunks).lower()


def test_no_trace_of_the_email_or_name_is_left(app, backend, dpo_user, amina, story):
    # Before: they are there (the test would prove nothing otherwise).
    assert erasure.storage_matches(EMAIL)
    summary = _erase(dpo_user, amina)
    assert summary["messages_to_them"] == 3 and summary["meetings_kept"] == 2
    assert summary["other_messages_emptied"] >= 1  # Peter's invitation quoted the description naming her
    for needle in (EMAIL, NAME, PHONE, "Head of HIV programmes"):
        assert erasure.storage_matches(needle) == [], needle
    if backend == "sqlite":
        files = _database_files()
        assert files
        for path in files:
            data = path.read_bytes().lower()
            for needle in _needles():
                assert needle not in data, (path.name, needle)
        assert "VACUUM" in summary["storage"]
    else:
        everything = _all_text_on_postgresql()
        for needle in _needles():
            assert needle.decode() not in everything, needle
        assert "VACUUM FULL" in summary["storage"]


def test_meetings_keep_an_anonymised_participant(app, dpo_user, amina, story):
    contact_id = amina.id
    _erase(dpo_user, amina)
    contact = db.session.get(Contact, contact_id)
    assert contact.full_name == "Anonymised participant" and contact.email == f"erased-{contact_id}@invalid"
    assert (contact.phone, contact.position, contact.notes, contact.source) == (None, None, None, None)
    assert contact.erased_at == NOW and contact.is_archived and contact.do_not_contact
    past = db.session.get(Meeting, story["past"].id)
    assert [a.name for a in past.contact_attendees] == ["Anonymised participant", "Peter Otieno"]
    assert db.session.scalar(select(db.func.count()).select_from(Attendee)
                             .where(Attendee.contact_id == contact_id)) == 2
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == contact.email)).all()
    assert len(messages) == 3
    assert all(m.raw == b"" and m.subject == "[erased]" for m in messages)
    assert sorted(m.status for m in messages) == ["superseded", "withheld", "withheld"]  # none will go out
    # De-attributed by default: the texts stay, without her.
    outcome = db.session.get(Outcome, story["outcome"].id)
    assert outcome.summary == "[erased] agreed to raise the budget line"
    assert outcome.commitment == "Email [erased] the brief"
    assert past.description == "Follow up with [erased] on the key populations budget"
    assert db.session.get(Contact, story["unrelated"].id).notes == "Works with [erased]"


def test_notes_can_be_deleted_instead(app, dpo_user, amina, story):
    _erase(dpo_user, amina, mode="delete")
    outcome = db.session.get(Outcome, story["outcome"].id)
    assert outcome.summary.startswith("[removed") and outcome.commitment is None
    assert outcome.notes == "Ask her assistant, not her, next time."  # it never named her
    assert db.session.get(Meeting, story["past"].id).description is None
    assert db.session.scalars(select(FollowUp)).one().description.startswith("[removed")


def test_the_request_is_logged_and_audited_without_content(app, dpo_user, amina, story):
    contact_id = amina.id
    summary = _erase(dpo_user, amina)
    [request] = db.session.scalars(select(DataRequest)).all()
    assert request.kind == "erasure" and request.contact_id == contact_id
    assert request.opened_at == NOW and request.closed_at == NOW and summary["request"] == request.reference
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "subject_erased")).all()
    assert event.object_id == contact_id and "amina" not in (event.detail or "").lower()


def test_an_erased_contact_cannot_be_erased_edited_or_exported_again(app, dpo_user, amina):
    from engage.dataprotection import services
    from engage.directory import services as directory
    from engage.errors import ConflictError

    _erase(dpo_user, amina)
    contact = db.session.get(Contact, amina.id)
    for attempt in (lambda: erasure.erase_contact(dpo_user, NOW, contact),
                    lambda: services.export_contact(dpo_user, NOW, contact),
                    lambda: directory.update_contact(dpo_user, NOW, contact, {"full_name": "Amina"})):
        with pytest.raises(ConflictError):
            attempt()
        db.session.rollback()


def test_nothing_is_sent_to_an_erased_contact_later(app, dpo_user, amina, story):
    from engage.meetings import services as meetings

    _erase(dpo_user, amina)
    future = db.session.get(Meeting, story["future"].id)
    before = db.session.scalar(select(db.func.count()).select_from(OutboxMessage))
    meetings.cancel_meeting(story["organiser"], NOW, future, "Postponed")
    db.session.commit()
    after = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > before)).all()
    assert all(not m.recipient.startswith("erased-") for m in after)


def test_postgresql_statistics_forget_the_old_values(app, backend, dpo_user, amina, story):
    if backend != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE contact")  # as autovacuum would have done at some point

    def sampled():
        return (db.session.scalar(text(
            "SELECT string_agg(coalesce(most_common_vals::text, '') || coalesce(histogram_bounds::text, ''), ' ') "
            "FROM pg_stats WHERE schemaname = 'public'")) or "").lower()

    assert EMAIL in sampled()  # the statistics did hold it
    db.session.commit()
    _erase(dpo_user, amina)
    assert EMAIL not in sampled() and "amina" not in sampled()
