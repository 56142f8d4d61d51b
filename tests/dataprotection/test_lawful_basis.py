"""Lawful basis, consent and do-not-contact: checked together, errors naming the field, nothing half-saved."""
import pytest
from sqlalchemy import select

from engage.directory import services as directory
from engage.directory.models import Contact
from engage.errors import ValidationError
from engage.extensions import db
from engage.history import ChangeRecord
from tests import factories
from tests.conftest import NOW


def test_a_new_contact_is_held_on_legitimate_interest(app):
    contact = factories.make_contact(full_name="Jane Doe", email="jane@example.org")
    assert contact.lawful_basis == "legitimate_interest"
    assert contact.do_not_contact is False and contact.consent_wording is None


def test_consent_needs_the_wording_and_when(app):
    with pytest.raises(ValidationError) as caught:
        directory.create_contact(None, NOW, {"full_name": "Jane Doe", "email": "jane@example.org",
                                             "lawful_basis": "consent"})
    assert set(caught.value.fields) == {"consent_text", "consent_at"}  # the API's names, everywhere
    assert "wording" in caught.value.fields["consent_text"][0]
    db.session.rollback()
    assert db.session.scalar(select(Contact).where(Contact.email == "jane@example.org")) is None


def test_consent_with_wording_and_date_is_kept(app):
    contact = directory.create_contact(None, NOW, {
        "full_name": "Jane Doe", "email": "jane@example.org", "lawful_basis": "consent",
        "consent_wording": "I agree to engage keeping my work contact details.", "consent_given_at": "2026-11-20",
        "privacy_notice_sent_at": "2026-11-21T10:00:00+03:00", "source": "UPR side event sign-up sheet"})
    db.session.commit()
    assert contact.consent_given_at.isoformat() == "2026-11-19T21:00:00+00:00"  # midnight in Nairobi
    assert contact.privacy_notice_sent_at.isoformat() == "2026-11-21T07:00:00+00:00"
    assert contact.source == "UPR side event sign-up sheet"


@pytest.mark.parametrize("data, field, words", [
    ({"lawful_basis": "contract"}, "lawful_basis", "Choose one of"),
    ({"consent_given_at": "yesterday"}, "consent_at", "Not a date"),
    ({"privacy_notice_sent_at": "2026-11-21T10:00:00"}, "privacy_notice_sent_on", "offset"),
    ({"privacy_notice_sent_at": "2027-01-01"}, "privacy_notice_sent_on", "future"),
    ({"do_not_contact": True}, "do_not_contact_reason", "Say why"),
    ({"do_not_contact": "yes"}, "do_not_contact", "true or false"),
    ({"do_not_contact_reason": "x" * 201, "do_not_contact": True}, "do_not_contact_reason", "At most 200"),
])
def test_bad_values_name_their_field(app, data, field, words):
    contact = factories.make_contact(full_name="Jane Doe", email="jane@example.org")
    with pytest.raises(ValidationError) as caught:
        directory.update_contact(None, NOW, contact, data)
    assert field in caught.value.fields and words in caught.value.fields[field][0]
    db.session.rollback()
    assert db.session.get(Contact, contact.id).do_not_contact is False


def test_do_not_contact_records_since_when_and_can_be_lifted(app):
    contact = factories.make_contact(full_name="Jane Doe", email="jane@example.org")
    changed = directory.update_contact(None, NOW, contact, {"do_not_contact": True,
                                                            "do_not_contact_reason": "Objected by email"})
    db.session.commit()
    assert contact.do_not_contact_since == NOW and "do_not_contact" in changed
    directory.update_contact(None, NOW, contact, {"do_not_contact": False})
    db.session.commit()
    assert contact.do_not_contact is False and contact.do_not_contact_since is None
    assert contact.do_not_contact_reason is None
    history = db.session.scalars(select(ChangeRecord).where(ChangeRecord.entity_id == contact.id,
                                                            ChangeRecord.entity_type == "contact")).all()
    assert any("do_not_contact" in (r.changes or {}) for r in history)


