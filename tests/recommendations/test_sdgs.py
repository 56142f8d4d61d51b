"""Sustainable Development Goals: the shipped table, the filter on the list and the API, setting them by
hand on a recommendation's page, and the report by goal."""
from __future__ import annotations

import csv
import io

import pytest

from engage.extensions import db
from engage.recommendations.models import SDG_GOALS, SDG_NAME_WORDS, SDG_TITLES
from engage.recommendations.queries import recommendations_by_sdg
from tests.factories import make_recommendation


@pytest.fixture
def recs(app):
    return {
        "health": make_recommendation(cycle=3, reference="143.1", text="Health budget", sdgs=[3], response="supported"),
        "girls": make_recommendation(cycle=3, reference="143.2", text="Girls' education and FGM", sdgs=[4, 5],
                                     response="noted", recommending_states=["FR", "DE"]),
        "health4": make_recommendation(cycle=4, reference="140.1", text="Universal health coverage", sdgs=["3"],
                                       response="pending"),
        "none": make_recommendation(cycle=4, reference="140.2", text="Ratify the OP-CAT", response="noted"),
    }


def test_the_seventeen_goals_and_their_names():
    assert list(SDG_GOALS) == list(range(1, 18))
    assert SDG_GOALS[3] == "Good health and well-being" and SDG_GOALS[16] == "Peace, justice and strong institutions"
    assert SDG_TITLES[5] == "Achieve gender equality and empower all women and girls"


def test_the_list_and_the_api_filter_by_goal(staff_client, staff_api, recs):
    page = staff_client.get("/recommendations/", query_string={"sdg": 3}).get_data(as_text=True)
    assert "Health budget" in page and "Universal health coverage" in page and "Girls" not in page
    assert "3 – Good health and well-being" in page  # the filter names the goals
    both = staff_client.get("/recommendations/", query_string={"sdg": 3, "cycle": 4}).get_data(as_text=True)
    assert "Universal health coverage" in both and "Health budget" not in both
    # An unknown goal is ignored, as other bad filters are.
    assert staff_client.get("/recommendations/", query_string={"sdg": "99"}).status_code == 200
    body = staff_api.get("/api/v1/recommendations?sdg=5").get_json()
    assert [r["reference"] for r in body["items"]] == ["143.2"] and body["items"][0]["sdgs"] == [4, 5]
    for bad in ("18", "0", "x"):
        refused = staff_api.get(f"/api/v1/recommendations?sdg={bad}")
        assert refused.status_code == 422 and "sdg" in refused.get_json()["error"]["fields"]
    params = next(op for op in [staff_api.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/recommendations"]
                                ["get"]])["parameters"]
    assert {"name": "sdg", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 17},
            "description": "A Sustainable Development Goal's number: recommendations linked to it"} in params


def test_staff_set_goals_by_hand_on_the_recommendations_page(staff_client, recs):
    rec = recs["none"]
    page = staff_client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert 'id="sdg-choices"' in page and "16 – Peace, justice and strong institutions" in page
    response = staff_client.post(f"/recommendations/{rec.id}/edit", data={
        "themes": ["Right to health"], "sdgs": ["16", "10"], "implementation_status": "unknown", "notes": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert rec.sdgs == [10, 16]
    page = staff_client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert '<a href="/recommendations/?sdg=16">16 – Peace, justice and strong institutions</a>' in page
    assert "sdgs" in page  # kept in its history
    # Saving the form as shown keeps them; a bad value is refused beside the field and nothing is saved.
    refused = staff_client.post(f"/recommendations/{rec.id}/edit", data={
        "themes": ["Right to health"], "sdgs": ["16", "42"], "implementation_status": "unknown", "notes": ""})
    assert refused.status_code == 422 and "There is no goal 42" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert rec.sdgs == [10, 16]


def test_the_report_counts_each_goal_by_response(recs):
    rows = {r.goal: r for r in recommendations_by_sdg()}
    assert len(rows) == 18 and rows[3].name == "Good health and well-being"
    assert rows[3].total == 2 and dict(rows[3].responses) == {"supported": 1, "pending": 1}
    assert rows[4].total == rows[5].total == 1  # the joint one, once under each of its goals
    assert rows[None].total == 1 and rows[17].total == 0
    cycle4 = {r.goal: r for r in recommendations_by_sdg(4)}
    assert cycle4[3].total == 1 and cycle4[5].total == 0


def test_the_report_page_csv_and_api(app, lead_client, recs):
    page = lead_client.get("/reports/sdgs").get_data(as_text=True)
    assert "Recommendations by Sustainable Development Goal" in page
    assert '<a href="/recommendations/?sdg=3&amp;cycle=">2</a>' in page
    assert lead_client.get("/reports/sdgs?cycle=x").status_code == 400
    response = lead_client.get("/reports/sdgs.csv?cycle=3")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[2] == {"goal": "3", "name": "Good health and well-being", "recommendations": "1", "supported": "1",
                       "noted": "0", "pending": "0"}
    assert rows[-1]["name"] == "No goal linked" and rows[-1]["goal"] == ""
    from tests.conftest import _api_for
    from tests.factories import make_user
    lead_api = _api_for(app, make_user(role="lead", email="lead2@example.org"))
    body = lead_api.get("/api/v1/reports/sdgs?cycle=3").get_json()
    assert body["cycle"] == 3 and body["items"][4] == {"goal": 5, "name": "Gender equality", "recommendations": 1,
                                                       "supported": 0, "noted": 1, "pending": 0}


def test_staff_do_not_see_the_report(staff_client, staff_api):
    assert staff_client.get("/reports/sdgs").status_code == 403
    assert staff_api.get("/api/v1/reports/sdgs").status_code == 403


def test_the_goals_names_are_marked_as_the_table_gives_them_and_read_in_french(app, staff_client, staff_user, recs):
    assert SDG_NAME_WORDS == tuple(SDG_GOALS.values())  # the catalogues hold the table's own words
    staff_user.language = "fr"
    db.session.commit()
    page = staff_client.get("/recommendations/").get_data(as_text=True)
    assert "3 – Bonne santé et bien-être" in page and "Good health and well-being" not in page
    detail = staff_client.get(f"/recommendations/{recs['health'].id}").get_data(as_text=True)
    assert "3 – Bonne santé et bien-être" in detail
