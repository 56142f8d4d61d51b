"""Erasure: remove a contact's name, email, phone and position from everything engage stores.

`erase_contact` rewrites the rows (in the caller's transaction); `compact_storage`, run after the
commit, makes the old bytes really go (SQLite: VACUUM and a WAL checkpoint; PostgreSQL: VACUUM FULL
of the tables touched), since an UPDATE leaves the old row version in the file until then.
"""
from __future__ import annotations

import logging
from datetime import datetime
from email import message_from_bytes, policy

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import JSON, LargeBinary, String, Text, func, select, text, update
from sqlalchemy.types import TypeDecorator

from engage.audit.services import record_event
from engage.directory.models import Contact
from engage.errors import ConflictError, ValidationError
from engage.extensions import db
from engage.history import ChangeRecord, record_change
from engage.meetings.models import Attendee
from engage.outbox.models import UNSENT_STATUSES, OutboxMessage
from engage.reminders.models import Reminder

from .services import _like_any, close_request, find_mentions, identifiers, mention_pattern, needles

log = logging.getLogger(__name__)

ANONYMISED_NAME = "Anonymised participant"
ERASED = "[erased]"
REMOVED = "[removed: it named a person whose details were erased]"
NOTE_MODES = ("deattribute", "delete")
# Personal fields of the contact row itself, emptied outright.
CONTACT_PERSONAL = ("phone", "position", "notes", "source", "consent_wording", "timezone")
# Columns the generic sweep leaves alone: staff accounts and credentials, and who did what in the audit log.
SKIP_COLUMNS = {("user", "email"), ("user", "full_name"), ("user", "password_hash"), ("user", "totp_secret"),
                ("audit_event", "actor_email"), ("api_token", "token_hash"), ("calendar_feed", "secret")}
SKIP_TABLES = {"recovery_code", "alembic_version"}


def erasure_notes_mode() -> str:
    """"deattribute" (replace the name with [erased]) or "delete" (remove the note), from ENGAGE_ERASURE_NOTES."""
    mode = (current_app.config.get("ENGAGE_ERASURE_NOTES") or "deattribute").strip().lower()
    return mode if mode in NOTE_MODES else "deattribute"


def placeholder_email(contact: Contact) -> str:
    """A non-identifying address, unique per contact, that can never be delivered."""
    return f"erased-{contact.id}@invalid"


def _scrub(value, pattern):
    """`value` with every mention replaced by [erased]; JSON structures walked."""
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, dict):
        return {_scrub(k, pattern): _scrub(v, pattern) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, pattern) for v in value]
    return value


def _message_mentions(raw: bytes, pattern) -> bool:
    """Whether a stored message names the person in any header or decoded part (calendar lines unfolded)."""
    if not raw:
        return False
    if pattern.search(raw.decode("utf-8", "replace")):
        return True
    try:
        message = message_from_bytes(raw, policy=policy.default)
        for name, value in message.items():
            if pattern.search(str(value)):
                return True
        for part in message.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            content = payload.decode(part.get_content_charset() or "utf-8", "replace")
            content = content.replace("\r\n ", "").replace("\n ", "").replace("\r\n\t", "")
            if pattern.search(content):
                return True
    except Exception:  # noqa: BLE001 — an unreadable message is treated as naming them, and emptied
        return True
    return False


def _erase_messages(contact: Contact, ids, pattern, meeting_ids: set, summary: dict, touched: set) -> None:
    to_them = db.session.scalars(select(OutboxMessage).where(
        func.lower(OutboxMessage.recipient).in_(ids["emails"]))).all()
    for row in to_them:
        row.recipient = placeholder_email(contact)
        row.subject = ERASED
        row.raw = b""
        row.dedupe_key = f"erased:{row.id}"
        row.supersede_key = None
        row.message_id = f"<erased-{row.id}@invalid>"
        row.last_error = _scrub(row.last_error, pattern) if row.last_error else None
        if row.status in UNSENT_STATUSES or row.status == "sending":
            row.status, row.lease_until = "withheld", None
    summary["messages_to_them"] = len(to_them)
    # Messages to other people that name them (a digest listing them, a description mentioning them):
    # the stored bytes go; the row stays as a record that something was sent.
    mine = {row.id for row in to_them}
    others = 0
    # Only messages that could name them: about their meetings or meetings whose texts name them, and
    # messages about no meeting (digests); reading every stored message would not scale.
    query = select(OutboxMessage.id, OutboxMessage.raw).where(
        func.length(OutboxMessage.raw) > 0,
        OutboxMessage.meeting_id.in_(meeting_ids) | OutboxMessage.meeting_id.is_(None))
    for message_id, raw in db.session.execute(query.execution_options(yield_per=200)):
        if message_id in mine or not _message_mentions(raw, pattern):
            continue
        row = db.session.get(OutboxMessage, message_id)
        row.raw = b""
        row.subject = _scrub(row.subject, pattern)
        if row.status in UNSENT_STATUSES:
            row.status = "withheld"
            row.last_error = "withheld: it named a person whose details were erased; send the meeting again"
        others += 1
    summary["other_messages_emptied"] = others
    if to_them or others:
        touched.add("outbox_message")


