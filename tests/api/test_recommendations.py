"""/api/v1/recommendations, as the API contract says, plus the CSV import endpoint."""
from sqlalchemy import func, select

from engage.demo import UPR_CYCLE1_CSV
from engage.extensions import db
from engage.history import history_for
from engage.upr.imports import import_recommendations_file
from engage.recommendations.models import Recommendation
from engage.recommendations.vocabulary import load_vocabulary
from engage.upr import services
from tests import factories
from tests.upr.helpers import make_world

CONTRACT_FIELDS = {"id", "cycle", "reference", "text", "recommending_state", "response", "themes",
                   "implementation_status", "notes"}


def _error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    return body["error"]


def _count():
    return db.session.scalar(select(func.count()).select_from(Recommendation))


def test_create_returns_201_with_the_contract_fields(staff_api):
    response = staff_api.post("/api/v1/recommendations", json={
        "cycle": 3, "reference": "142.15", "text": "Repeal laws that criminalise key populations",
        "recommending_state": "United Kingdom of Great Britain and Northern Ireland",
        "themes": ["HIV/AIDS", "Right to health"]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) >= CONTRACT_FIELDS
    assert body["recommending_state"] == "GB" and body["recommending_state_name"] == "United Kingdom"
    assert body["response"] == "pending" and body["implementation_status"] is None  # not assessed
    assert body["themes"] == ["HIV/AIDS", "Right to health"]
    assert body["created_at"].endswith("Z")
    assert staff_api.get(f"/api/v1/recommendations/{body['id']}").get_json() == body


def test_a_duplicate_is_409(staff_api):
    factories.make_recommendation(cycle=3, reference="142.15", recommending_state="TR")
    response = staff_api.post("/api/v1/recommendations", json={
        "cycle": 3, "reference": "142.15", "text": "Again", "recommending_state": "Türkiye"})
    error = _error(response, 409, "conflict")
    assert "reference" in error["fields"]
    assert _count() == 1


def test_bad_values_are_422_naming_each_field(staff_api):
    response = staff_api.post("/api/v1/recommendations", json={
        "cycle": 100, "reference": "", "text": "x", "recommending_state": "Narnia"})
    error = _error(response, 422, "validation_error")
    assert set(error["fields"]) == {"cycle", "reference", "recommending_state"}
    error = _error(staff_api.post("/api/v1/recommendations", json={
        "cycle": 3, "reference": "1", "text": "x", "recommending_state": "DE", "response": "accepted"}),
        422, "validation_error")
    assert "response" in error["fields"]
    error = _error(staff_api.post("/api/v1/recommendations", json={"cycle": "3"}), 422, "validation_error")
    assert {"cycle", "reference", "text", "recommending_state"} <= set(error["fields"])
    _error(staff_api.post("/api/v1/recommendations", data="{not json", content_type="application/json"),
           400, "bad_request")
    assert _count() == 0


def test_missing_is_404(staff_api):
    _error(staff_api.get("/api/v1/recommendations/4242"), 404, "not_found")
    _error(staff_api.patch("/api/v1/recommendations/4242", json={"notes": "x"}), 404, "not_found")


def test_no_token_or_a_bad_one_is_401(client):
    _error(client.get("/api/v1/recommendations"), 401, "unauthorized")
    _error(client.get("/api/v1/recommendations", headers={"Authorization": "Bearer nope"}), 401, "unauthorized")


def test_patch_changes_themes_with_history_and_the_status_is_the_latest_assessment(staff_api, staff_user):
    rec = factories.make_recommendation(themes=["HIV/AIDS"], notes="keep")
    response = staff_api.patch(f"/api/v1/recommendations/{rec.id}", json={"themes": ["HIV/AIDS", "SRHR"]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["themes"] == ["HIV/AIDS", "SRHR"] and body["implementation_status"] is None
    assert body["notes"] == "keep"
    [change] = [c for c in history_for(db.session.get(Recommendation, rec.id)) if c.action == "updated"]
    assert change.actor_id == staff_user.id and set(change.changes) == {"themes"}
    staff_api.post("/api/v1/assessments", json={"recommendation_id": rec.id, "assessed_on": "2026-11-01",
                                                "status": "partially_implemented"})
    assert staff_api.get(f"/api/v1/recommendations/{rec.id}").get_json()["implementation_status"] \
        == "partially_implemented"


def test_patch_errors(staff_api):
    factories.make_recommendation(reference="142.1")
    rec = factories.make_recommendation(reference="142.2")
    _error(staff_api.patch(f"/api/v1/recommendations/{rec.id}", json={"reference": "142.1"}), 409, "conflict")
    error = _error(staff_api.patch(f"/api/v1/recommendations/{rec.id}", json={"response": None}),
                   422, "validation_error")
    assert "response" in error["fields"]
    error = _error(staff_api.patch(f"/api/v1/recommendations/{rec.id}", json={"implementation_status": "done"}),
                   422, "validation_error")
    assert "implementation_status" in error["fields"]
    assert db.session.get(Recommendation, rec.id).reference == "142.2"


def test_list_filters_and_search(app, staff_api, staff_user):
    make_world(staff_user)

    def refs(**query):
        body = staff_api.get("/api/v1/recommendations", query_string=query).get_json()
        return [r["reference"] for r in body["items"]]

    assert refs(cycle=3, recommending_state="Germany") == ["142.1", "142.2", "142.3"]
    assert refs(recommending_state="de", response="noted") == ["142.2"]
    assert refs(theme="Death penalty") == ["142.9"]
    assert refs(q="ARVs access") == ["142.1"]
    assert refs(cycle=2) == ["120.1"]
    assert refs(implementation_status="implemented") == []
    assert set(refs(cycle=3, engaged="false")) == {"142.6", "142.7", "142.8", "142.9"}
    body = staff_api.get("/api/v1/recommendations", query_string={"per_page": 2, "page": 2}).get_json()
    assert (body["total"], body["page"], body["per_page"], len(body["items"])) == (10, 2, 2, 2)


def test_bad_list_filters_are_422(staff_api):
    for query, field in (({"cycle": "x"}, "cycle"), ({"cycle": "99999999999"}, "cycle"),
                         ({"response": "maybe"}, "response"), ({"recommending_state": "Narnia"}, "recommending_state"),
                         ({"implementation_status": "done"}, "implementation_status"), ({"per_page": 500}, "per_page"),
                         ({"engaged": "perhaps"}, "engaged")):
        error = _error(staff_api.get("/api/v1/recommendations", query_string=query), 422, "validation_error")
        assert field in error["fields"], query


def test_the_real_file_through_the_list(staff_api, now):
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    db.session.commit()
    body = staff_api.get("/api/v1/recommendations", query_string={"recommending_state": "AT", "q": "protocol"}).get_json()
    assert [(r["reference"], r["sub_item"], r["response"]) for r in body["items"]] == [("102.3", "1", "supported"),
                                                                                       ("102.3", "2", "noted")]
    assert staff_api.get("/api/v1/recommendations", query_string={"response": "noted"}).get_json()["total"] == 32
    # The paragraph three states made is one recommendation, listed under each of them.
    for state in ("IE", "AT", "DE"):
        items = staff_api.get("/api/v1/recommendations", query_string={
            "recommending_state": state, "q": "abolish the death penalty"}).get_json()["items"]
        joint = [r for r in items if r["reference"] == "103.1" and r["sub_item"] == "3"]
        assert len(joint) == 1 and joint[0]["recommending_states"] == ["IE", "AT", "DE"]
        assert joint[0]["recommending_state"] == "IE" and joint[0]["recommending_state_name"] == "Ireland"
        assert joint[0]["recommending_state_names"] == ["Ireland", "Austria", "Germany"]


def test_a_joint_recommendation_round_trip_with_recommending_states(staff_api):
    response = staff_api.post("/api/v1/recommendations", json={
        "cycle": 4, "reference": "45.7", "sub_item": "2", "text": "Ensure universal health coverage",
        "recommending_states": ["France", "LT"], "sdgs": "3 - GOOD HEALTH AND WELL-BEING",
        "groups_of_persons": ["Persons with disabilities"], "source_of_position": "A/HRC/28/15/Add.1 - Para. 3"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["recommending_states"] == ["FR", "LT"] and body["recommending_state"] == "FR"
    assert (body["reference"], body["sub_item"], body["sdgs"]) == ("45.7", "2", [3])
    assert body["groups_of_persons"] == ["Persons with disabilities"]
    assert body["source_of_position"] == "A/HRC/28/15/Add.1 - Para. 3"
    url = f"/api/v1/recommendations/{body['id']}"
    patched = staff_api.patch(url, json={"recommending_states": "Lithuania; France; Germany", "sdgs": [3, 5]})
    assert patched.status_code == 200, patched.get_json()
    again = staff_api.get(url).get_json()
    assert again["recommending_states"] == ["LT", "FR", "DE"] and again["recommending_state"] == "LT"
    assert again["sdgs"] == [3, 5]
    # A tool that knows one state: it becomes the first, the others stay.
    assert staff_api.patch(url, json={"recommending_state": "DE"}).get_json()["recommending_states"] == ["DE", "LT", "FR"]
    # The same paragraph and item again is a conflict, whichever state sends it.
    error = _error(staff_api.post("/api/v1/recommendations", json={
        "cycle": 4, "reference": "45.7", "sub_item": "45.7 (2)", "text": "x", "recommending_state": "SE"}),
        409, "conflict")
    assert "reference" in error["fields"]
    error = _error(staff_api.patch(url, json={"recommending_states": ["FR"], "recommending_state": "DE"}),
                   422, "validation_error")
    assert "recommending_state" in error["fields"]
    error = _error(staff_api.patch(url, json={"sdgs": "18"}), 422, "validation_error")
    assert "sdgs" in error["fields"]


# ---- the CSV import endpoint (lead) ----

def test_staff_may_not_import_through_the_api(staff_api):
    _error(staff_api.post("/api/v1/recommendations/import", data=UPR_CYCLE1_CSV.read_bytes(),
                          content_type="text/csv"), 403, "forbidden")
    assert _count() == 0


def test_a_lead_imports_through_the_api(lead_api):
    response = lead_api.post("/api/v1/recommendations/import", data=UPR_CYCLE1_CSV.read_bytes(),
                             content_type="text/csv")
    assert response.status_code == 200
    counts = {"merged": 0, "conflicting": 0, "skipped": 0, "unattributed": 0, "conflicts": [],
              "layout": "engage's CSV in UPR Info's column names"}
    assert response.get_json() == {"total": 166, "created": 164, "updated": 0, "unchanged": 0, "saved": True,
                                   **counts}
    again = lead_api.post("/api/v1/recommendations/import?dry_run=true", data=UPR_CYCLE1_CSV.read_bytes(),
                          content_type="text/csv").get_json()
    assert again == {"total": 166, "created": 0, "updated": 0, "unchanged": 164, "saved": False, **counts}
    assert _count() == 164


def test_a_bad_import_through_the_api_lists_every_line(lead_api):
    content = b"cycle,reference,recommending_state,text,response\n3,1.1,DE,ok,noted\n3,1.2,Narnia,x,noted\n3,1.3,FR,,noted\n"
    error = _error(lead_api.post("/api/v1/recommendations/import", data=content, content_type="text/csv"),
                   422, "validation_error")
    assert [d["line"] for d in error["details"]] == [3, 4]
    assert error["fields"]["file"][0].startswith("Line 3: recommending_state")
    assert _count() == 0


def test_the_openapi_document_describes_the_resource(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/recommendations"])
    assert {"get", "patch"} <= set(paths["/api/v1/recommendations/{rec_id}"])
    assert "lead" in paths["/api/v1/recommendations/import"]["post"]["description"]


def test_themes_with_their_groups_and_the_theme_group_filter(staff_api, now):
    load_vocabulary()
    services.create_recommendation(None, now, {"cycle": 3, "reference": "1.1", "recommending_state": "DE",
                                               "text": "ARVs", "response": "supported", "themes": ["HIV - Aids"]})
    services.create_recommendation(None, now, {"cycle": 3, "reference": "1.2", "recommending_state": "FR",
                                               "text": "Abolish", "response": "noted", "themes": ["Death penalty"]})
    db.session.commit()
    health = staff_api.get("/api/v1/themes?theme_group=health&per_page=200").get_json()
    hiv = next(t for t in health["items"] if t["name"] == "HIV/AIDS")
    assert hiv["curated"] is True and {"key": "health", "name": "Health"} in hiv["groups"]
    assert "Death penalty" not in {t["name"] for t in health["items"]}
    listed = staff_api.get("/api/v1/recommendations?theme_group=health").get_json()
    assert [(r["reference"], r["themes"]) for r in listed["items"]] == [("1.1", ["HIV/AIDS"])]
    bad = _error(staff_api.get("/api/v1/recommendations?theme_group=astrology"), 422, "validation_error")
    assert "health" in bad["fields"]["theme_group"][0]
    paths = staff_api.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/themes"]
    assert "theme_group" in {p["name"] for p in paths["/api/v1/recommendations"]["get"]["parameters"]}


def test_a_recommendation_shows_and_takes_its_texts_in_other_languages(staff_api, now):
    """The French line is this test's own rendering, not the UN's official text."""
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    db.session.commit()
    rec = db.session.scalars(select(Recommendation).where(Recommendation.reference == "101.92")).one()
    assert staff_api.get(f"/api/v1/recommendations/{rec.id}").get_json()["texts"] == {}
    french = "Améliorer l’accès aux services de santé reproductive pour les femmes enceintes"
    response = staff_api.put(f"/api/v1/recommendations/{rec.id}/texts", json={"language": "fr-FR", "text": french})
    assert response.status_code == 200, response.get_json()
    body = staff_api.get(f"/api/v1/recommendations/{rec.id}").get_json()
    assert body["texts"] == {"fr": french}
    assert body["text"] == "Improve access to reproductive health services for pregnant women"
    assert "texts" not in staff_api.get("/api/v1/recommendations?cycle=1").get_json()["items"][0]


def test_a_bad_text_language_is_422_naming_it(staff_api, now):
    rec = factories.make_recommendation()
    for language in ("français!", "en", ""):
        error = _error(staff_api.put(f"/api/v1/recommendations/{rec.id}/texts", json={"language": language, "text": "x"}),
                       422, "validation_error")
        assert set(error["fields"]) == {"language"}
    _error(staff_api.put(f"/api/v1/recommendations/{rec.id}/texts", json={"language": "fr"}), 422, "validation_error")
    _error(staff_api.put("/api/v1/recommendations/999999/texts", json={"language": "fr", "text": "x"}), 404, "not_found")
