"""/api/v1/reports/uptake: the uptake report's three parts as JSON, for leads and admins, as the
OpenAPI document says; restricted meetings hidden exactly as on the page."""
import pytest
import time_machine

from tests import factories
from tests.conftest import NOW, _api_for, sqlite_only
from tests.reports.uptake_world import UptakeWorld


@pytest.fixture
def dpo_user(app):
    return factories.make_dpo(role="lead", email="dpo-lead@example.org")


@pytest.fixture
def uptake_world(app, lead_user, staff_user, dpo_user):
    world = UptakeWorld(lead_user, staff_user, dpo_user)
    with time_machine.travel(NOW, tick=False):
        yield world


def _error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and isinstance(body["error"]["fields"], dict)
    return body["error"]


def test_the_report_as_json(uptake_world, lead_api):
    response = lead_api.get("/api/v1/reports/uptake")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["cycle"] == {"number": 4, "label": "cycle 4 (UPR 49, Working Group review 20 Nov 2026)",
                             "wg_session": 49, "review_on": "2026-11-20"}
    assert body["totals"] == {"asks": 3, "asks_taken_up": 2, "asks_taken_up_after_meeting": 1, "asks_not_taken_up": 1,
                              "pairs": {"pitched_taken_up": 1, "taken_up_without_meeting": 2, "pitched_not_taken_up": 1}}
    a = next(item for item in body["asks"] if item["id"] == uptake_world.a.id)
    assert [(p["state"], p["position"], p["before_review"]) for p in a["pitched"]] == [
        ("DE", "will_make", True), ("NO", None, False), ("SE", "declined", True)]
    assert a["pitched"][0]["first_met_on"] == "2026-11-10"
    assert [(u["state"], u["verdict"], u["after_meeting"]) for u in a["taken_up"]] == [
        ("DE", "full", True), ("NO", "full", False)]
    assert [(r["reference"], r["recommending_states"], r["verdict"], r["response"]) for r in a["recommendations"]] == [
        ("142.1", ["DE", "NO"], "full", "supported")]
    assert a["url"].endswith(f"/asks/{uptake_world.a.id}") and a["recommendations"][0]["url"].endswith(
        f"/recommendations/{uptake_world.recs['de_no'].id}")
    states = {s["state"]: (s["asks_pitched"], s["asks_taken_up"], s["taken_up_after_meeting"]) for s in body["states"]}
    assert states == {"DE": (1, 1, 1), "NO": (1, 1, 0), "SE": (1, 0, 0), "FR": (0, 1, 0)}
    assert [t["theme"] for t in body["themes"]] == ["HIV/AIDS", "Mental health", "Right to health", "No theme"]
    assert lead_api.get("/api/v1/reports/uptake?cycle=3").get_json()["totals"]["asks"] == 1


def test_a_restricted_meeting_shows_for_those_granted_it(uptake_world, app, dpo_user, lead_api):
    france = lambda api: next(s for s in api.get("/api/v1/reports/uptake?cycle=4").get_json()["states"]  # noqa: E731
                              if s["state"] == "FR")
    assert france(lead_api)["asks_pitched"] == 0
    assert france(_api_for(app, dpo_user))["taken_up_after_meeting"] == 1


def test_a_bad_cycle_is_refused_naming_it(uptake_world, lead_api):
    for value in ("four", "0", "100"):
        assert set(_error(lead_api.get(f"/api/v1/reports/uptake?cycle={value}"), 422)["fields"]) == {"cycle"}
    assert lead_api.get("/api/v1/reports/uptake?cycle=+4").get_json()["cycle"]["number"] == 4
    empty = lead_api.get("/api/v1/reports/uptake?cycle=9").get_json()
    assert empty["totals"]["asks"] == 0 and empty["asks"] == [] and empty["cycle"]["number"] == 9


@sqlite_only
def test_staff_are_refused_and_the_document_lists_it(app, staff_api, lead_api):
    _error(staff_api.get("/api/v1/reports/uptake"), 403)
    doc = lead_api.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/reports/uptake"]["get"]
    assert "lead" in op["description"] and [p["name"] for p in op["parameters"]] == ["cycle", "member_id"]
    assert "403" in op["responses"] and "422" in op["responses"]
    assert doc["components"]["schemas"]["UptakeReport"]["required"] == [
        "cycle", "generated_at", "totals", "asks", "states", "themes"]


def test_with_no_asks_at_all_the_report_is_empty(app, admin_api):
    body = admin_api.get("/api/v1/reports/uptake").get_json()
    assert body["cycle"]["number"] is None and body["asks"] == [] and body["totals"]["asks"] == 0
