"""/api/v1/cycles: list, create, read and change cycles with their milestones, as the OpenAPI document says."""
from tests import factories
from tests.outcomes.helpers import make_world


def _error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and isinstance(body["error"]["fields"], dict)
    return body["error"]


def test_leads_create_a_cycle_with_milestones_and_everyone_reads_it(lead_api, staff_api):
    response = lead_api.post("/api/v1/cycles", json={
        "number": 5, "wg_session": 63,
        "milestones": [{"kind": "wg_review", "due_on": "2029-11-05"},
                       {"kind": "hrc_adoption", "due_on": "2030-03-20", "hrc_session": 73, "reminder_days": [7]},
                       {"kind": "own", "title": "Coalition report final", "due_on": "2029-03-31"}]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["number"] == 5 and body["state_under_review"] == "KE"
    assert (body["engagement_starts_on"], body["engagement_ends_on"]) == ("2028-11-05", "2030-03-20")
    assert [m["name"] for m in body["milestones"]] == [
        "Coalition report final", "Working Group review (UPR 63)", "Adoption at the Human Rights Council (HRC 73)"]
    assert body["milestones"][2]["reminder_days"] == [7] and body["milestones"][0]["reminder_days"] == [28, 7, 1]
    assert body["created_at"].endswith("Z") and body["url"].endswith("/cycles/5")

    listed = staff_api.get("/api/v1/cycles").get_json()
    assert listed["total"] == 1 and listed["items"][0]["number"] == 5
    one = staff_api.get("/api/v1/cycles/5").get_json()
    assert one["is_current"] is True and one["states_met"] == 0
    _error(staff_api.get("/api/v1/cycles/6"), 404)
    _error(staff_api.post("/api/v1/cycles", json={"number": 6}), 403)


def test_bad_bodies_name_the_field_and_save_nothing(lead_api):
    factories.make_cycle(number=5)
    assert _error(lead_api.post("/api/v1/cycles", json={"number": 5}), 409)["fields"] == {
        "number": ["A cycle with this number exists."]}
    error = _error(lead_api.post("/api/v1/cycles", json={"number": "six", "colour": "red"}), 422)
    assert set(error["fields"]) == {"number", "colour"}
    error = _error(lead_api.post("/api/v1/cycles", json={"number": 6, "milestones": [
        {"kind": "tea", "due_on": "2029-01-01"}, {"kind": "own", "due_on": "2029-02-30"}]}), 422)
    assert {"milestones.0.kind", "milestones.1.due_on"} <= set(error["fields"])
    assert lead_api.get("/api/v1/cycles").get_json()["total"] == 1


def test_patch_changes_the_window_and_replaces_the_milestones(lead_api, staff_api):
    cycle = factories.make_cycle(number=4, window_starts_on=None, window_ends_on=None, milestones=[
        {"kind": "wg_review", "due_on": "2025-05-01"}, {"kind": "hrc_adoption", "due_on": "2025-09-08"}])
    review = cycle.milestone("wg_review")
    _error(staff_api.patch("/api/v1/cycles/4", json={"wg_session": 49}), 403)
    response = lead_api.patch("/api/v1/cycles/4", json={"wg_session": 49, "milestones": [
        {"id": review.id, "due_on": "2025-04-30"}, {"kind": "mid_term_report", "due_on": "2027-10-01"}]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [(m["kind"], m["due_on"]) for m in body["milestones"]] == [
        ("wg_review", "2025-04-30"), ("mid_term_report", "2027-10-01")]
    assert (body["engagement_starts_on"], body["engagement_ends_on"]) == ("2024-04-30", None)
    error = _error(lead_api.patch("/api/v1/cycles/4", json={"window_starts_on": "2026-01-01",
                                                            "window_ends_on": "2025-01-01"}), 422)
    assert "window_ends_on" in error["fields"]
    assert lead_api.get("/api/v1/cycles/4").get_json()["window_starts_on"] is None


def test_the_engaged_filter_counts_the_cycle_asked_for(staff_api, staff_user, lead_user):
    world = make_world(staff_user, lead_user)
    factories.make_cycle(number=4, window_starts_on="2024-01-01", window_ends_on="2024-12-31")
    refs = lambda q: sorted(r["reference"] for r in staff_api.get(f"/api/v1/recommendations?{q}").get_json()["items"])  # noqa: E731
    assert refs("engaged=true") == ["138.2", "142.15", "142.40"]  # cycle 5, the current one
    assert refs("engaged=true&engaged_in=4") == ["139.9"]
    assert _error(staff_api.get("/api/v1/recommendations?engaged=true&engaged_in=9"), 404)["message"] == "No cycle 9."
    assert world.recs


def test_the_openapi_document_lists_the_cycles(staff_api):
    document = staff_api.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(document["paths"]["/api/v1/cycles"])
    assert {"get", "patch"} <= set(document["paths"]["/api/v1/cycles/{number}"])
    assert "Needs the `lead` role" in document["paths"]["/api/v1/cycles"]["post"]["description"]
    params = {p["name"] for p in document["paths"]["/api/v1/recommendations"]["get"]["parameters"]}
    assert "engaged_in" in params
