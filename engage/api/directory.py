"""/organisations and /contacts."""
from __future__ import annotations

from typing import Literal

from flask import g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from engage.access.guard import current_actor
from engage.access.services import sees_private_details
from engage.clock import now_utc
from engage.directory import services
from engage.directory.models import ORGANISATION_KINDS, Contact, Organisation
from engage.directory.schemas import ContactCreate, ContactUpdate, OrganisationCreate, OrganisationUpdate
from engage.members.services import coalition_mode

from .common import COALITION_ONLY, bool_arg, int_arg, json_body, page_args, paginated, parse, text_arg
from .dataprotection import protection_json
from .openapi import api_route

Kind = Literal[tuple(ORGANISATION_KINDS)]  # type: ignore[valid-type]
Sensitivity = Literal["internal", "restricted"]
PAGE_PARAMS = (
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
    {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Text search"},
    {"name": "archived", "in": "query", "schema": {"type": "boolean"}, "description": "Default false"},
)


class OrganisationOut(BaseModel):
    model_config = ConfigDict(title="Organisation")
    id: int
    name: str
    kind: Kind
    country: str | None
    city: str | None
    timezone: str
    email: str | None
    phone: str | None
    website: str | None
    notes: str | None
    archived: bool


class ContactOut(BaseModel):
    model_config = ConfigDict(title="Contact")
    id: int
    full_name: str
    email: str
    organisation_id: int | None
    position: str | None
    phone: str | None
    language: str
    timezone: str
    notes: str | None
    archived: bool
    lawful_basis: str = "legitimate_interest"
    consent_text: str | None = None
    consent_at: str | None = None
    source: str | None = None
    privacy_notice_sent_on: str | None = None
    do_not_contact: bool = False
    do_not_contact_reason: str | None = None
    do_not_contact_since: str | None = None
    erased: bool = False
    sensitivity: Sensitivity = "internal"
    member_id: int | None = Field(default=None, description=COALITION_ONLY + "The member organisation that added "
                                  "the contact, whose users alone read its notes.")


def organisation_json(org: Organisation) -> dict:
    """An organisation as the contract shows it."""
    return OrganisationOut(id=org.id, name=org.name, kind=org.kind, country=org.country, city=org.city,
                           timezone=org.effective_timezone, email=org.email, phone=org.phone,
                           website=org.website, notes=org.notes, archived=org.is_archived).model_dump()


def contact_json(contact: Contact) -> dict:
    """A contact as the contract shows it."""
    body = ContactOut(id=contact.id, full_name=contact.full_name, email=contact.email,
                      organisation_id=contact.organisation_id, position=contact.position, phone=contact.phone,
                      language=contact.language, timezone=contact.effective_timezone,
                      # In a coalition, a contact's notes are the adding member's private details.
                      notes=contact.notes if sees_private_details(current_actor(), contact) else None,
                      archived=contact.is_archived, sensitivity=contact.sensitivity or "internal",
                      **protection_json(contact)).model_dump()
    # No word of members outside a coalition: the field is left out, as the document says.
    if coalition_mode():
        body["member_id"] = contact.member_id
    else:
        body.pop("member_id")
    return body


def _patch(model, data):
    """The body checked by the update schema, and `archived` (its own action) when sent."""
    body = parse(model, data)
    return body.archived, body


@api_route("/organisations", "GET", "List organisations", response=OrganisationOut, is_list=True,
           params=PAGE_PARAMS + (
               {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(ORGANISATION_KINDS)}},
               {"name": "city", "in": "query", "schema": {"type": "string"}},
               {"name": "country", "in": "query", "schema": {"type": "string"}}))
def list_organisations():
    page, per_page = page_args()
    query = services.organisation_query(q=text_arg("q"), kind=text_arg("kind"),
                                        city=text_arg("city"), country=text_arg("country"),
                                        archived=bool_arg("archived") if "archived" in request.args else False)
    return paginated(query, organisation_json, page, per_page)


@api_route("/organisations", "POST", "Create an organisation", body=OrganisationCreate, response=OrganisationOut,
           status=201, errors=(400, 401, 403, 409, 422))
def create_organisation():
    body = parse(OrganisationCreate, json_body())
    org = services.create_organisation(g.api_user, now_utc(), body)
    return jsonify(organisation_json(org)), 201


@api_route("/organisations/<int:org_id>", "GET", "Get an organisation", response=OrganisationOut)
def get_organisation(org_id):
    return jsonify(organisation_json(services.get_organisation(org_id)))


@api_route("/organisations/<int:org_id>", "PATCH", "Update an organisation", body=OrganisationUpdate,
           response=OrganisationOut, errors=(400, 401, 403, 404, 409, 422))
def update_organisation(org_id):
    org = services.get_organisation(org_id)
    archived, values = _patch(OrganisationUpdate, json_body())
    now = now_utc()
    services.update_organisation(g.api_user, now, org, values)
    if archived is not None:
        services.set_organisation_archived(g.api_user, now, org, archived)
    return jsonify(organisation_json(org))


@api_route("/contacts", "GET", "List contacts", response=ContactOut, is_list=True,
           params=PAGE_PARAMS + (
               {"name": "organisation_id", "in": "query", "schema": {"type": "integer"}},
               {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(ORGANISATION_KINDS)}},
               {"name": "city", "in": "query", "schema": {"type": "string"}},
               {"name": "country", "in": "query", "schema": {"type": "string"}},
               {"name": "member_id", "in": "query", "schema": {"type": "integer"},
                "description": COALITION_ONLY + "The contacts one member organisation added (of those the caller "
                               "may see)."}))
def list_contacts():
    page, per_page = page_args()
    query = services.contact_query(q=text_arg("q"), organisation_id=int_arg("organisation_id"),
                                   kind=text_arg("kind"), city=text_arg("city"),
                                   country=text_arg("country"),
                                   archived=bool_arg("archived") if "archived" in request.args else False,
                                   actor=g.api_user, member_id=int_arg("member_id"))
    return paginated(query, contact_json, page, per_page)


@api_route("/contacts", "POST", "Create a contact", body=ContactCreate, response=ContactOut, status=201,
           errors=(400, 401, 403, 409, 422))
def create_contact():
    body = parse(ContactCreate, json_body())
    contact = services.create_contact(g.api_user, now_utc(), body)
    return jsonify(contact_json(contact)), 201


@api_route("/contacts/<int:contact_id>", "GET", "Get a contact", response=ContactOut)
def get_contact(contact_id):
    return jsonify(contact_json(services.get_contact(contact_id, g.api_user)))


@api_route("/contacts/<int:contact_id>", "PATCH", "Update a contact", body=ContactUpdate, response=ContactOut,
           errors=(400, 401, 403, 404, 409, 422))
def update_contact(contact_id):
    contact = services.get_contact(contact_id, g.api_user)
    archived, values = _patch(ContactUpdate, json_body())
    now = now_utc()
    services.update_contact(g.api_user, now, contact, values)
    if archived is not None:
        services.set_contact_archived(g.api_user, now, contact, archived)
    return jsonify(contact_json(contact))
