"""Outcomes on asks: a state's position on an ask (will make it, will consider it, prefers other
wording, declined, not discussed), the wording it proposed and follow-ups, with history; through the
API's /meetings/{id}/outcomes and the outcome pages; shown on the ask's page to those who may see them."""
from __future__ import annotations

from engage.access.services import set_sensitivity
from engage.clock import now_utc
from engage.extensions import db
from engage.history import history_for
from engage.outcomes.models import Outcome
from tests import factories
from tests.asks.helpers import make_ask
from tests.outcomes.helpers import make_meeting


def _meeting(staff_user, diplomat, ask):
    meeting = make_meeting(staff_user, contacts=[diplomat])
    meeting.asks = [ask]
    db.session.commit()
    return meeting


def _error(response, status=422):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]["fields"]


def test_the_api_logs_a_states_position_on_an_ask_with_follow_ups_and_history(staff_api, staff_user, lead_user,
                                                                              diplomat, mission):
    ask = make_ask(lead_user, text="Adopt a mental health law in line with the CRPD")
    meeting = _meeting(staff_user, diplomat, ask)
    response = staff_api.post(f"/api/v1/meetings/{meeting.id}/outcomes", json={
        "ask_id": ask.id, "position": "will_consider", "summary": "They will take it to Berlin",
        "follow_ups": [{"description": "Send the JSR paragraph", "due_on": "2026-12-10"}]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["ask_id"] == ask.id and body["recommendation_id"] is None
    assert body["position"] == "will_consider" and body["organisation_id"] == mission.id
    assert [f["description"] for f in body["follow_ups"]] == ["Send the JSR paragraph"]
    response = staff_api.patch(f"/api/v1/outcomes/{body['id']}", json={
        "position": "other_wording", "proposed_wording": "Strengthen mental health services in primary care"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["proposed_wording"].startswith("Strengthen mental health")
    changes = history_for(db.session.get(Outcome, body["id"]))[0].changes
    assert changes["position"] == ["will_consider", "other_wording"]
    doc = staff_api.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "ask_id" in doc["OutcomeCreate"]["properties"] and "proposed_wording" in doc["Outcome"]["properties"]


def test_an_outcome_takes_the_positions_of_its_subject(staff_api, staff_user, lead_user, diplomat):
    ask = make_ask(lead_user)
    rec = factories.make_recommendation()
    meeting = _meeting(staff_user, diplomat, ask)
    url = f"/api/v1/meetings/{meeting.id}/outcomes"
    fields = _error(staff_api.post(url, json={"ask_id": ask.id, "position": "supportive", "summary": "x"}))
    assert fields["position"] == ["On an ask, choose one of: will_make, will_consider, other_wording, declined, "
                                  "not_discussed."]
    fields = _error(staff_api.post(url, json={"recommendation_id": rec.id, "position": "will_make", "summary": "x"}))
    assert "position" in fields
    fields = _error(staff_api.post(url, json={"recommendation_id": rec.id, "ask_id": ask.id, "summary": "x"}))
    assert fields["ask_id"] == ["An outcome is on a recommendation or on an ask, not both."]
    fields = _error(staff_api.post(url, json={"recommendation_id": rec.id, "proposed_wording": "y", "summary": "x"}))
    assert fields["proposed_wording"] == ["Only an outcome on an ask has a proposed wording."]
    fields = _error(staff_api.post(url, json={"ask_id": 999999, "summary": "x"}))
    assert fields["ask_id"] == ["No ask with id 999999."]
    assert db.session.query(Outcome).count() == 0
    response = staff_api.post(url, json={"ask_id": ask.id, "summary": "Ran out of time"})
    assert response.get_json()["position"] == "not_discussed"


def test_the_ask_page_shows_what_states_said_to_those_who_may_see_it(staff_client, lead_client, staff_user,
                                                                    lead_user, diplomat, admin_user):
    ask = make_ask(lead_user, text="Ring-fence funding for HIV prevention among key populations")
    shown = _meeting(staff_user, diplomat, ask)
    hidden = make_meeting(lead_user, contacts=[diplomat], title="Quiet talk")
    hidden.asks = [ask]
    db.session.commit()
    from engage.outcomes.services import create_outcome
    create_outcome(staff_user, now_utc(), shown, {"ask_id": ask.id, "position": "other_wording", "summary": "Open to it",
                                                  "proposed_wording": "Ensure sustainable HIV financing"})
    create_outcome(lead_user, now_utc(), hidden, {"ask_id": ask.id, "position": "declined", "summary": "Secret no"})
    set_sensitivity(admin_user, now_utc(), hidden, "restricted")
    db.session.commit()
    page = staff_client.get(f"/asks/{ask.id}").get_data(as_text=True)
    assert "Prefers other wording" in page and "Ensure sustainable HIV financing" in page
    assert shown.title in page
    assert "Secret no" not in page and "Declined" not in page and "Quiet talk" not in page
    response = lead_client.post(f"/asks/{ask.id}/delete")
    assert response.status_code == 302
    assert "Outcomes are logged on this ask" in lead_client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_add_outcome_page_offers_the_agendas_asks_and_their_positions(staff_client, staff_user, lead_user,
                                                                          diplomat):
    ask = make_ask(lead_user, text="Digital health strategy with rights safeguards")
    meeting = _meeting(staff_user, diplomat, ask)
    page = staff_client.get(f"/outcomes/meetings/{meeting.id}/add?ask_id={ask.id}").get_data(as_text=True)
    assert "On an ask: Will make it" in page and f"Ask {ask.id}" in page
    response = staff_client.post(f"/outcomes/meetings/{meeting.id}/add", data={
        "ask_id": str(ask.id), "recommendation_id": "", "organisation_id": "", "position": "will_make",
        "summary": "They will make it, word for word"})
    assert response.status_code == 302, response.get_data(as_text=True)
    outcome = db.session.query(Outcome).one()
    assert (outcome.ask_id, outcome.position) == (ask.id, "will_make")
    page = staff_client.get(f"/outcomes/{outcome.id}").get_data(as_text=True)
    assert "Will make it" in page and "Digital health strategy" in page
