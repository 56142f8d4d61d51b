"""Encryption at rest: the notes and outcome texts of restricted records are stored sealed.

The key comes from ENGAGE_DATA_KEY: one or more Fernet keys separated by commas. The first seals,
every one of them opens (MultiFernet), so a key is rotated by putting the new one first, running
`flask --app wsgi engage rotate-data-key`, then dropping the old one (README, "Encryption at rest").

How it works:
- the text columns that can hold restricted content are `SealedText` (history rows: `SealedJSON`);
  in the database they stay TEXT/JSON, so existing data and migrations need nothing;
- a value of the str subclass `SealedStr` is written as "enc:v1:<Fernet token>"; any other str is
  written as it is (one that happens to start with "enc:" is escaped, so it is never misread);
- reading gives back a SealedStr (sealed rows) or a plain str: application code sees plain text;
- before every flush, the texts of restricted records (and of records that depend on them: an
  outcome of a restricted meeting, its follow-ups, the history rows of all of these) are made
  SealedStr, and those of internal records plain, so a change of sensitivity rewrites them.

Sealed text cannot be found by SQL LIKE: searches of restricted notes and outcome texts match
titles and other plain columns only (restricted records are hidden from most searches anyway).
Writes that bypass the ORM (Core UPDATE statements) store what they are given.
"""
from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import JSON, Text, event, inspect, literal, select, type_coerce, update
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from engage.extensions import db, model_for

PREFIX = "enc:v1:"
ESCAPE = "enc:p:"  # a plain text that starts with "enc:" is stored behind this marker
EXTENSION = "engage.sealer"


class SealError(RuntimeError):
    """A sealed text could not be sealed or opened (no key, or not the key it was sealed with)."""


class SealedStr(str):
    """Text that is stored encrypted; otherwise an ordinary str."""

    __slots__ = ()


class SealedDict(dict):
    """A JSON object (a history row's changes) that is stored encrypted."""


# ---- keys ----

def parse_keys(value: str) -> MultiFernet:
    """A MultiFernet from "key1,key2,…" (first one seals); ValueError naming ENGAGE_DATA_KEY otherwise."""
    keys = [k.strip() for k in (value or "").split(",") if k.strip()]
    if not keys:
        raise ValueError("ENGAGE_DATA_KEY is empty: give one or more Fernet keys separated by commas.")
    fernets = []
    for i, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            raise ValueError(f"ENGAGE_DATA_KEY: key {i} is not a Fernet key (32 url-safe base64-encoded "
                             "bytes, as `python -c 'from cryptography.fernet import Fernet; "
                             "print(Fernet.generate_key().decode())'` prints).") from None
    return MultiFernet(fernets)


def new_key() -> str:
    """A new random Fernet key, as text."""
    return Fernet.generate_key().decode()


def init_app(app) -> None:
    """Check ENGAGE_DATA_KEY and keep its keys for the column types; RuntimeError when it is unusable."""
    try:
        app.extensions[EXTENSION] = parse_keys(app.config.get("ENGAGE_DATA_KEY") or "")
    except ValueError as exc:
        raise RuntimeError(str(exc)) from None
    # A listener on every Session, added by the factory rather than when this module is imported.
    if not event.contains(Session, "before_flush", _seal_before_flush):
        event.listen(Session, "before_flush", _seal_before_flush)


def _sealer() -> MultiFernet:
    try:
        return current_app.extensions[EXTENSION]
    except (KeyError, RuntimeError):
        raise SealError("no ENGAGE_DATA_KEY loaded: restricted texts cannot be sealed or opened") from None


def seal(plain: str) -> str:
    """"enc:v1:<token>" for `plain`, with the first key."""
    return PREFIX + _sealer().encrypt(plain.encode("utf-8")).decode("ascii")


