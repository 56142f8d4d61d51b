"""The account write schemas: what the sign-in, add-a-user, new-token, change-password,
confirm-password, two-step code and DPO flag forms must carry before the services look at it (auth/services.py normalises the address and refuses duplicates and bad roles).

Nothing is cleaned here: an address is looked up as typed (check_credentials audits what was tried,
control characters and all), and a password is every character the person typed.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationInfo, field_validator
from flask_babel import gettext as _

from engage.schemas import problem

EMAIL_LENGTH = 254
PASSWORD_LENGTH = 1024
NAME_LENGTH = 200
TOKEN_NAME_LENGTH = 100
SIGN_IN_CODE_LENGTH = 40  # a recovery code, written with its dashes and spaces
ENROL_CODE_LENGTH = 20
MIN_PASSWORD_LENGTH = 10


def _given(limit: int):
    """A value that is there (not blank) and at most `limit` characters, kept as it came."""
    def check(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise problem(_("This field is required."))
        if len(value) > limit:
            raise problem(_("Field cannot be longer than %(num)s characters.", num=limit))
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
        raise problem(_("Must be text."))
    if len(value) > TOKEN_NAME_LENGTH:
        raise problem(_("Field cannot be longer than %(num)s characters.", num=TOKEN_NAME_LENGTH))
    return value


class LanguageChange(BaseModel):
    """Choose the language of one's pages (engage.i18n.APP_LANGUAGES), or "" to follow the browser."""

    model_config = ConfigDict(title="LanguageChange")
    language: Literal["", "en", "fr"] = ""


class TokenCreate(BaseModel):
    """Make an API token for oneself, named for what it is for (or not named)."""

    model_config = ConfigDict(title="TokenCreate")
    name: Annotated[str, PlainValidator(_token_name), Field(json_schema_extra={"maxLength": TOKEN_NAME_LENGTH})] = ""


def _new_password(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise problem(_("This field is required."))
    if not MIN_PASSWORD_LENGTH <= len(value) <= PASSWORD_LENGTH:
        raise problem(_("Field must be between %(min)s and %(max)s characters long.", min=MIN_PASSWORD_LENGTH,
                        max=PASSWORD_LENGTH))
    return value


class PasswordChange(BaseModel):
    """Change one's own password: the current one, and the new one typed twice alike
    (auth.services.change_password checks the current one)."""

    model_config = ConfigDict(title="PasswordChange")
    current_password: _given(PASSWORD_LENGTH)
    new_password: Annotated[str, PlainValidator(_new_password),
                            Field(json_schema_extra={"minLength": MIN_PASSWORD_LENGTH, "maxLength": PASSWORD_LENGTH})]
    confirm: _given(PASSWORD_LENGTH)

    @field_validator("confirm")
    @classmethod
    def _same_as_the_new(cls, value: str, info: ValidationInfo) -> str:
        # Beside the repeat, not the new password: that is the one to type again. When the new one was
        # refused itself, its own message says what to fix first.
        new = info.data.get("new_password")
        if new is not None and value != new:
            raise problem(_("The two do not match."))
        return value


class PasswordConfirm(BaseModel):
    """Type one's password again before a sensitive step (the view checks it is the right one)."""

    model_config = ConfigDict(title="PasswordConfirm")
    password: _given(PASSWORD_LENGTH)


class SignInCode(BaseModel):
    """The second step of signing in: a code from the authenticator app, or a recovery code
    (auth.twofactor.verify says whether it is right)."""

    model_config = ConfigDict(title="SignInCode")
    code: _given(SIGN_IN_CODE_LENGTH)


class TwoStepEnrol(BaseModel):
    """Turn on two-step sign-in with the code the app shows now (auth.twofactor.enrol checks it)."""

    model_config = ConfigDict(title="TwoStepEnrol")
    code: _given(ENROL_CODE_LENGTH)


def _flag(value: Any) -> bool:
    # The page posts "1" or "0" from a hidden input; anything else is a hand-made request.
    if value in ("1", "0"):
        return value == "1"
    if isinstance(value, bool):
        return value
    raise problem(_("Send 1 or 0."))


class DpoChange(BaseModel):
    """Name a data-protection officer (is_dpo 1) or remove one (0); auth.services.set_dpo says who may."""

    model_config = ConfigDict(title="DpoChange")
    is_dpo: Annotated[bool, PlainValidator(_flag), Field(json_schema_extra={"enum": ["0", "1"]})]
