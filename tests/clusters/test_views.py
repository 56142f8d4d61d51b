"""The cluster pages: list, a cluster's history, add/rename/merge/delete, members, suggestions, the CSV
export, and the recommendation page's link to its cluster."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from engage.clusters import queries, services
from engage.clusters.models import RecommendationCluster
from engage.extensions import db
from tests.clusters.helpers import make_history


@pytest.fixture
def recs(app):
    return make_history()


def test_signed_out_visitors_are_sent_to_sign_in(client, recs):
    for url in ("/clusters/", "/clusters/suggestions", f"/clusters/for/{recs['4/140.5'].id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/clusters/new", data={"name": "x"}).status_code == 302
    assert db.session.scalar(select(RecommendationCluster)) is None


def test_staff_add_a_cluster_and_see_its_history(staff_client, recs):
    response = staff_client.post("/clusters/new", data={
        "name": "Ratify the OP-CAT", "description": "Since 2010",
        "recommendation_ids": [recs["1/101.3"].id, recs["2/142.7"].id, recs["4/140.5"].id]})
    assert response.status_code == 302
    cluster = db.session.scalar(select(RecommendationCluster))
    page = staff_client.get(f"/clusters/{cluster.id}").get_data(as_text=True)
    assert "Made in cycles 1, 2, 4: 3 recommendations." in page
    assert page.index("Cycle 1") < page.index("Cycle 2") < page.index("Cycle 4")
    assert "Czechia, Estonia" in page  # a joint recommendation names every state
    assert "Noted" in page and "Pending" in page
    listing = staff_client.get("/clusters/").get_data(as_text=True)
    assert "Ratify the OP-CAT" in listing and "cycle 1: 1 · cycle 2: 1 · cycle 4: 1" in listing
    # The recommendation's page names its cluster with a link; one in no cluster says so.
    detail = staff_client.get(f"/recommendations/{recs['2/142.7'].id}").get_data(as_text=True)
    assert f'href="/clusters/{cluster.id}">Ratify the OP-CAT</a>' in detail
    other = staff_client.get(f"/recommendations/{recs['3/143.12'].id}").get_data(as_text=True)
    assert re.search(r'id="rec-cluster">None', other)


def test_a_refused_form_names_the_field_and_keeps_nothing(staff_client, recs, staff_user, now):
    services.create_cluster(staff_user, now, {"name": "OP-CAT", "recommendation_ids": [recs["1/101.3"].id]})
    db.session.commit()
    response = staff_client.post("/clusters/new", data={"name": ""})
    assert response.status_code == 422 and "Give the cluster a name" in response.get_data(as_text=True)
    response = staff_client.post("/clusters/new", data={"name": "Again", "recommendation_ids": [recs["1/101.3"].id]})
    assert response.status_code >= 400 and "one cluster at most" in response.get_data(as_text=True)
    assert [c.name for c in db.session.scalars(select(RecommendationCluster))] == ["OP-CAT"]


def test_rename_add_remove_merge_and_delete(staff_client, recs, staff_user, now):
    opcat = services.create_cluster(staff_user, now, {"name": "OP-CAT", "recommendation_ids": [recs["1/101.3"].id]})
    other = services.create_cluster(staff_user, now, {"name": "Torture", "recommendation_ids": [recs["2/142.7"].id]})
    db.session.commit()
    opcat_id, other_id = opcat.id, other.id
    assert staff_client.post(f"/clusters/{opcat_id}/edit", data={"name": "Ratify the OP-CAT"}).status_code == 302
    assert staff_client.post(f"/clusters/{opcat_id}/members",
                             data={"recommendation_ids": [recs["4/140.5"].id]}).status_code == 302
    refused = staff_client.post(f"/clusters/{opcat_id}/members", data={"recommendation_ids": [recs["2/142.7"].id]},
                                follow_redirects=True)
    assert "one cluster at most" in refused.get_data(as_text=True)
    assert staff_client.post(f"/clusters/{opcat_id}/merge", data={"cluster_id": other_id}).status_code == 302
    assert staff_client.post(f"/clusters/{opcat_id}/members/{recs['1/101.3'].id}/remove").status_code == 302
    db.session.expire_all()
    cluster = db.session.get(RecommendationCluster, opcat_id)
    assert cluster.name == "Ratify the OP-CAT" and db.session.get(RecommendationCluster, other_id) is None
    assert sorted(m.recommendation.reference for m in queries.members_of(cluster)) == ["140.5", "142.7"]
    history = staff_client.get(f"/clusters/{opcat_id}").get_data(as_text=True)
    assert "member removed" in history and "merged" in history
    assert staff_client.post(f"/clusters/{opcat_id}/delete").status_code == 302
    assert db.session.scalar(select(RecommendationCluster)) is None
    assert staff_client.get(f"/clusters/{opcat_id}").status_code == 404


def test_suggestions_are_confirmed_by_staff(staff_client, recs):
    page = staff_client.get("/clusters/suggestions").get_data(as_text=True)
    assert "Suggested clusters for cycle 4" in page
    assert "Ratify promptly the Optional Protocol" in page and "Allocate 15 per cent" in page
    assert "Improve road safety" not in page
    # Staff untick the 3rd-cycle one and confirm the rest.
    response = staff_client.post("/clusters/suggestions/confirm", data={
        "cycle": 4, "recommendation_ids": [recs["4/140.5"].id, recs["1/101.3"].id, recs["2/142.7"].id],
        "name": "Ratify the OP-CAT"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/clusters/suggestions?cycle=4")
    cluster = db.session.scalar(select(RecommendationCluster))
    assert cluster.name == "Ratify the OP-CAT" and len(queries.members_of(cluster)) == 3
    page = staff_client.get("/clusters/suggestions").get_data(as_text=True)
    assert "Ratify promptly the Optional Protocol" not in page  # confirmed, no longer suggested
    # From cycle 3, the OP-CAT one is offered to join the cluster.
    page = staff_client.get("/clusters/suggestions?cycle=3").get_data(as_text=True)
    assert "Add to “Ratify the OP-CAT”" in page
    assert staff_client.get("/clusters/suggestions?cycle=9").status_code == 404


def test_one_recommendations_matches_page(staff_client, recs):
    page = staff_client.get(f"/clusters/for/{recs['4/140.77'].id}").get_data(as_text=True)
    ranked = page[page.index('id="ranked"'):]
    assert ranked.index("143.90") < ranked.index("Improve road safety") if "Improve road safety" in ranked else True
    assert re.search(rf'value="{recs["3/143.90"].id}" id="r{recs["3/143.90"].id}" checked', page)
    response = staff_client.post("/clusters/suggestions/confirm", data={
        "recommendation_ids": [recs["4/140.77"].id, recs["3/143.90"].id]})
    cluster = db.session.scalar(select(RecommendationCluster))
    assert response.headers["Location"].endswith(f"/clusters/{cluster.id}")
    assert staff_client.get("/clusters/for/999999").status_code == 404


def test_the_csv_export_lists_every_member(staff_client, recs, staff_user, now):
    services.create_cluster(staff_user, now, {"name": "=Ratify the OP-CAT", "recommendation_ids": [
        recs["1/101.3"].id, recs["2/142.7"].id]})
    services.create_cluster(staff_user, now, {"name": "Health budget", "recommendation_ids": [recs["3/143.90"].id]})
    db.session.commit()
    response = staff_client.get("/clusters/export.csv", query_string={"q": "op-cat"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["cluster"], r["cycle"], r["reference"], r["states"], r["response"]) for r in rows] == [
        ("'=Ratify the OP-CAT", "1", "101.3", "DK", "noted"), ("'=Ratify the OP-CAT", "2", "142.7", "CZ; EE", "noted")]
    assert rows[1]["state_names"] == "Czechia, Estonia"


def test_bad_filters_are_ignored(staff_client, recs):
    assert staff_client.get("/clusters/", query_string={"cycle": "x", "q": "\x00"}).status_code == 200


def test_the_history_shows_each_members_latest_assessment(staff_client, staff_api, recs, staff_user, now):
    from engage.implementation.services import create_assessment

    cluster = services.create_cluster(staff_user, now, {"name": "OP-CAT", "recommendation_ids": [
        recs["1/101.3"].id, recs["2/142.7"].id]})
    create_assessment(staff_user, now, {"recommendation_id": recs["1/101.3"].id, "assessed_on": "2025-03-01",
                                        "status": "in_progress"})
    create_assessment(staff_user, now, {"recommendation_id": recs["1/101.3"].id, "assessed_on": "2026-03-01",
                                        "status": "implemented"})
    db.session.commit()
    page = staff_client.get(f"/clusters/{cluster.id}").get_data(as_text=True)
    row = page[page.index("101.3"):page.index("142.7")]
    assert "Implemented" in row and "In progress" not in row
    assert "None yet" in page[page.index("142.7"):]
    members = staff_api.get(f"/api/v1/clusters/{cluster.id}").get_json()["members"]
    assert [(m["reference"], m["latest_status"], m["latest_assessed_on"]) for m in members] == [
        ("101.3", "implemented", "2026-03-01"), ("142.7", None, None)]


def test_a_restricted_assessment_shows_only_to_whoever_may_see_it(app, staff_client, staff_api, recs, lead_user,
                                                                    now):
    from engage.implementation.services import create_assessment
    from tests.factories import make_dpo

    cluster = services.create_cluster(lead_user, now, {"name": "OP-CAT", "recommendation_ids": [recs["1/101.3"].id]})
    create_assessment(lead_user, now, {"recommendation_id": recs["1/101.3"].id, "assessed_on": "2026-03-01",
                                       "status": "implemented", "sensitivity": "restricted",
                                       "evidence": "Told in confidence"})
    db.session.commit()
    page = staff_client.get(f"/clusters/{cluster.id}").get_data(as_text=True)
    assert "Implemented</span>" not in page and "None yet" in page
    assert staff_api.get(f"/api/v1/clusters/{cluster.id}").get_json()["members"][0]["latest_status"] is None
    from tests.conftest import login
    dpo_page = login(app.test_client(), make_dpo()).get(f"/clusters/{cluster.id}").get_data(as_text=True)
    assert "Implemented</span>" in dpo_page and "Restricted" in dpo_page


def test_suggestions_before_any_recommendation_say_so_and_link_to_the_import(staff_client):
    page = staff_client.get("/clusters/suggestions").get_data(as_text=True)
    assert "No recommendations yet" in page and 'href="/recommendations/import"' in page
    assert "Each recommendation of cycle" not in page
