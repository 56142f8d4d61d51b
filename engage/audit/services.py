"""Writing audit events (reading and filtering them lives here too)."""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.extensions import db
from engage.spreadsheets import csv_chunks


def _client_address() -> str | None:
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:45] or None


def _printable(value: str | None, limit: int) -> str | None:
    # An address typed at sign-in may hold anything; PostgreSQL refuses NUL in text.
    if not value:
        return None
    cleaned = "".join(ch for ch in str(value) if ch.isprintable())[:limit]
    return cleaned or None


def record_event(actor, now: datetime, action: str, obj=None, *, object_type: str | None = None,
                 object_id: int | None = None, detail: str | None = None,
                 actor_email: str | None = None) -> AuditEvent:
    """Append one audit row (added to the caller's session; committed with its transaction).

    `obj` is any model instance with a table name and id; `detail` must never carry content
    (no names, texts or addresses of the record), only what kind of thing happened.
    """
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
    event = AuditEvent(
        at=now, actor_id=getattr(actor, "id", None),
        actor_email=_printable(actor_email or getattr(actor, "email", None), 254),
        action=action, object_type=object_type, object_id=object_id,
        ip_address=_client_address(), detail=_printable(detail, 200),
    )
    db.session.add(event)
    return event


def record_export(actor, now: datetime, kind: str, fmt: str = "csv", *, object_id: int | None = None) -> AuditEvent:
    """Audit a data export: `kind` names what was exported (contacts, coverage…), `fmt` the format.

    Filters and search words are not kept: they can themselves be sensitive.
    """
    return record_event(actor, now, "data_exported", object_type=kind[:40], object_id=object_id,
                        detail=fmt)


def events_query(*, actor: str | None = None, action: str | None = None, object_type: str | None = None,
                 object_id: int | None = None, since: datetime | None = None, until: datetime | None = None):
    """Audit rows, newest first, narrowed by whichever filters are given (actor: part of an email)."""
    query = select(AuditEvent)
    if actor:
        query = query.where(AuditEvent.actor_email.ilike(f"%{_escape_like(actor)}%", escape="\\"))
    if action:
        query = query.where(AuditEvent.action == action)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def object_types() -> list[str]:
    """The kinds of object that appear in the log, for the filter."""
    return list(db.session.scalars(select(AuditEvent.object_type).where(AuditEvent.object_type.is_not(None))
                                   .distinct().order_by(AuditEvent.object_type)))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


CSV_COLUMNS = ["id", "at_utc", "actor_id", "actor_email", "action", "object_type", "object_id",
               "ip_address", "detail"]


def events_csv(query, batch: int = 1000):
    """The rows of `query` as CSV text, a chunk at a time."""
    rows = ((event.id, event.at.isoformat() if event.at else "", event.actor_id, event.actor_email,
             event.action, event.object_type, event.object_id, event.ip_address, event.detail)
            for event in db.session.scalars(query.execution_options(yield_per=batch)))
    return csv_chunks(CSV_COLUMNS, rows)
