"""Writing audit events (reading and filtering them lives here too)."""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request

from engage.audit.models import AuditEvent
from engage.extensions import db


def _client_address() -> str | None:
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:45] or None


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
        actor_email=actor_email or getattr(actor, "email", None),
        action=action, object_type=object_type, object_id=object_id,
        ip_address=_client_address(), detail=(detail or None) and detail[:200],
    )
    db.session.add(event)
    return event
