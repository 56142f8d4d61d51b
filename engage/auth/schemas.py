"""The sign-in write schema: what the sign-in form must carry before its credentials are checked.

Neither value is cleaned: an address is looked up as typed (check_credentials audits what was tried,
control characters and all), and a password is every character the person typed.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator

from engage.schemas import problem

EMAIL_LENGTH = 254
PASSWORD_LENGTH = 1024


def _given(limit: int):
    """A value that is there (not blank) and at most `limit` characters, kept as it came."""
    def check(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise problem("This field is required.")
        if len(value) > limit:
            raise problem(f"Field cannot be longer than {limit} characters.")
        return value
    return Annotated[str, PlainValidator(check), Field(json_schema_extra={"maxLength": limit})]


class SignIn(BaseModel):
    """Sign in with an email address and a password."""

    model_config = ConfigDict(title="SignIn")
    email: _given(EMAIL_LENGTH)
    password: _given(PASSWORD_LENGTH)
