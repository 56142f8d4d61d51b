"""The outcomes API: /outcomes, /outcomes/{id}, /meetings/{id}/outcomes."""
from datetime import UTC, datetime

import pytest

from engage.extensions import db
from engage.history import history_for
from engage.meetings.models import Meeting
from engage.outcomes.models import Outcome
from tests.outcomes.helpers import make_meeting, make_world
from tests.conftest import sqlite_only


@pytest.fixture
def world(app, staff_user, lead_user):
    return make_world(staff_user, lead_user)


@pytest.fixture
def frozen():
    import time_machine

    from tests.conftest import NOW
    with time_machine.travel(NOW, tick=False):
        yield NOW


def test_list_and_filter_outcomes(world, staff_api):
    body = staff_api.get("/api/v1/outcomes").get_json()
    assert body["total"] == 7 and body["page"] == 1 and body["per_page"] == 50
    assert body["items"][0]["meeting_id"] == world.meetings["fr"].id     # newest meeting first
    hiv = staff_api.get("/api/v1/outcomes?theme=HIV/AIDS&position=supportive").get_json()
    assert [i["recommendation_id"] for i in hiv["items"]] == [world.recs["de_hiv"].id, world.recs["br_hiv"].id]
    dated = staff_api.get("/api/v1/outcomes?from=2026-11-15&to=2026-11-30").get_json()
    assert {i["meeting_id"] for i in dated["items"]} == {world.meetings["fr"].id}
    by_org = staff_api.get(f"/api/v1/outcomes?organisation_id={world.orgs['br'].id}").get_json()
    assert by_org["total"] == 2
    by_rec = staff_api.get(f"/api/v1/outcomes?recommendation_id={world.recs['fr_hiv'].id}").get_json()
    item = by_rec["items"][0]
    assert set(item) >= {"id", "meeting_id", "recommendation_id", "organisation_id", "position", "summary",
                         "commitment", "follow_ups", "created_by", "created_at"}
    assert item["created_by"] == "staff@example.org" and item["created_at"] == "2026-11-28T09:00:00Z"
    overall = staff_api.get(f"/api/v1/outcomes/{world.outcomes['fr_overall'].id}").get_json()
    assert overall["follow_ups"] == [{"id": overall["follow_ups"][0]["id"],
                                      "description": "Send France the shadow report",
                                      "owner": "other@example.org", "due_on": "2026-11-25", "done": False,
                                      "status": "open"}]


@sqlite_only
@pytest.mark.parametrize("query, field", [("position=great", "position"), ("from=2026-11-01T10:00", "from"),
                                          ("theme=Astrology", "theme"), ("per_page=500", "per_page"),
                                          ("recommendation_id=x", "recommendation_id")])
