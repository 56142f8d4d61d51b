"""The data-protection write schemas: logging a request as received (the requests page).

A contact's own data-protection fields are part of the contact's schema (directory/schemas.py,
with ProtectionFields from directory/protection.py); exports and erasures take no values beyond
their confirmation.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, PlainValidator, WithJsonSchema

from engage.schemas import Text, problem

from .models import REQUEST_KINDS, DataRequest

MAX_ID = 2**31 - 1


def _kind(value: Any) -> str:
    if not isinstance(value, str) or value not in REQUEST_KINDS:
        raise problem(_("Choose one of: %(choices)s.", choices=", ".join(REQUEST_KINDS)))
    return value


def _contact_id(value: Any) -> int:
    if value in (None, ""):
        raise problem(_("Choose the contact the request is about."))
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())  # what the page's input posts
    if isinstance(value, bool) or not isinstance(value, int):
        raise problem(_("Choose the contact the request is about."))
    if not 1 <= value <= MAX_ID:
        raise problem(_("No contact with id %(id)s.", id=value))
    return value


def _day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise problem(_("Not a date; write it as YYYY-MM-DD."))


class DataRequestCreate(BaseModel):
    """Log an access or erasure request as received."""

    model_config = ConfigDict(title="DataRequestCreate")
    kind: Annotated[str, PlainValidator(_kind), WithJsonSchema({"type": "string", "enum": list(REQUEST_KINDS)})]
    contact_id: Annotated[int, PlainValidator(_contact_id), WithJsonSchema({"type": "integer", "minimum": 1})]
    received_on: Annotated[date | None, PlainValidator(_day), WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]})] = None
    notes: Text(DataRequest.notes, multiline=True) = None
