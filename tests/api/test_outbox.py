"""GET /api/v1/outbox: admins only, the contract's fields, filters."""
from datetime import timedelta

from engage.extensions import db
from tests.outbox.mail import queue_simple

FIELDS = {"id", "kind", "meeting_id", "to", "subject", "status", "attempts", "last_error", "created_at",
          "sent_at", "message_id"}


def test_admins_list_the_outbox_with_the_contract_fields(app, admin_api, now):
    row = queue_simple("ana@example.org", 1)
    db.session.commit()
    row.status, row.sent_at, row.attempts = "sent", now + timedelta(seconds=5), 1
    db.session.commit()
    body = admin_api.get("/api/v1/outbox").get_json()
    assert (body["total"], body["page"], body["per_page"]) == (1, 1, 50)
    [item] = body["items"]
    assert set(item) >= FIELDS
    assert item["to"] == "ana@example.org" and item["kind"] == "invitation" and item["status"] == "sent"
    assert item["created_at"] == "2026-11-28T09:00:00Z" and item["sent_at"] == "2026-11-28T09:00:05Z"
    assert item["message_id"] == row.message_id and item["meeting_id"] is None and item["last_error"] is None


def test_the_outbox_api_filters(app, admin_api, now):
    queue_simple("ana@example.org", 1)
    queue_simple("ben@example.org", 2, kind="reminder")
    db.session.commit()

    def recipients(query):
        return [i["to"] for i in admin_api.get(f"/api/v1/outbox?{query}").get_json()["items"]]

    assert recipients("kind=reminder") == ["ben@example.org"]
    assert recipients("status=pending&to=ANA") == ["ana@example.org"]
    assert recipients("status=failed") == []
    assert recipients("meeting_id=5") == []


def test_bad_outbox_filters_are_422_naming_the_parameter(app, admin_api):
    for query, field in [("status=lost", "status"), ("kind=fax", "kind"), ("meeting_id=x", "meeting_id"),
                         ("meeting_id=99999999999999999999", "meeting_id"), ("to=%00", "to"), ("per_page=500", "per_page")]:
        response = admin_api.get(f"/api/v1/outbox?{query}")
        assert response.status_code == 422, query
        assert field in response.get_json()["error"]["fields"], query


def test_staff_and_leads_get_403_from_the_outbox_api(app, staff_api, lead_api):
    for api in (staff_api, lead_api):
        response = api.get("/api/v1/outbox")
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"


def test_the_outbox_api_needs_a_token(client):
    assert client.get("/api/v1/outbox").status_code == 401


def test_the_outbox_endpoint_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "get" in doc["paths"]["/api/v1/outbox"] or "get" in doc["paths"].get("/outbox", {})
