"""The write schema for the organisation's settings (the setup command and the admin page both use it)."""
from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from engage.auth.services import normalise_email
from engage.errors import ValidationError
from engage.i18n import N_
from engage.schemas import Text, problem

from .models import OrganisationSettings


def _email(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalise_email(value, "reply_to")
    except ValidationError as exc:
        raise problem(exc.fields["reply_to"][0]) from None


class OrganisationUpdate(BaseModel):
    """The organisation's name, and the address replies from people go to (blank: the organiser mailbox)."""

    model_config = ConfigDict(extra="forbid")

    name: Text(OrganisationSettings.name, required=N_("Give the organisation's name: invitations say who is asking."))
    reply_to: Annotated[Text(OrganisationSettings.reply_to), AfterValidator(_email)] = None
