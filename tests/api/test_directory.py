"""/api/v1/organisations and /api/v1/contacts, as the API contract says."""
import pytest

from engage.directory.models import Contact
from engage.extensions import db
from tests import factories


def test_create_organisation_defaults_the_zone_from_the_city(staff_api):
    response = staff_api.post("/api/v1/organisations", json={
        "name": "Permanent Mission of Norway", "kind": "permanent_mission", "country": "Norway", "city": "Geneva"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["country"] == "NO"
    assert body["timezone"] == "Europe/Zurich"
    assert body["archived"] is False
    assert set(body) >= {"id", "name", "kind", "country", "city", "timezone", "email", "phone", "website", "notes",
                         "archived"}


def test_organisation_list_filters_paginates_and_searches(staff_api):
    factories.make_organisation(name="Embassy of Sweden", country="SE", city="Nairobi")
    factories.make_organisation(name="Permanent Mission of Sweden", kind="permanent_mission", country="SE",
                                city="Geneva")
    factories.make_organisation(name="Ministry of Health", kind="ministry", country="KE", city="Nairobi")
    body = staff_api.get("/api/v1/organisations?city=Geneva").get_json()
    assert [o["name"] for o in body["items"]] == ["Permanent Mission of Sweden"]
    body = staff_api.get("/api/v1/organisations?q=sweden&per_page=1&page=2").get_json()
    assert body["total"] == 2 and body["page"] == 2 and body["per_page"] == 1 and len(body["items"]) == 1
    body = staff_api.get("/api/v1/organisations?kind=ministry").get_json()
    assert body["total"] == 1
    body = staff_api.get("/api/v1/organisations?country=KE").get_json()
    assert [o["name"] for o in body["items"]] == ["Ministry of Health"]


def test_patch_changes_only_what_was_sent_and_archives(staff_api):
    org = factories.make_organisation(name="Embassy of Chile", country="CL", notes="keep me")
    response = staff_api.patch(f"/api/v1/organisations/{org.id}", json={"phone": "020 123 4567"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["phone"] == "+254201234567" and body["notes"] == "keep me"
    body = staff_api.patch(f"/api/v1/organisations/{org.id}", json={"archived": True}).get_json()
    assert body["archived"] is True
    assert staff_api.get("/api/v1/organisations").get_json()["total"] == 0
    assert staff_api.get("/api/v1/organisations?archived=true").get_json()["total"] == 1


def test_contact_create_validates_and_normalises(staff_api):
    org = factories.make_organisation(city="Geneva", country="CH", kind="un_agency", name="OHCHR")
    response = staff_api.post("/api/v1/contacts", json={
        "full_name": "Zoë Müller", "email": "Zoe.Muller@Example.ORG", "organisation_id": org.id,
        "phone": "+41 22 917 12 34", "language": "fr"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["email"] == "zoe.muller@example.org"
    assert body["phone"] == "+41229171234"
    assert body["timezone"] == "Europe/Zurich"  # inherited from the organisation
    assert body["language"] == "fr"


def test_contact_email_is_unique_among_live_contacts(staff_api):
    factories.make_contact(email="dup@example.org")
    response = staff_api.post("/api/v1/contacts", json={"full_name": "Other", "email": "DUP@example.org"})
    assert response.status_code == 409
    assert response.get_json()["error"]["fields"]["email"]
    assert db.session.query(Contact).count() == 1


def test_archived_contact_frees_its_email(staff_api):
    old = factories.make_contact(email="moved@example.org")
    staff_api.patch(f"/api/v1/contacts/{old.id}", json={"archived": True})
    assert staff_api.post("/api/v1/contacts", json={"full_name": "New", "email": "moved@example.org"}
                          ).status_code == 201
    # Restoring the old one would now clash.
    response = staff_api.patch(f"/api/v1/contacts/{old.id}", json={"archived": False})
    assert response.status_code == 409


@pytest.mark.parametrize("payload, field", [
    ({"full_name": "A", "email": "not an email"}, "email"),
    ({"full_name": "", "email": "a@example.org"}, "full_name"),
    ({"full_name": "A", "email": "a@example.org", "phone": "12"}, "phone"),
    ({"full_name": "A", "email": "a@example.org", "timezone": "Mars/Olympus"}, "timezone"),
    ({"full_name": "A", "email": "a@example.org", "organisation_id": 999}, "organisation_id"),
    ({"full_name": "A", "email": "a@example.org", "organisation_id": "1"}, "organisation_id"),
    ({"full_name": 5, "email": "a@example.org"}, "full_name"),
    ({"email": "a@example.org"}, "full_name"),
    ({"full_name": "A", "email": "a@example.org", "language": "english!"}, "language"),
])
def test_contact_validation_names_the_field(staff_api, payload, field):
    response = staff_api.post("/api/v1/contacts", json=payload)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    assert db.session.query(Contact).count() == 0


@pytest.mark.parametrize("payload, field", [
    ({"name": "X", "kind": "castle"}, "kind"),
    ({"name": "X", "kind": "embassy", "country": "Atlantis"}, "country"),
    ({"name": "X", "kind": "embassy", "email": "nope"}, "email"),
    ({"name": "X", "kind": "embassy", "website": "not a site"}, "website"),
    ({"name": "X" * 201, "kind": "embassy"}, "name"),
])
def test_organisation_validation_names_the_field(staff_api, payload, field):
    response = staff_api.post("/api/v1/organisations", json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_duplicate_organisation_is_a_conflict(staff_api):
    payload = {"name": "Embassy of Peru", "kind": "embassy", "country": "PE", "city": "Nairobi"}
    assert staff_api.post("/api/v1/organisations", json=payload).status_code == 201
    response = staff_api.post("/api/v1/organisations", json={**payload, "name": "EMBASSY OF PERU"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


def test_error_shapes(staff_api, client):
    response = client.get("/api/v1/contacts")
    assert response.status_code == 401
    assert set(response.get_json()["error"]) >= {"code", "message", "fields"}
    response = client.get("/api/v1/contacts", headers={"Authorization": "Bearer eng_wrong"})
    assert response.status_code == 401
    response = staff_api.get("/api/v1/contacts/424242")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = staff_api.post("/api/v1/contacts", data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"
    response = staff_api.post("/api/v1/contacts", json=[1, 2])
    assert response.status_code == 422
    response = staff_api.get("/api/v1/contacts?per_page=500")
    assert response.status_code == 422 and "per_page" in response.get_json()["error"]["fields"]
    response = staff_api.get("/api/v1/contacts?page=abc")
    assert response.status_code == 422
    response = staff_api.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = staff_api.delete("/api/v1/contacts")
    assert response.status_code == 405 and "error" in response.get_json()


def test_revoked_or_disabled_tokens_are_refused(app, staff_api, staff_user):
    assert staff_api.get("/api/v1/contacts").status_code == 200
    staff_user.is_disabled = True
    db.session.commit()
    assert staff_api.get("/api/v1/contacts").status_code == 401


def test_openapi_document_describes_the_directory(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert {"get", "post"} <= set(doc["paths"]["/api/v1/organisations"])
    assert {"get", "patch"} <= set(doc["paths"]["/api/v1/contacts/{contact_id}"])
    contact = doc["components"]["schemas"]["Contact"]
    assert {"id", "full_name", "email", "organisation_id", "position", "phone", "language", "timezone", "notes",
            "archived"} <= set(contact["properties"])
    create = doc["components"]["schemas"]["ContactCreate"]
    assert set(create["required"]) == {"full_name", "email"}


def test_openapi_lists_exactly_the_routes_that_exist(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi":
            path = rule.rule
            for arg in rule.arguments:
                path = path.replace(f"<int:{arg}>", "{" + arg + "}").replace(f"<{arg}>", "{" + arg + "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                served.add((path, method))
    assert documented == served
