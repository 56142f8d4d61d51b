"""One schema per write: the organisation and contact forms and the API refuse the same values with the
same message, under the same field name; nothing is saved."""
import pytest
from sqlalchemy import func, select

from engage.directory.models import Contact, Organisation
from engage.directory.schemas import ContactCreate, ContactUpdate, OrganisationCreate, OrganisationUpdate
from engage.extensions import db
from tests.directory.pages import field_errors
from tests.conftest import sqlite_only

CONTROL = "Contains a control character (U+0007); remove it."
ORG_FORM = {"name": "Permanent Mission of Norway", "kind": "permanent_mission", "country": "NO", "city": "Geneva",
            "timezone": "", "email": "", "phone": "", "website": "", "notes": "", "source": ""}
ORG_BODY = {"name": "Permanent Mission of Norway", "kind": "permanent_mission", "country": "NO", "city": "Geneva"}
CONTACT_FORM = {"full_name": "Ingrid Hansen", "email": "ingrid@mfa.no", "position": "Counsellor",
                "organisation_id": "", "phone": "", "language": "en", "timezone": "", "notes": "", "source": "",
                "lawful_basis": "legitimate_interest", "sensitivity": "internal"}
CONTACT_BODY = {"full_name": "Ingrid Hansen", "email": "ingrid@mfa.no", "position": "Counsellor"}
# The inputs that keep the names they always posted (the schema's name → the input's).
POSTED_AS = {"consent_at": "consent_given_at", "privacy_notice_sent_on": "privacy_notice_sent_at"}


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_update_schemas_are_the_create_schemas_made_partial():
    assert set(OrganisationUpdate.model_fields) == set(OrganisationCreate.model_fields) | {"archived"}
    assert set(ContactUpdate.model_fields) == set(ContactCreate.model_fields) | {"archived"}
    properties = ContactCreate.model_json_schema()["properties"]
    assert properties["full_name"]["maxLength"] == Contact.__table__.c.full_name.type.length
    assert properties["notes"]["maxLength"] == Contact.__table__.c.notes.info["max_length"]


@pytest.mark.parametrize("field, value, message", [
    ("name", "Mission\x07 of Norway", CONTROL),
    ("name", " ", "Give the organisation's name."),
    ("name", "x" * 201, "At most 200 characters."),
    ("kind", "spaceship", "Choose one of: ministry, embassy, high_commission, permanent_mission, un_agency, cso, "
                          "other."),
    ("website", "not a site", "Not a web address."),
    ("phone", "12", "Not a valid phone number for its country."),
    ("country", "Atlantis", "Unknown country 'Atlantis'; use an ISO code such as KE or a country name."),
    ("city", "Gen\x07eva", CONTROL),
    ("source", "x" * 201, "At most 200 characters."),
])
def test_the_organisation_form_and_the_api_refuse_alike(staff_client, staff_api, field, value, message):
    api = staff_api.post("/api/v1/organisations", json={**ORG_BODY, field: value})
    error = api.get_json()["error"]
    assert api.status_code == 422 and error["fields"][field] == [message], error
    assert error["message"] == f"{field}: {message}"
    page = staff_client.post("/directory/organisations/new", data={**ORG_FORM, field: value})
    assert field_errors(page, field) == [message]  # beside the field, the same words
    assert _count(Organisation) == 0


@sqlite_only
@pytest.mark.parametrize("field, value, message", [
    ("full_name", "Ingrid\x07 Hansen", CONTROL),
    ("full_name", "", "Give the person's name."),
    ("email", "", "An email address is needed to invite them."),
    ("phone", "12", "Not a valid phone number for its country."),
    ("language", "english!", "Use a language tag such as en, fr or sw."),
    ("timezone", "Mars/Olympus", "Unknown time zone 'Mars/Olympus'; use an IANA name such as Africa/Nairobi."),
    ("position", "x" * 201, "At most 200 characters."),
    ("do_not_contact_reason", "x" * 201, "At most 200 characters."),
    ("consent_at", "yesterday", "Not a date (2026-11-28) or a time with its offset (2026-11-28T09:00:00+03:00)."),
    ("lawful_basis", "whim", "Choose one of: legitimate_interest, consent."),
    ("sensitivity", "secret", "Choose internal or restricted."),
])
def test_the_contact_form_and_the_api_refuse_alike(staff_client, staff_api, field, value, message):
    api = staff_api.post("/api/v1/contacts", json={**CONTACT_BODY, field: value})
    error = api.get_json()["error"]
    assert api.status_code == 422 and error["fields"][field] == [message], error
    assert error["message"] == f"{field}: {message}"
    posted = POSTED_AS.get(field, field)
    page = staff_client.post("/directory/contacts/new", data={**CONTACT_FORM, posted: value})
    assert field_errors(page, posted) == [message]
    assert _count(Contact) == 0


def test_a_bad_email_is_refused_alike(staff_client, staff_api):
    api = staff_api.post("/api/v1/contacts", json={**CONTACT_BODY, "email": "nobody@"})
    [message] = api.get_json()["error"]["fields"]["email"]
    assert api.status_code == 422 and message.startswith("Not a valid email address")
    page = staff_client.post("/directory/contacts/new", data={**CONTACT_FORM, "email": "nobody@"})
    assert field_errors(page, "email") == [message]
    assert _count(Contact) == 0


def test_an_update_refuses_alike(staff_client, staff_api):
    org = staff_api.post("/api/v1/organisations", json=ORG_BODY).get_json()
    api = staff_api.patch(f"/api/v1/organisations/{org['id']}", json={"website": "not a site"})
    assert api.status_code == 422 and api.get_json()["error"]["fields"] == {"website": ["Not a web address."]}
    page = staff_client.post(f"/directory/organisations/{org['id']}/edit", data={**ORG_FORM, "website": "not a site"})
    assert field_errors(page, "website") == ["Not a web address."]
    db.session.expire_all()
    assert db.session.get(Organisation, org["id"]).website is None