def _erase_notes(mentions, pattern, mode: str, summary: dict, touched: set) -> None:
    changed = set()
    for obj, field, value in mentions:
        column = obj.__table__.c[field]
        if mode == "delete" and field not in ("title", "location"):
            new = None if column.nullable else REMOVED
        else:
            new = pattern.sub(ERASED, value)
        setattr(obj, field, new)
        changed.add((obj.__tablename__, obj.id))
        touched.add(obj.__tablename__)
    summary["notes_" + ("deleted" if mode == "delete" else "deattributed")] = len(changed)


def _textual(column) -> bool:
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return isinstance(kind, (String, Text, JSON)) and not isinstance(kind, LargeBinary)


def _opaque(column) -> bool:
    """A column whose stored form LIKE cannot search (an app-encrypted text, say): read every row."""
    return isinstance(column.type, TypeDecorator) and not isinstance(column.type.impl, (JSON,)) \
        and column.type.__class__.__name__ != "UTCDateTime"


def _sweep(contact: Contact, pattern, words, summary: dict, touched: set) -> None:
    """Every other text and JSON column of every table: replace any remaining mention with [erased]."""
    rows_changed = 0
    for table in db.metadata.sorted_tables:
        if table.name in SKIP_TABLES:
            continue
        keys = list(table.primary_key.columns)
        if not keys:
            continue
        for column in table.columns:
            if (table.name, column.name) in SKIP_COLUMNS or not _textual(column):
                continue
            query = select(*keys, column)
            if not _opaque(column):
                query = query.where(_like_any(column, words))
            if table.name == "contact":
                query = query.where(table.c.id != contact.id)  # done field by field above
            for row in db.session.execute(query).all():
                value = row[-1]
                new = _scrub(value, pattern)
                if new == value:
                    continue
                where = [k == row[i] for i, k in enumerate(keys)]
                db.session.execute(update(table).where(*where).values({column.name: new}))
                rows_changed += 1
                touched.add(table.name)
    summary["other_rows_scrubbed"] = rows_changed


def erase_contact(actor, now: datetime, contact: Contact, notes_mode: str | None = None) -> dict:
    """Remove the contact's personal data everywhere; meetings keep an anonymised participant.

    Returns a summary of counts (and the tables touched, for compact_storage). The caller commits,
    then runs compact_storage(summary["tables"]).
    """
    if contact.erased_at is not None:
        raise ConflictError(_("This contact has already been erased."))
    mode = notes_mode or erasure_notes_mode()
    if mode not in NOTE_MODES:
        raise ValidationError.for_fields({"notes_mode": f"Choose one of: {', '.join(NOTE_MODES)}."})
    if db.engine.dialect.name == "sqlite":
        # Deleted and overwritten cells are zeroed in the file, not just marked free.
        db.session.execute(text("PRAGMA secure_delete = ON"))
    ids = identifiers(contact)
    words = needles(ids)
    pattern = mention_pattern(words)
    summary: dict = {"contact_id": contact.id, "notes_mode": mode}
    touched = {"contact"}
    request = close_request(actor, now, "erasure", contact)

    mentions = find_mentions(ids)
    meeting_ids = {a.meeting_id for a in db.session.scalars(select(Attendee).where(Attendee.contact_id == contact.id))}
    meeting_ids |= {obj.id if obj.__tablename__ == "meeting" else getattr(obj, "meeting_id", None)
                    for obj, _, _ in mentions} - {None}
    _erase_messages(contact, ids, pattern, meeting_ids, summary, touched)
    _erase_notes(mentions, pattern, mode, summary, touched)

    # The contact's own history: every value of a personal field goes, whatever it was.
    personal = {"full_name", "email", *CONTACT_PERSONAL, "do_not_contact_reason"}
    history = 0
    for row in db.session.scalars(select(ChangeRecord).where(ChangeRecord.entity_type == "contact",
                                                              ChangeRecord.entity_id == contact.id)):
        changes = {k: ([ERASED, ERASED] if k in personal else v) for k, v in (row.changes or {}).items()}
        row.changes = _scrub(changes, pattern)
        history += 1
    summary["history_rows"] = history
    touched.add("change_record")

    # Reminders still waiting for them are dropped; their attendee rows stay, now anonymous.
    attendee_ids = select(Attendee.id).where(Attendee.contact_id == contact.id).scalar_subquery()
    db.session.execute(update(Reminder).where(Reminder.attendee_id.in_(attendee_ids),
                                              Reminder.status.in_(("pending", "claimed")))
                       .values(status="cancelled", cancelled_at=now, note="contact erased", lease_until=None)
                       .execution_options(synchronize_session=False))
    summary["meetings_kept"] = db.session.scalar(select(func.count()).select_from(Attendee)
                                                 .where(Attendee.contact_id == contact.id))

    contact.full_name = ANONYMISED_NAME
    contact.email = placeholder_email(contact)
    for field in CONTACT_PERSONAL:
        setattr(contact, field, None)
    contact.do_not_contact, contact.do_not_contact_reason = True, None
    contact.do_not_contact_since = contact.do_not_contact_since or now
    contact.is_archived, contact.erased_at, contact.updated_at = True, now, now
    db.session.flush()

    _sweep(contact, pattern, words, summary, touched)
    db.session.expire_all()  # the sweep wrote with plain UPDATEs

    record_change(actor, now, contact, "erased")
    record_event(actor, now, "subject_erased", contact, detail=f"erasure request {request.reference}")
    summary["request"] = request.reference
    summary["tables"] = sorted(touched | {"audit_event", "data_request"})
    return summary


