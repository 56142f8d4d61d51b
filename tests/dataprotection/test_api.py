"""GET /contacts/{id}/export and POST /contacts/{id}/erase: the DPO only (403 for others, 404 for unknown)."""
import csv
import io

import pytest
from sqlalchemy import select

from engage.dataprotection import erasure
from engage.directory.models import Contact
from engage.extensions import db
from tests.dataprotection.conftest import EMAIL, NAME


@pytest.mark.parametrize("who", ["staff_api", "lead_api", "admin_api"])
def test_only_the_dpo_may_export_or_erase(app, request, who, amina):
    api = request.getfixturevalue(who)
    assert api.get(f"/api/v1/contacts/{amina.id}/export").status_code == 403
    response = api.post(f"/api/v1/contacts/{amina.id}/erase")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert db.session.get(Contact, amina.id).email == EMAIL


def test_without_a_token_it_is_401(app, client, amina):
    assert client.get(f"/api/v1/contacts/{amina.id}/export").status_code == 401
    assert client.post(f"/api/v1/contacts/{amina.id}/erase").status_code == 401


@pytest.mark.parametrize("contact_id", [999, 2**40])
def test_an_unknown_contact_is_404(app, dpo_api, contact_id):
    assert dpo_api.get(f"/api/v1/contacts/{contact_id}/export").status_code == 404
    assert dpo_api.post(f"/api/v1/contacts/{contact_id}/erase").status_code == 404


def test_the_dpo_exports_json_and_csv(app, dpo_api, amina, story):
    response = dpo_api.get(f"/api/v1/contacts/{amina.id}/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["contact"]["email"] == EMAIL and len(body["meetings"]) == 2 and body["request"]["closed_at"]
    for kwargs in ({"query_string": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}):
        response = dpo_api.get(f"/api/v1/contacts/{amina.id}/export", **kwargs)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert any(r["section"] == "contact" and r["full_name"] == NAME for r in rows)
    response = dpo_api.get(f"/api/v1/contacts/{amina.id}/export", query_string={"format": "xml"})
    assert response.status_code == 422 and "format" in response.get_json()["error"]["fields"]


def test_the_dpo_erases_and_gets_a_summary(app, dpo_api, amina, story):
    contact_id = amina.id
    response = dpo_api.post(f"/api/v1/contacts/{contact_id}/erase", json={"notes": "delete"})
    assert response.status_code == 200, response.get_json()
    summary = response.get_json()
    assert summary["contact_id"] == contact_id and summary["notes_mode"] == "delete"
    assert summary["messages_to_them"] == 3 and summary["request"].startswith("DR-")
    assert "VACUUM" in summary["storage"] and "tables" not in summary
    assert erasure.storage_matches(EMAIL) == []
    assert dpo_api.post(f"/api/v1/contacts/{contact_id}/erase").status_code == 409
    assert dpo_api.get(f"/api/v1/contacts/{contact_id}/export").status_code == 409
    contact = db.session.scalar(select(Contact).where(Contact.id == contact_id))
    assert contact.full_name == "Anonymised participant"
    got = dpo_api.get(f"/api/v1/contacts/{contact_id}").get_json()
    assert got["erased"] is True and got["email"] == f"erased-{contact_id}@invalid"


def test_a_bad_erase_body_is_refused_and_nothing_erased(app, dpo_api, amina):
    response = dpo_api.post(f"/api/v1/contacts/{amina.id}/erase", json={"notes": "shred"})
    assert response.status_code == 422 and "notes" in response.get_json()["error"]["fields"]
    response = dpo_api.post(f"/api/v1/contacts/{amina.id}/erase", data="[1]", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert db.session.get(Contact, amina.id).email == EMAIL


def test_the_routes_are_in_the_openapi_document(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/contacts/{contact_id}/export"]
    assert "post" in paths["/api/v1/contacts/{contact_id}/erase"]
    contact = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Contact"]["properties"]
    assert {"lawful_basis", "consent_text", "consent_at", "privacy_notice_sent_on", "do_not_contact"} <= set(contact)