def test_bad_list_filters_are_422_naming_the_field(world, staff_api, query, field):
    response = staff_api.get(f"/api/v1/outcomes?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_create_an_outcome_on_a_meeting(world, staff_api, frozen):
    meeting = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 27, 8, 0, tzinfo=UTC),
                           [world.recs["se_health"]])
    response = staff_api.post(f"/api/v1/meetings/{meeting.id}/outcomes", json={
        "recommendation_id": world.recs["se_health"].id, "position": "will_raise",
        "summary": "Sweden will raise UHC.", "commitment": "Will raise it in the review",
        "follow_ups": [{"description": "Send data", "owner": "other@example.org", "due_on": "2026-12-10"}]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["meeting_id"] == meeting.id and body["organisation_id"] == world.orgs["se"].id
    assert body["follow_ups"][0]["owner"] == "other@example.org" and body["follow_ups"][0]["done"] is False
    assert db.session.get(Meeting, meeting.id).status == "held"
    listed = staff_api.get(f"/api/v1/meetings/{meeting.id}/outcomes").get_json()
    assert [i["id"] for i in listed["items"]] == [body["id"]]
    via_top = staff_api.post("/api/v1/outcomes", json={"meeting_id": meeting.id, "summary": "Overall"})
    assert via_top.status_code == 201 and via_top.get_json()["recommendation_id"] is None


@pytest.mark.parametrize("payload, field, status", [
    ({"position": "supportive"}, "summary", 422),
    ({"summary": "x", "position": "thrilled"}, "position", 422),
    ({"summary": "x", "recommendation_id": 999999}, "recommendation_id", 422),
    ({"summary": "x", "follow_ups": [{"description": "a", "owner": "nobody@example.org", "due_on": "2026-12-01"}]},
     "follow_ups.0.owner", 422),
    ({"summary": "x", "follow_ups": [{"description": "a", "owner": "staff@example.org", "due_on": "soon"}]},
     "follow_ups.0.due_on", 422),
    ({"summary": 5}, "summary", 422),
    ({"summary": "x", "surprise": True}, "surprise", 422),
])
def test_bad_outcomes_are_refused_and_nothing_is_saved(world, staff_api, frozen, payload, field, status):
    meeting = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    response = staff_api.post(f"/api/v1/meetings/{meeting.id}/outcomes", json=payload)
    assert response.status_code == status
    assert field in response.get_json()["error"]["fields"]
    assert db.session.query(Outcome).filter_by(meeting_id=meeting.id).count() == 0
    assert db.session.get(Meeting, meeting.id).status == "scheduled"


def test_other_refusals(world, staff_api, frozen):
    assert staff_api.post("/api/v1/meetings/999999/outcomes", json={"summary": "x"}).status_code == 404
    assert staff_api.post("/api/v1/outcomes", json={"summary": "x"}).status_code == 422
    assert staff_api.post(f"/api/v1/meetings/{world.meetings['de'].id}/outcomes", data="{",
                          headers={"Content-Type": "application/json"}).status_code == 400
    assert staff_api.get("/api/v1/outcomes/999999").status_code == 404
    future = make_meeting(world.staff, [world.contacts["se"]], datetime(2027, 1, 5, 8, 0, tzinfo=UTC))
    assert staff_api.post(f"/api/v1/meetings/{future.id}/outcomes", json={"summary": "x"}).status_code == 422


def test_patch_an_outcome_and_its_follow_ups_with_history(world, lead_api, frozen):
    outcome = world.outcomes["fr_overall"]
    action = outcome.follow_ups[0]
    response = lead_api.patch(f"/api/v1/outcomes/{outcome.id}", json={
        "summary": "France will consult and reply.",
        "follow_ups": [{"id": action.id, "done": True},
                       {"description": "Book a second meeting", "owner": "lead@example.org", "due_on": "2027-01-15"}]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["summary"] == "France will consult and reply."
    assert [(f["description"], f["done"]) for f in body["follow_ups"]] == [
        ("Send France the shadow report", True), ("Book a second meeting", False)]
    assert history_for(outcome)[0].changes["summary"][1] == "France will consult and reply."
    bad = lead_api.patch(f"/api/v1/outcomes/{outcome.id}", json={"follow_ups": [{"id": 424242, "done": True}]})
    assert bad.status_code == 422 and "follow_ups.0.id" in bad.get_json()["error"]["fields"]
    empty = lead_api.patch(f"/api/v1/outcomes/{outcome.id}", json={"summary": ""})
    assert empty.status_code == 422 and "summary" in empty.get_json()["error"]["fields"]


def test_tokens_and_roles(world, app, frozen):
    client = app.test_client()
    assert client.get("/api/v1/outcomes").status_code == 401
    from tests import factories
    stranger = factories.make_user(role="staff", email="stranger@example.org")
    from tests.conftest import ApiClient
    api = ApiClient(app.test_client(), factories.make_token(stranger))
    assert api.get("/api/v1/outcomes").status_code == 200     # every staff member reads the log
    response = api.patch(f"/api/v1/outcomes/{world.outcomes['de_hiv'].id}", json={"summary": "Mine now"})
    assert response.status_code == 403                        # but edits only meetings they were part of


def test_the_openapi_document_describes_the_outcome_routes(world, staff_api):
    paths = staff_api.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/outcomes"]) == {"get", "post"}
    assert set(paths["/api/v1/outcomes/{outcome_id}"]) == {"get", "patch"}
    assert set(paths["/api/v1/meetings/{meeting_id}/outcomes"]) == {"get", "post"}


def test_a_follow_up_without_an_owner_is_the_callers_on_create_and_on_update(staff_api, staff_user, lead_user):
    world = make_world(staff_user, lead_user)
    meeting = world.meetings["fr"]
    response = staff_api.post(f"/api/v1/meetings/{meeting.id}/outcomes", json={
        "summary": "Met the mission", "follow_ups": [{"description": "Send the brief", "due_on": "2026-12-10"}]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert [f["owner"] for f in body["follow_ups"]] == [staff_user.email]
    response = staff_api.patch(f"/api/v1/outcomes/{body['id']}", json={
        "follow_ups": [{"description": "Call again", "due_on": "2026-12-12"}]})
    assert response.status_code == 200, response.get_json()
    assert [f["owner"] for f in response.get_json()["follow_ups"]] == [staff_user.email, staff_user.email]
    schema = staff_api.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["FollowUpCreate"]
    assert "owner" not in schema.get("required", [])
