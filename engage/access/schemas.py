"""The access write schemas: adding or changing an access group (the groups pages), and naming or
removing a data-protection officer (the officers page).

Grants and members take a record or a person by id, chosen from the page's lists; the services look
them up and refuse what they cannot find.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator

from engage.auth.schemas import DpoChange
from engage.schemas import Text, problem

from .models import AccessGroup

DESCRIPTION_LENGTH = 2000


class GroupWrite(BaseModel):
    """Add a group, or rename and re-describe one."""

    model_config = ConfigDict(title="GroupWrite")
    name: Text(AccessGroup.name, required="Give the group a name.")
    description: Text(length=DESCRIPTION_LENGTH, multiline=True) = None


def _person(value: Any) -> int:
    # The page offers only people from its list; blank, not a number or out of range is a hand-made request.
    if isinstance(value, str):
        value = value.strip()
    try:
        number = int(value) if not isinstance(value, bool) and value not in (None, "") else None
    except (TypeError, ValueError):
        number = None
    if number is None or not 0 < number < 2**31:
        raise problem("Choose a person.")
    return number


class OfficerChange(DpoChange):
    """Name a person a data-protection officer (is_dpo 1) or remove one (0), on the officers page."""

    model_config = ConfigDict(title="OfficerChange")
    user_id: Annotated[int, PlainValidator(_person), Field(json_schema_extra={"minimum": 1, "maximum": 2**31 - 1})]
