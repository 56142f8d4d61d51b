"""The access write schemas: adding or changing an access group (the groups pages), granting a
record to one person or one group (a record's access panel), and naming or removing a
data-protection officer (the officers page).

Members take a person by id, chosen from the page's list; the services look people and groups up and
refuse what they cannot find.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationInfo, field_validator
from flask_babel import gettext as _

from engage.auth.schemas import DpoChange
from engage.i18n import N_
from engage.schemas import Text, problem

from .models import AccessGroup

DESCRIPTION_LENGTH = 2000


class GroupWrite(BaseModel):
    """Add a group, or rename and re-describe one."""

    model_config = ConfigDict(title="GroupWrite")
    name: Text(AccessGroup.name, required=N_("Give the group a name."))
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
        raise problem(_("Choose a person."))
    return number


class OfficerChange(DpoChange):
    """Name a person a data-protection officer (is_dpo 1) or remove one (0), on the officers page."""

    model_config = ConfigDict(title="OfficerChange")
    user_id: Annotated[int, PlainValidator(_person), Field(json_schema_extra={"minimum": 1, "maximum": 2**31 - 1})]


def _optional_id(value: Any) -> int | None:
    # Blank is "not this one"; the page's lists post only their own ids, so anything else is refused.
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(value.strip() if isinstance(value, str) else value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or not 0 < number < 2**31:
        raise problem(_("Choose from the list."))
    return number


OptionalId = Annotated[int | None, PlainValidator(_optional_id),
                       Field(json_schema_extra={"minimum": 1, "maximum": 2**31 - 1})]


class GrantWrite(BaseModel):
    """Let one person (user_id) or one group (group_id) see a record: exactly one of the two."""

    model_config = ConfigDict(title="GrantWrite")
    user_id: OptionalId = None
    group_id: Annotated[OptionalId, Field(validate_default=True)] = None

    @field_validator("group_id")
    @classmethod
    def _one_of_the_two(cls, value: int | None, info: ValidationInfo) -> int | None:
        # Beside the group, the second choice: when the person was refused itself, that says what to fix.
        if "user_id" in info.data and (info.data["user_id"] is None) == (value is None):
            raise problem(_("Choose one person or one group."))
        return value
