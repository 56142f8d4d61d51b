"""The directory's write schemas: one model per operation, shared by the forms, the API and CSV imports.

The field names are the API's and the forms': an organisation's `name`, `kind`, `country`, … and a
contact's `full_name`, `email`, `organisation_id`, … with the data-protection fields as
`ProtectionFields` names them (`consent_text`, `consent_at`, …). The checks that need the database
(is that organisation live?) follow the models and name the same fields.
"""
from __future__ import annotations

import re
from typing import Annotated, Any

import phonenumbers
from flask_babel import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, StrictBool, WithJsonSchema

from engage.access.models import SENSITIVITIES
from engage.auth.services import normalise_email
from engage.clock import is_valid_timezone
from engage.countries import country_code
from engage.errors import ValidationError
from engage.extensions import db
from engage.schemas import Text, check, partial, problem, refuse

from .models import ORGANISATION_KINDS, Contact, Organisation
from .protection import ProtectionFields, protection_values

LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
WEBSITE_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", re.I)
DEFAULT_PHONE_REGION = "KE"
MAX_ID = 2**31 - 1
ORGANISATION_FIELDS = ("name", "kind", "country", "city", "timezone", "email", "phone", "website",
                       "notes", "source")
CONTACT_FIELDS = ("full_name", "email", "organisation_id", "position", "phone", "language", "timezone",
                  "notes", "source")


# ---- field checks (after clean_text: the value is trimmed text or None) ----

def _email(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalise_email(value)
    except ValidationError as exc:
        raise problem(exc.fields["email"][0]) from None


def _phone(value: str | None) -> str | None:
    """A phone number in E.164 (+254…); Kenyan numbers may be written locally (0722…)."""
    if value is None:
        return None
    try:
        parsed = phonenumbers.parse(value, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise problem(_("Not a phone number; write it as +CC… or a Kenyan number.")) from None
    if not phonenumbers.is_valid_number(parsed):
        raise problem(_("Not a valid phone number for its country."))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _country(value: str | None) -> str | None:
    """An ISO alpha-2 code from a code or an English country name."""
    if value is None:
        return None
    code = country_code(value)
    if code is None:
        raise problem(_("Unknown country %(value)s; use an ISO code such as KE or a country name.",
                        value=repr(value[:60])))
    return code


def _timezone(value: str | None) -> str | None:
    if value is not None and not is_valid_timezone(value):
        raise problem(_("Unknown time zone %(value)s; use an IANA name such as Africa/Nairobi.",
                        value=repr(value[:60])))
    return value


def _website(value: str | None) -> str | None:
    if value is None:
        return None
    if not re.match(r"^https?://", value, re.I):
        value = "https://" + value
    if not WEBSITE_RE.match(value):
        raise problem(_("Not a web address."))
    return value


def _language(value: str | None) -> str:
    if value is not None and not LANGUAGE_RE.match(value):
        raise problem(_("Use a language tag such as en, fr or sw."))
    return value or "en"


def _kind(value: Any) -> str:
    if not isinstance(value, str) or value not in ORGANISATION_KINDS:
        raise problem(_("Choose one of: %(choices)s.", choices=", ".join(ORGANISATION_KINDS)))
    return value


def _organisation_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise problem(_("Must be the id of an organisation."))
    if not 0 < value <= MAX_ID:  # beyond the column's range PostgreSQL refuses the lookup itself
        raise problem(_("No organisation with id %(id)s.", id=value))
    return value


def _sensitivity(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.strip().lower() in SENSITIVITIES:
        return value.strip().lower()
    raise problem(_("Choose internal or restricted."))


Country = Annotated[Text(length=200), AfterValidator(_country)]
Zone = Annotated[Text(length=200), AfterValidator(_timezone)]
Phone = Annotated[Text(length=100), AfterValidator(_phone)]
Kind = Annotated[str, PlainValidator(_kind), WithJsonSchema({"type": "string", "enum": list(ORGANISATION_KINDS)})]
OrganisationId = Annotated[int | None, PlainValidator(_organisation_id), WithJsonSchema(
    {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]})]
Sensitivity = Annotated[str | None, PlainValidator(_sensitivity), WithJsonSchema(
    {"anyOf": [{"type": "string", "enum": list(SENSITIVITIES)}, {"type": "null"}]})]


class OrganisationCreate(BaseModel):
    """Add an organisation (POST /organisations, the organisation form, a CSV row)."""

    model_config = ConfigDict(title="OrganisationCreate")
    name: Text(Organisation.name, required="Give the organisation's name.")
    kind: Kind
    country: Country = None
    city: Text(Organisation.city) = None
    timezone: Zone = Field(None, description="Default: from the city (Nairobi, Geneva, …)")
    email: Annotated[Text(Organisation.email), AfterValidator(_email)] = None
    phone: Phone = None
    website: Annotated[Text(Organisation.website), AfterValidator(_website)] = None
    notes: Text(Organisation.notes, multiline=True) = None
    source: Text(Organisation.source) = None


# A change: the same fields, each optional; archiving (its own action) beside them for the API.
OrganisationUpdate = partial(OrganisationCreate, "OrganisationUpdate", archived=(StrictBool | None, None))


class ContactCreate(ProtectionFields):
    """Add a contact (POST /contacts, the contact form, a CSV row); with its data-protection fields."""

    model_config = ConfigDict(title="ContactCreate")
    full_name: Text(Contact.full_name, required="Give the person's name.")
    email: Annotated[Text(Contact.email, required="An email address is needed to invite them."),
                     AfterValidator(_email)]
    organisation_id: OrganisationId = None
    position: Text(Contact.position) = None
    phone: Phone = None
    language: Annotated[Text(Contact.language), AfterValidator(_language)] = Field(
        None, description="A language tag (en, fr, sw…); default en")
    timezone: Zone = Field(None, description="Default: the organisation's")
    notes: Text(Contact.notes, multiline=True) = None
    source: Text(Contact.source) = None
    sensitivity: Sensitivity = None


ContactUpdate = partial(ContactCreate, "ContactUpdate", archived=(StrictBool | None, None))


# ---- from a checked body to the columns, with the checks that need the database ----

def organisation_values(data: Any, partial: bool = False) -> dict[str, Any]:
    """The organisation's columns from `data` checked by its schema (with `partial`, only those sent)."""
    body = check(OrganisationUpdate if partial else OrganisationCreate, data)
    return {name: getattr(body, name) for name in ORGANISATION_FIELDS if not partial or name in body.model_fields_set}


def contact_values(data: Any, partial: bool = False) -> dict[str, Any]:
    """The contact's columns from `data` checked by its schema (with `partial`, only those sent);
    `sensitivity` is left out (it has its own rules). Refuses an organisation that is missing or archived."""
    body = check(ContactUpdate if partial else ContactCreate, data)
    sent = body.model_fields_set
    out = {name: getattr(body, name) for name in CONTACT_FIELDS if not partial or name in sent}
    if "language" in out:
        out["language"] = out["language"] or "en"
    out.update(protection_values(body))  # only the ones given: an import never resets an objection
    if out.get("organisation_id") is not None:
        org = db.session.get(Organisation, out["organisation_id"])
        if org is None:
            refuse({"organisation_id": f"No organisation with id {out['organisation_id']}."})
        elif org.is_archived:
            refuse({"organisation_id": f"{org.name} is archived; restore it first."})
    return out