def test_an_import_never_lifts_an_objection(app):
    from engage.directory.imports import import_contacts

    contact = factories.make_contact(full_name="Jane Doe", email="jane@example.org")
    directory.update_contact(None, NOW, contact, {"do_not_contact": True, "do_not_contact_reason": "Objection"})
    db.session.commit()
    report = import_contacts("full_name,email,position\nJane Doe,jane@example.org,Counsellor\n", None, NOW)
    db.session.commit()
    assert not report.errors
    assert contact.do_not_contact is True and contact.position == "Counsellor"


def test_the_edit_form_saves_the_fields_and_shows_errors_beside_them(app, staff_client):
    contact = factories.make_contact(full_name="Jane Doe", email="jane@example.org")
    form = {"full_name": "Jane Doe", "email": "jane@example.org", "organisation_id": "", "language": "en",
            "timezone": "", "lawful_basis": "consent", "consent_wording": "", "consent_given_at": "",
            "privacy_notice_sent_at": "2026-11-02", "do_not_contact": "y", "do_not_contact_reason": ""}
    response = staff_client.post(f"/directory/contacts/{contact.id}/edit", data=form)
    page = response.get_data(as_text=True)
    assert "record the wording the person agreed to" in page and "Say why" in page
    assert db.session.get(Contact, contact.id).lawful_basis == "legitimate_interest"
    form.update(consent_wording="I agree.", consent_given_at="2026-11-01", do_not_contact_reason="Objection")
    response = staff_client.post(f"/directory/contacts/{contact.id}/edit", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Contact, contact.id)
    assert saved.lawful_basis == "consent" and saved.do_not_contact and saved.consent_wording == "I agree."
    page = staff_client.get(f"/directory/contacts/{contact.id}").get_data(as_text=True)
    assert "Do not contact" in page and "Consent" in page and "I agree." in page
    # Saving again unchanged changes nothing (the dates round-trip through the Nairobi day).
    response = staff_client.post(f"/directory/contacts/{contact.id}/edit", data=form, follow_redirects=True)
    assert "Nothing was changed" in response.get_data(as_text=True)


def test_the_api_uses_the_contract_names(app, staff_api):
    response = staff_api.post("/api/v1/contacts", json={
        "full_name": "Jane Doe", "email": "jane@example.org", "lawful_basis": "consent",
        "consent_text": "I agree.", "consent_at": "2026-11-20T09:00:00+03:00", "privacy_notice_sent_on": "2026-11-21",
        "source": "Business card"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["lawful_basis"] == "consent" and body["consent_text"] == "I agree."
    assert body["consent_at"] == "2026-11-20T06:00:00Z" and body["privacy_notice_sent_on"] == "2026-11-21"
    assert body["do_not_contact"] is False and body["source"] == "Business card"
    response = staff_api.patch(f"/api/v1/contacts/{body['id']}", json={"consent_at": "2026-11-20T09:00:00"})
    assert response.status_code == 422
    assert "consent_at" in response.get_json()["error"]["fields"]
    response = staff_api.patch(f"/api/v1/contacts/{body['id']}", json={"do_not_contact": True})
    assert response.status_code == 422 and "do_not_contact_reason" in response.get_json()["error"]["fields"]
    response = staff_api.patch(f"/api/v1/contacts/{body['id']}",
                               json={"do_not_contact": True, "do_not_contact_reason": "Consent withdrawn"})
    assert response.status_code == 200 and response.get_json()["do_not_contact"] is True


def test_a_null_never_lifts_an_objection(app, staff_api):
    contact = factories.make_contact(full_name="Jane Doe", email="jane@example.org")
    directory.update_contact(None, NOW, contact, {"do_not_contact": True, "do_not_contact_reason": "Objection"})
    db.session.commit()
    response = staff_api.patch(f"/api/v1/contacts/{contact.id}", json={"do_not_contact": None, "lawful_basis": None,
                                                                       "position": "Counsellor"})
    assert response.status_code == 200
    assert response.get_json()["do_not_contact"] is True and response.get_json()["lawful_basis"] == "legitimate_interest"
