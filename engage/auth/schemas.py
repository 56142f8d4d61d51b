"""The account write schemas: what the sign-in, add-a-user and new-token forms must carry before the
services look at it (auth/services.py normalises the address and refuses duplicates and bad roles).

Nothing is cleaned here: an address is looked up as typed (check_credentials audits what was tried,
control characters and all), and a password is every character the person typed.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator

from engage.schemas import problem

EMAIL_LENGTH = 254
PASSWORD_LENGTH = 1024
NAME_LENGTH = 200
TOKEN_NAME_LENGTH = 100


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


class UserCreate(BaseModel):
    """Add a user (an admin, on the users page); the role is one of the form's choices."""

    model_config = ConfigDict(title="UserCreate")
    email: _given(EMAIL_LENGTH)
    full_name: _given(NAME_LENGTH)


def _token_name(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise problem("Must be text.")
    if len(value) > TOKEN_NAME_LENGTH:
        raise problem(f"Field cannot be longer than {TOKEN_NAME_LENGTH} characters.")
    return value


class TokenCreate(BaseModel):
    """Make an API token for oneself, named for what it is for (or not named)."""

    model_config = ConfigDict(title="TokenCreate")
    name: Annotated[str, PlainValidator(_token_name), Field(json_schema_extra={"maxLength": TOKEN_NAME_LENGTH})] = ""
