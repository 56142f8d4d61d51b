"""The access write schemas: adding or changing an access group (the groups pages).

Grants, members and the data-protection officer take a record or a person by id, chosen from the
page's lists; the services look them up and refuse what they cannot find.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from engage.schemas import Text

from .models import AccessGroup

DESCRIPTION_LENGTH = 2000


class GroupWrite(BaseModel):
    """Add a group, or rename and re-describe one."""

    model_config = ConfigDict(title="GroupWrite")
    name: Text(AccessGroup.name, required="Give the group a name.")
    description: Text(length=DESCRIPTION_LENGTH, multiline=True) = None
