"""Checking a contact's data-protection fields (lawful basis, consent, privacy notice, do-not-contact).

They are columns of the contact, so the contact's schema (directory/schemas.py) holds them with its other fields; data
protection, a layer above (docs/architecture.md, "Layers"), reads the same definitions from here.
"""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from flask_babel import gettext as _
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, PlainValidator, StrictBool, WithJsonSchema
from pydantic_core import PydanticCustomError

from engage.clock import NAIROBI, localise
from engage.directory.models import Contact
from engage.i18n import N_
from engage.schemas import Text

LAWFUL_BASES = {
    "legitimate_interest": N_("Legitimate interest (an official acting in their role)"),
    "consent": N_("Consent"),
}
# The schema's names, which are the API's; the columns are consent_wording, consent_given_at and
# privacy_notice_sent_at (Python callers and the contact form may use those spellings too).
PROTECTION_FIELDS = ("lawful_basis", "consent_text", "consent_at", "privacy_notice_sent_on",
                     "do_not_contact", "do_not_contact_reason")


def clean_instant(value, field: str, errors: dict) -> datetime | None:
    """An aware instant from a datetime, a date (midnight in Nairobi) or ISO text with an offset."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                value = date.fromisoformat(text)
            else:
                value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            errors[field] = [_("Not a date (2026-11-28) or a time with its offset (2026-11-28T09:00:00+03:00).")]
            return None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            errors[field] = [_("Give the time with its offset, e.g. 2026-11-28T09:00:00+03:00.")]
            return None
        return value
    if isinstance(value, date):
        return localise(value, time(0), NAIROBI)
    errors[field] = [_("Must be a date or a time.")]
    return None


def _instant(value: Any) -> datetime | None:
    errors: dict = {}
    out = clean_instant(value, "", errors)
    if errors:
        raise PydanticCustomError("instant", errors[""][0])
    return out


def _basis(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or value not in LAWFUL_BASES:
        raise PydanticCustomError("lawful_basis", "{message}", {"message": _(
            "Choose one of: %(choices)s.", choices=", ".join(LAWFUL_BASES))})
    return value


Instant = Annotated[datetime | None, PlainValidator(_instant), WithJsonSchema(
    {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}, {"type": "null"}]})]


class ProtectionFields(BaseModel):
    """A contact's data-protection fields, as the contact form and the API both send them."""

    model_config = ConfigDict(title="ContactProtection")
    lawful_basis: Annotated[str | None, PlainValidator(_basis), WithJsonSchema(
        {"anyOf": [{"type": "string", "enum": list(LAWFUL_BASES)}, {"type": "null"}]})] = None
    consent_text: Text(Contact.consent_wording, multiline=True) = Field(
        None, validation_alias=AliasChoices("consent_text", "consent_wording"))
    consent_at: Instant = Field(None, validation_alias=AliasChoices("consent_at", "consent_given_at"))
    privacy_notice_sent_on: Instant = Field(
        None, validation_alias=AliasChoices("privacy_notice_sent_on", "privacy_notice_sent_at"))
    do_not_contact: StrictBool | None = None
    do_not_contact_reason: Text(Contact.do_not_contact_reason) = None


def protection_values(body: ProtectionFields) -> dict[str, Any]:
    """The data-protection columns from a checked body: those sent (absent ones are left alone), keyed
    by their columns."""
    sent = body.model_fields_set
    out: dict[str, Any] = {}
    # A null basis or flag means "leave it": a stray null must never lift an objection.
    if body.lawful_basis is not None:
        out["lawful_basis"] = body.lawful_basis
    if body.do_not_contact is not None:
        out["do_not_contact"] = body.do_not_contact
    for name, column in (("consent_text", "consent_wording"), ("consent_at", "consent_given_at"),
                         ("privacy_notice_sent_on", "privacy_notice_sent_at"),
                         ("do_not_contact_reason", "do_not_contact_reason")):
        if name in sent:
            out[column] = getattr(body, name)
    return out


def settle_protection(now: datetime, contact, values: dict[str, Any]) -> dict[str, list[str]]:
    """Check the fields together against what the contact already holds; fills do_not_contact_since.

    Returns the errors (field: messages); `values` gains do_not_contact_since when the flag changes.
    """
    def merged(field, default=None):
        if field in values:
            return values[field]
        return getattr(contact, field) if contact is not None else default

    errors: dict[str, list[str]] = {}
    if merged("lawful_basis", "legitimate_interest") == "consent":
        if not merged("consent_wording"):
            errors["consent_text"] = [_("With consent as the lawful basis, record the wording the person agreed to.")]
        if not merged("consent_given_at"):
            errors["consent_at"] = [_("With consent as the lawful basis, record when it was given.")]
    for column, field in (("consent_given_at", "consent_at"), ("privacy_notice_sent_at", "privacy_notice_sent_on")):
        value = values.get(column)
        if value is not None and value > now:
            errors[field] = [_("Cannot be in the future.")]
    was = bool(contact.do_not_contact) if contact is not None else False
    wanted = bool(merged("do_not_contact", False))
    if wanted and not merged("do_not_contact_reason"):
        errors["do_not_contact_reason"] = [_("Say why (an objection, or consent withdrawn), without other details.")]
    if wanted and not was:
        values["do_not_contact_since"] = now
    elif was and not wanted:
        values["do_not_contact_since"] = None
        values.setdefault("do_not_contact_reason", None)
    return errors