def unseal(stored: str) -> str:
    """The plain text of an "enc:v1:<token>" value; SealError when no key given opens it."""
    try:
        return _sealer().decrypt(stored[len(PREFIX):].encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise SealError("a restricted text was sealed with a key ENGAGE_DATA_KEY does not hold") from None


# ---- column types ----

class SealedText(TypeDecorator):
    """TEXT in the database; SealedStr values are stored encrypted, others as they are."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, SealedStr):
            return seal(str(value))
        value = str(value)
        return ESCAPE + value if value.startswith("enc:") else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.startswith(PREFIX):
            return SealedStr(unseal(value))
        if value.startswith(ESCAPE):
            return value[len(ESCAPE):]
        return value

    def compare_values(self, x, y):
        # Same words sealed and plain are different values: the row must be rewritten.
        return x == y and isinstance(x, SealedStr) == isinstance(y, SealedStr)


class SealedJSON(TypeDecorator):
    """JSON in the database; a SealedDict is stored as one encrypted JSON string."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if isinstance(value, SealedDict):
            return seal(json.dumps(dict(value), ensure_ascii=False, sort_keys=True))
        return value

    def process_result_value(self, value, dialect):
        if isinstance(value, str) and value.startswith(PREFIX):
            return SealedDict(json.loads(unseal(value)))
        return value

    def compare_values(self, x, y):
        return x == y and isinstance(x, SealedDict) == isinstance(y, SealedDict)


# ---- which fields, and when ----

SEALED_FIELDS = {
    "meeting": ("description", "cancellation_reason"),
    "contact": ("notes",),
    "outcome": ("summary", "commitment", "notes", "proposed_wording"),
    "follow_up": ("description",),
    "assessment": ("evidence",),
}


def _restricted(obj) -> bool:
    table = obj.__tablename__
    if table in ("meeting", "contact"):
        return obj.sensitivity == "restricted"
    if table in ("outcome", "assessment"):
        return obj.sensitivity == "restricted" or (obj.meeting is not None and obj.meeting.sensitivity == "restricted")
    if table == "follow_up":
        return obj.outcome is not None and _restricted(obj.outcome)
    return False


def _apply(obj, sealed: bool) -> None:
    for name in SEALED_FIELDS[obj.__tablename__]:
        value = obj.__dict__.get(name)
        if value is None and name not in obj.__dict__:
            value = getattr(obj, name)  # not loaded yet (deferred or expired)
        if value is None or isinstance(value, SealedStr) == sealed:
            continue
        setattr(obj, name, SealedStr(value) if sealed else str(value))


def _entity(session, entity_type: str, entity_id: int):
    if entity_type not in SEALED_FIELDS or entity_id is None:
        return None
    model = model_for(entity_type)
    found = session.identity_map.get(session.identity_key(model, (entity_id,)))
    if found is not None:
        return found
    return session.scalars(select(model).where(model.id == entity_id)
                           .execution_options(all_sensitivities=True)).first()


def _apply_history(row, sealed: bool) -> None:
    changes = row.changes
    if changes is None or isinstance(changes, SealedDict) == sealed:
        return
    row.changes = SealedDict(changes) if sealed else dict(changes)


def _dependents(session, obj):
    """Records whose sealing follows `obj`'s sensitivity: its outcomes and assessments, the outcomes'
    follow-ups, and history rows."""
    ChangeRecord, FollowUp, Outcome = model_for("change_record"), model_for("follow_up"), model_for("outcome")
    Assessment = model_for("assessment")
    everything = {"all_sensitivities": True}
    records = [obj]
    if obj.__tablename__ == "meeting" and obj.id is not None:
        records += list(session.scalars(select(Outcome).where(Outcome.meeting_id == obj.id)
                                        .execution_options(**everything)))
        records += list(session.scalars(select(Assessment).where(Assessment.meeting_id == obj.id)
                                        .execution_options(**everything)))
    for outcome in [r for r in records if r.__tablename__ == "outcome" and r.id is not None]:
        records += list(session.scalars(select(FollowUp).where(FollowUp.outcome_id == outcome.id)))
    out = []
    for record in records:
        out.append(record)
        if record.id is not None:
            out += list(session.scalars(select(ChangeRecord).where(
                ChangeRecord.entity_type == record.__tablename__, ChangeRecord.entity_id == record.id)))
    return out


def _sensitivity_changed(obj) -> bool:
    if obj.__tablename__ not in ("meeting", "contact", "outcome", "assessment"):
        return False
    return inspect(obj).attrs.sensitivity.history.has_changes()


def _seal_before_flush(session, _flush_context, _instances) -> None:
    """Restricted records' texts sealed, internal ones' plain, whatever changed them."""
    with session.no_autoflush:
        for obj in list(session.new) + list(session.dirty):
            table = getattr(obj, "__tablename__", None)
            if table in SEALED_FIELDS:
                if _sensitivity_changed(obj) and obj in session.dirty:
                    for record in _dependents(session, obj):
                        if record.__tablename__ == "change_record":
                            _apply_history(record, _restricted(obj))
                        else:
                            _apply(record, _restricted(record))
                else:
                    _apply(obj, _restricted(obj))
            elif table == "change_record":
                # New rows, and rows rewritten in place (erasure scrubs history this way).
                entity = _entity(session, obj.entity_type, obj.entity_id)
                if entity is not None and _restricted(entity):
                    _apply_history(obj, True)


# SQLite's secure_delete (deleted cells zeroed) is set per connection in engage/extensions.py.


# ---- rotation ----

def sealed_columns():
    """(table, column) of every column that may hold sealed values."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (SealedText, SealedJSON)):
                yield table, column


def rotate_all() -> dict[str, int]:
    """Re-seal every sealed value with the first key of ENGAGE_DATA_KEY; {"table.column": rows}."""
    sealer = _sealer()
    counts = {}
    for table, column in sealed_columns():
        key = list(table.primary_key.columns)[0]
        raw = column.type.impl_instance
        rows = db.session.execute(select(key, type_coerce(column, raw))).all()
        done = 0
        for row_id, value in rows:
            if not isinstance(value, str) or not value.startswith(PREFIX):
                continue
            token = sealer.rotate(value[len(PREFIX):].encode("ascii")).decode("ascii")
            new = PREFIX + token
            db.session.execute(update(table).where(key == row_id).values({column.name: literal(new, raw)}))
            done += 1
        counts[f"{table.name}.{column.name}"] = done
    return counts
