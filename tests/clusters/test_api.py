"""/api/v1/clusters and /api/v1/recommendations/{id}/cluster-suggestions."""
from __future__ import annotations

import pytest

from engage.asks import matching
from engage.clusters.models import RecommendationCluster
from engage.extensions import db
from tests.clusters.helpers import make_history


@pytest.fixture
def recs(app):
    return make_history()


def test_create_read_change_and_delete(staff_api, recs):
    response = staff_api.post("/api/v1/clusters", json={
        "name": "Ratify the OP-CAT", "recommendation_ids": [recs["4/140.5"].id, recs["2/142.7"].id]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["member_count"] == 2 and body["cycles"] == [2, 4]
    assert [(m["cycle"], m["reference"], m["recommending_states"], m["response"]) for m in body["members"]] == [
        (2, "142.7", ["CZ", "EE"], "noted"), (4, "140.5", ["UY"], "pending")]
    cluster_id = body["id"]

    listed = staff_api.get("/api/v1/clusters").get_json()
    assert listed["total"] == 1 and listed["items"][0]["member_count"] == 2
    assert staff_api.get("/api/v1/clusters?cycle=1").get_json()["total"] == 0

    changed = staff_api.patch(f"/api/v1/clusters/{cluster_id}", json={"description": "Every cycle"})
    assert changed.status_code == 200 and changed.get_json()["description"] == "Every cycle"
    assert changed.get_json()["name"] == "Ratify the OP-CAT"

    added = staff_api.post(f"/api/v1/clusters/{cluster_id}/members", json={"recommendation_ids": [recs["1/101.3"].id]})
    assert added.status_code == 200 and added.get_json()["cycles"] == [1, 2, 4]
    removed = staff_api.delete(f"/api/v1/clusters/{cluster_id}/members?recommendation_id={recs['2/142.7'].id}")
    assert removed.status_code == 204
    assert staff_api.get(f"/api/v1/clusters/{cluster_id}").get_json()["cycles"] == [1, 4]
    assert staff_api.delete(f"/api/v1/clusters/{cluster_id}/members?recommendation_id={recs['2/142.7'].id}"
                            ).status_code == 404

    assert staff_api.delete(f"/api/v1/clusters/{cluster_id}").status_code == 204
    assert staff_api.get(f"/api/v1/clusters/{cluster_id}").status_code == 404
    assert db.session.get(type(recs["1/101.3"]), recs["1/101.3"].id) is not None


def test_refusals_name_the_field(staff_api, recs):
    first = staff_api.post("/api/v1/clusters", json={"name": "A", "recommendation_ids": [recs["1/101.3"].id]}).get_json()
    cases = [
        (staff_api.post("/api/v1/clusters", json={"name": ""}), 422, "name"),
        (staff_api.post("/api/v1/clusters", json={"name": "B", "recommendation_ids": [recs["1/101.3"].id]}), 409,
         "recommendation_ids"),
        (staff_api.post("/api/v1/clusters", json={"name": "B", "recommendation_ids": [0]}), 422, "recommendation_ids"),
        (staff_api.post("/api/v1/clusters", json={"name": "B", "recommendation_ids": [99999]}), 422,
         "recommendation_ids"),
        (staff_api.post(f"/api/v1/clusters/{first['id']}/members", json={"recommendation_ids": []}), 422,
         "recommendation_ids"),
        (staff_api.patch(f"/api/v1/clusters/{first['id']}", json={"name": None}), 422, "name"),
        (staff_api.post(f"/api/v1/clusters/{first['id']}/merge", json={"cluster_id": first["id"]}), 422, "cluster_id"),
        (staff_api.delete(f"/api/v1/clusters/{first['id']}/members"), 422, "recommendation_id"),
        (staff_api.delete(f"/api/v1/clusters/{first['id']}/members?recommendation_id=x"), 422, "recommendation_id"),
    ]
    for response, status, field in cases:
        assert response.status_code == status, response.get_json()
        assert field in response.get_json()["error"]["fields"], response.get_json()
    assert db.session.query(RecommendationCluster).count() == 1
    assert staff_api.get("/api/v1/clusters/99999").status_code == 404


def test_merge(staff_api, recs):
    one = staff_api.post("/api/v1/clusters", json={"name": "A", "recommendation_ids": [recs["1/101.3"].id]}).get_json()
    two = staff_api.post("/api/v1/clusters", json={"name": "B", "recommendation_ids": [recs["3/143.12"].id]}).get_json()
    merged = staff_api.post(f"/api/v1/clusters/{one['id']}/merge", json={"cluster_id": two["id"]})
    assert merged.status_code == 200 and merged.get_json()["cycles"] == [1, 3]
    assert staff_api.get(f"/api/v1/clusters/{two['id']}").status_code == 404


def test_cluster_suggestions_of_a_recommendation(staff_api, recs):
    staff_api.post("/api/v1/clusters", json={"name": "OP-CAT", "recommendation_ids": [recs["1/101.3"].id]})
    body = staff_api.get(f"/api/v1/recommendations/{recs['4/140.5'].id}/cluster-suggestions").get_json()
    assert body["recommendation_id"] == recs["4/140.5"].id and body["cluster_id"] is None
    top = body["items"][:3]
    assert {(i["cycle"], i["reference"]) for i in top} == {(1, "101.3"), (2, "142.7"), (3, "143.12")}
    assert all(i["suggested"] and i["score"] >= body["best_threshold"] for i in top)
    assert body["threshold"] == matching.THRESHOLD and body["best_threshold"] == matching.BEST_THRESHOLD
    assert next(i for i in top if i["reference"] == "101.3")["cluster_id"] is not None
    assert all(i["cycle"] != 4 for i in body["items"])
    assert len(staff_api.get(f"/api/v1/recommendations/{recs['4/140.5'].id}/cluster-suggestions?limit=1"
                             ).get_json()["items"]) == 1
    assert staff_api.get("/api/v1/recommendations/99999/cluster-suggestions").status_code == 404
    assert staff_api.get(f"/api/v1/recommendations/{recs['4/140.5'].id}/cluster-suggestions?limit=0"
                         ).status_code == 422


def test_the_document_lists_the_endpoints(staff_api):
    paths = staff_api.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/clusters"]) == {"get", "post"}
    assert set(paths["/api/v1/clusters/{cluster_id}"]) == {"get", "patch", "delete"}
    assert set(paths["/api/v1/clusters/{cluster_id}/members"]) == {"post", "delete"}
    assert "get" in paths["/api/v1/recommendations/{rec_id}/cluster-suggestions"]


def test_a_token_is_needed(client):
    assert client.get("/api/v1/clusters").status_code == 401
