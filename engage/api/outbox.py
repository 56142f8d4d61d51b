"""/outbox: what was sent, is waiting, or failed (admins only)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import g, request
from pydantic import BaseModel, ConfigDict

from engage.errors import ValidationError
from engage.outbox import services
from engage.outbox.models import OUTBOX_KINDS, OUTBOX_STATUSES, OutboxMessage

from .common import int_arg, page_args, paginated
from .openapi import api_route

Kind = Literal[tuple(OUTBOX_KINDS)]  # type: ignore[valid-type]
Status = Literal[tuple(OUTBOX_STATUSES)]  # type: ignore[valid-type]


class OutboxMessageOut(BaseModel):
    model_config = ConfigDict(title="OutboxMessage")
    id: int
    kind: Kind
    meeting_id: int | None
    to: str
    subject: str
    status: Status
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    message_id: str


def outbox_json(message: OutboxMessage) -> dict:
    """An outbox row as the contract shows it (times in UTC with Z)."""
    return OutboxMessageOut(id=message.id, kind=message.kind, meeting_id=message.meeting_id, to=message.recipient,
                            subject=message.subject, status=message.status, attempts=message.attempts,
                            last_error=message.last_error, created_at=message.created_at,
                            sent_at=message.sent_at, message_id=message.message_id).model_dump(mode="json")


@api_route("/outbox", "GET", "List outgoing messages and their delivery status", role="admin",
           response=OutboxMessageOut, is_list=True, params=(
               {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
               {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
               {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(OUTBOX_STATUSES)}},
               {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(OUTBOX_KINDS)}},
               {"name": "meeting_id", "in": "query", "schema": {"type": "integer"}},
               {"name": "to", "in": "query", "schema": {"type": "string"},
                "description": "Part of the recipient's address"}))
def list_outbox():
    page, per_page = page_args()
    try:
        query = services.outbox_query(g.api_user, status=request.args.get("status") or None,
                                      kind=request.args.get("kind") or None,
                                      meeting_id=int_arg("meeting_id"), recipient=request.args.get("to"))
    except ValidationError as exc:
        fields = {("to" if k == "recipient" else k): v for k, v in exc.fields.items()}
        raise ValidationError.for_fields(fields) from None
    return paginated(query, outbox_json, page, per_page)
