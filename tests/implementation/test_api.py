"""/api/v1/assessments, /recommendations/{id}/responsibilities and /implementation."""
from __future__ import annotations

from tests.implementation.conftest import RESTRICTED_EVIDENCE


def test_assessments_are_listed_as_the_token_user_sees_them(assessed, lead_api, staff_api):
    rec_id = assessed.world.recs["de_hiv"].id
    body = lead_api.get(f"/api/v1/assessments?recommendation_id={rec_id}").get_json()
    assert body["total"] == 2 and [a["status"] for a in body["items"]] == ["in_progress", "not_started"]
    assert body["items"][0]["links"] == ["https://example.org/bill", "https://example.org/hansard"]
    assert RESTRICTED_EVIDENCE not in str(body)
    assert lead_api.get(f"/api/v1/assessments/{assessed.restricted_one.id}").status_code == 404
    mine = staff_api.get(f"/api/v1/assessments/{assessed.restricted_one.id}").get_json()
    assert mine["evidence"] == RESTRICTED_EVIDENCE and mine["restricted"] is True
    assert lead_api.get("/api/v1/assessments?status=done").status_code == 422


def test_an_assessment_is_recorded_changed_and_deleted(assessed, staff_api, lead_api):
    rec_id = assessed.world.recs["se_health"].id
    response = staff_api.post("/api/v1/assessments", json={
        "recommendation_id": rec_id, "assessed_on": "2026-11-01", "status": "implemented",
        "links": ["https://example.org/a"], "source_kind": "cso_report", "source_detail": "Shadow report"})
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert (made["status"], made["confidence"], made["links"]) == ("implemented", "medium", ["https://example.org/a"])
    bad = staff_api.post("/api/v1/assessments", json={"recommendation_id": rec_id, "assessed_on": "2026-11-01",
                                                      "status": "finished", "colour": "red"})
    assert bad.status_code == 422 and {"status", "colour"} <= set(bad.get_json()["error"]["fields"])
    changed = lead_api.patch(f"/api/v1/assessments/{made['id']}", json={"status": "regressed", "evidence": "Repealed"})
    assert changed.status_code == 200 and changed.get_json()["status"] == "regressed"
    assert lead_api.delete(f"/api/v1/assessments/{made['id']}").status_code == 204
    assert lead_api.get(f"/api/v1/assessments/{made['id']}").status_code == 404


def test_responsibilities_are_read_and_replaced(assessed, staff_api):
    rec_id = assessed.world.recs["de_hiv"].id
    url = f"/api/v1/recommendations/{rec_id}/responsibilities"
    assert staff_api.get(url).get_json() == {"recommendation_id": rec_id, "responsibilities": []}
    put = staff_api.client.put(url, json={"responsibilities": [{"organisation_id": assessed.moh.id, "role": "lead"}]},
                               headers=staff_api._headers())
    assert put.status_code == 200
    assert put.get_json()["responsibilities"] == [
        {"organisation_id": assessed.moh.id, "organisation": "Ministry of Health", "role": "lead"}]
    refused = staff_api.client.put(url, json={"responsibilities": [{"organisation_id": 999999}]},
                                   headers=staff_api._headers())
    assert refused.status_code == 422 and "responsibilities.0.organisation_id" in refused.get_json()["error"]["fields"]


def test_the_matrix_in_the_api_filters_and_pages(assessed, staff_api, lead_api):
    staff_api.client.put(f"/api/v1/recommendations/{assessed.world.recs['de_hiv'].id}/responsibilities",
                         json={"responsibilities": [{"organisation_id": assessed.moh.id}]}, headers=staff_api._headers())
    body = lead_api.get(f"/api/v1/implementation?organisation_id={assessed.moh.id}").get_json()
    assert body["total"] == 1
    row = body["items"][0]
    assert (row["reference"], row["status"], row["last_assessed_on"]) == ("142.15", "in_progress", "2026-10-01")
    assert row["responsibilities"][0]["organisation"] == "Ministry of Health"
    assert staff_api.get(f"/api/v1/implementation?organisation_id={assessed.moh.id}").get_json()["items"][0]["status"] \
        == "regressed"  # the recorder was granted the restricted one
    paged = lead_api.get("/api/v1/implementation?per_page=2&page=2").get_json()
    assert paged["total"] == 5 and len(paged["items"]) == 2
    assert lead_api.get("/api/v1/implementation?status=none").get_json()["total"] == 4
    assert lead_api.get("/api/v1/implementation?theme=HIV/AIDS&cycle=4").get_json()["total"] == 2
    assert lead_api.get("/api/v1/implementation?not_assessed_since=yesterday").status_code == 422
    assert lead_api.get("/api/v1/implementation?not_assessed_since=").status_code == 422  # the document: a date
    assert lead_api.get("/api/v1/assessments?since=20261101").status_code == 422


def test_a_token_user_downloads_an_assessments_document_and_never_a_restricted_ones(assessed, staff_user, staff_api,
                                                                                     lead_api):
    from engage.extensions import db
    from engage.implementation import services
    from tests.outcomes.helpers import WHEN
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    services.update_assessment(staff_user, WHEN, assessed.open_one, {}, [("bill.pdf", "application/pdf", pdf)])
    services.update_assessment(staff_user, WHEN, assessed.restricted_one, {}, [("secret.pdf", "application/pdf", pdf)])
    db.session.commit()
    # The document's web page answers a token with the sign-in page; the API gives its own link.
    document = lead_api.get(f"/api/v1/assessments/{assessed.open_one.id}").get_json()["documents"][0]
    response = lead_api.get(document["api_url"].split("127.0.0.1:5000", 1)[-1])
    assert response.status_code == 200 and response.get_data() == pdf
    assert "bill.pdf" in response.headers["Content-Disposition"]
    secret = staff_api.get(f"/api/v1/assessments/{assessed.restricted_one.id}").get_json()["documents"][0]
    path = secret["api_url"].split("127.0.0.1:5000", 1)[-1]
    assert staff_api.get(path).status_code == 200
    assert lead_api.get(path).status_code == 404  # no grant: as if it did not exist
    assert lead_api.get(f"/api/v1/assessments/{assessed.open_one.id}/documents/{secret['id']}").status_code == 404