def compact_storage(tables) -> str:
    """After the erasure's commit: make overwritten bytes leave the database files; says what it did.

    SQLite: VACUUM rebuilds the file, and a TRUNCATE checkpoint empties the write-ahead log.
    PostgreSQL: VACUUM FULL rewrites each touched table and its indexes (brief exclusive lock, given
    up after a few seconds rather than waiting on a busy table), and ANALYZE replaces the sample
    values kept in its statistics. Old row versions may live on in
    PostgreSQL's WAL segments and in backups until those are recycled: that is for the DBA's policy.
    """
    # Commits the erasure itself, ahead of the request boundary: VACUUM can only drop bytes that a
    # committed change left behind, and nothing of ours may hold a transaction (and its locks) open meanwhile.
    db.session.commit()
    engine = db.engine
    if engine.dialect.name == "sqlite":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("VACUUM")
            busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
        if busy and busy[0]:
            # Another process was reading: the old pages stay in the log until its next checkpoint.
            log.warning("erasure: the SQLite write-ahead log was busy and could not be emptied yet")
            return "sqlite: VACUUM; the write-ahead log was busy, it empties at the next checkpoint"
        return "sqlite: VACUUM, WAL checkpointed and truncated"
    if engine.dialect.name == "postgresql":
        done, skipped = [], []
        known = {t.name for t in db.metadata.sorted_tables}
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("SET lock_timeout = '5s'")
            for name in tables:
                if name not in known:
                    continue
                try:
                    # ANALYZE too: the planner's statistics keep sample values of columns.
                    conn.exec_driver_sql(f'VACUUM (FULL, ANALYZE) "{name}"')
                    done.append(name)
                except Exception as exc:  # noqa: BLE001 — a busy table is reported, the erasure stands
                    log.warning("VACUUM FULL %s skipped: %s", name, exc.__class__.__name__)
                    skipped.append(name)
            conn.exec_driver_sql("RESET lock_timeout")
        result = f"postgresql: VACUUM FULL and ANALYZE on {', '.join(done) or 'nothing'}"
        return result + (f"; busy, not vacuumed: {', '.join(skipped)}" if skipped else "")
    return f"{engine.dialect.name}: no compaction step known"


def storage_matches(needle: str) -> list[tuple[str, str]]:
    """(table, column) of every text, JSON or binary column in which `needle` still occurs (for checks and tests)."""
    found = []
    lowered = needle.lower()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            kind = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
            if isinstance(kind, LargeBinary):
                for (value,) in db.session.execute(select(column).where(column.is_not(None))):
                    if value and lowered.encode() in bytes(value).lower():
                        found.append((table.name, column.name))
                        break
            elif _textual(column):
                if db.session.scalar(select(func.count()).select_from(table).where(_like_any(column, [lowered]))):
                    found.append((table.name, column.name))
    return found

