"""/recommendations/{id}/sources and /recommendations/disagreements: where recommendations came from, and review."""
from sqlalchemy import select

from engage.demo import UPR_CYCLE1_CSV
from engage.extensions import db
from engage.history import history_for
from engage.recommendations.models import Recommendation
from engage.upr.imports import import_recommendations_bytes, import_recommendations_file
from tests.upr.helpers import kenya_upr_info_export


def _both_sources(now):
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    import_recommendations_bytes(kenya_upr_info_export(flipped=12), None, now)
    db.session.commit()
    return db.session.scalar(select(Recommendation).where(Recommendation.reference == "101.1"))


def test_a_recommendations_sources_and_disagreements(staff_api, now):
    rec = _both_sources(now)
    body = staff_api.get(f"/api/v1/recommendations/{rec.id}/sources").get_json()
    assert body["recommendation_id"] == rec.id
    assert [(s["kind"], s["reference"], s["response"]) for s in body["sources"]] == [
        ("engage_csv", "A/HRC/15/8 para 101.1", "supported"), ("upr_info", "UPR Info 8-1", "noted")]
    assert body["sources"][1]["kind_label"] == "UPR Info export" and body["sources"][1]["imported_at"].endswith("Z")
    [found] = body["disagreements"]
    assert (found["field"], found["shown_value"], found["other_value"], found["resolution"]) == \
        ("response", "supported", "noted", None)
    assert staff_api.get("/api/v1/recommendations/999999/sources").status_code == 404


def test_leads_list_the_open_disagreements_and_settle_them(lead_api, staff_api, now):
    rec = _both_sources(now)
    listed = lead_api.get("/api/v1/recommendations/disagreements").get_json()
    assert listed["total"] == 16 and {d["field"] for d in listed["items"]} == {"response", "text"}
    first = next(d for d in listed["items"] if d["recommendation_id"] == rec.id)
    assert first["recommendation_label"] == "101.1 (Burkina Faso)" and first["other_reference"] == "UPR Info 8-1"
    assert staff_api.get("/api/v1/recommendations/disagreements").status_code == 403
    assert staff_api.post(f"/api/v1/recommendations/disagreements/{first['id']}",
                          json={"choice": "other"}).status_code == 403
    refused = lead_api.post(f"/api/v1/recommendations/disagreements/{first['id']}", json={"choice": "both"})
    assert refused.status_code == 422 and "choice" in refused.get_json()["error"]["fields"]
    settled = lead_api.post(f"/api/v1/recommendations/disagreements/{first['id']}", json={"choice": "other"})
    assert settled.status_code == 200
    body = settled.get_json()
    assert (body["resolution"], body["shown_value"], body["other_value"]) == ("other", "noted", "supported")
    assert body["resolved_by"] and body["resolved_at"].endswith("Z")
    assert lead_api.get(f"/api/v1/recommendations/{rec.id}").get_json()["response"] == "noted"
    assert history_for(rec)[0].action == "disagreement_reviewed"
    again = lead_api.post(f"/api/v1/recommendations/disagreements/{first['id']}", json={"choice": "reviewed"})
    assert again.status_code == 409
    assert lead_api.get("/api/v1/recommendations/disagreements").get_json()["total"] == 15
    assert lead_api.get("/api/v1/recommendations/disagreements?status=reviewed").get_json()["total"] == 1
    assert lead_api.get("/api/v1/recommendations/disagreements?status=all").get_json()["total"] == 16
    assert lead_api.get("/api/v1/recommendations/disagreements?status=closed").status_code == 422


def test_a_dry_run_import_counts_what_it_would_do(lead_api, now):
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    db.session.commit()
    body = lead_api.post("/api/v1/recommendations/import?dry_run=true", data=kenya_upr_info_export(flipped=12),
                         content_type="text/csv").get_json()
    assert (body["merged"], body["created"], body["conflicting"], body["saved"]) == (166, 0, 16, False)
    assert body["layout"] == "a UPR Info database export" and len(body["conflicts"]) == 16


def test_the_openapi_document_describes_sources_and_review(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert "get" in paths["/api/v1/recommendations/{rec_id}/sources"]
    assert "get" in paths["/api/v1/recommendations/disagreements"]
    review = paths["/api/v1/recommendations/disagreements/{disagreement_id}"]["post"]
    assert "lead" in review["description"] and "409" in review["responses"]
    schemas = document["components"]["schemas"]
    assert {"RecommendationSources", "SourceDisagreement", "DisagreementReview"} <= set(schemas)
    assert {"merged", "conflicting", "skipped", "layout"} <= set(schemas["RecommendationImportResult"]["properties"])
