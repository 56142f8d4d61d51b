"""Matches: the matcher's suggestions for an ask, staff's verdicts on them (services, the ask page and the
matches page, the API), and the exports of what was confirmed."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from engage.asks import matches
from engage.asks.models import TAKEN_UP, AskMatch
from engage.audit.models import AuditEvent
from engage.errors import NotFoundError, PermissionDenied, ValidationError
from engage.extensions import db
from engage.history import history_for
from tests import factories
from tests.asks.helpers import make_ask
from tests.conftest import NOW

FGM_ASK = "Criminalise FGM and adopt a national anti-FGM policy"


@pytest.fixture
def cycle_recs(app):
    """A few 4th-cycle recommendations: two that take up the FGM ask, others about something else."""
    made = {
        "fgm_law": factories.make_recommendation(
            cycle=4, reference="140.12", recommending_states=["DE", "FR"], themes=["Women's rights"],
            text="Adopt legislation and a national policy criminalizing female genital mutilation"),
        "fgm_awareness": factories.make_recommendation(
            cycle=4, reference="140.13", recommending_state="NO", themes=["Women's rights"],
            text="Strengthen awareness campaigns to eradicate female genital mutilation"),
        "prisons": factories.make_recommendation(
            cycle=4, reference="140.40", recommending_state="SE", themes=["Detention"],
            text="Improve conditions of detention in prisons and reduce overcrowding"),
        "death": factories.make_recommendation(
            cycle=4, reference="140.50", recommending_state="BE", themes=["Death penalty"],
            text="Abolish the death penalty and ratify the second optional protocol"),
    }
    return made


def _fgm_ask(lead_user, **values):
    return make_ask(lead_user, text=FGM_ASK, themes=["Women's rights"], target_states=["DE"], **values)


def _suggested_ids(ask):
    return [s.recommendation.id for s in matches.suggest_matches(ask)]


def _decide(actor, ask, rec, verdict, note=None, when=NOW):
    data = {"recommendation_id": rec.id, "verdict": verdict, **({"note": note} if note else {})}
    match, created = matches.decide_match(actor, when, ask, data)
    db.session.commit()
    return match, created


# ---- services ----

def test_suggestions_rank_the_recommendations_that_take_the_ask_up(lead_user, cycle_recs):
    ask = _fgm_ask(lead_user)
    suggested = _suggested_ids(ask)
    assert suggested[0] == cycle_recs["fgm_law"].id
    assert cycle_recs["prisons"].id not in suggested and cycle_recs["death"].id not in suggested
    # A recommendation of another cycle is never suggested, however alike.
    factories.make_recommendation(cycle=3, reference="99.1", text="Criminalize female genital mutilation")
    assert _suggested_ids(ask) == suggested


def test_a_decided_recommendation_leaves_the_suggestions_and_deciding_again_changes_the_verdict(
        lead_user, cycle_recs):
    ask = _fgm_ask(lead_user)
    law = cycle_recs["fgm_law"]
    match, created = _decide(lead_user, ask, law, "partial", note="Law, but no policy")
    assert created and match.verdict == "partial" and match.score is not None and match.score > 0.3
    assert law.id not in _suggested_ids(ask)
    confirmed, rejected = matches.split_matches(ask)
    assert [m.recommendation_id for m in confirmed] == [law.id] and rejected == []

    match, created = _decide(lead_user, ask, law, "full", when=NOW + timedelta(hours=1))
    assert not created and match.verdict == "full" and match.decided_at == NOW + timedelta(hours=1)
    assert match.note == "Law, but no policy"  # a note not sent is kept
    assert db.session.scalar(select(func.count()).select_from(AskMatch)) == 1
    changes = [h for h in history_for(ask) if h.action == "match_decided"]
    assert len(changes) == 2  # newest first
    assert changes[0].changes == {"recommendation 140.12 (Germany, France)": ["Taken up in part", "Taken up in full"]}

    _decide(lead_user, ask, cycle_recs["fgm_awareness"], "not")
    confirmed, rejected = matches.split_matches(ask)
    assert [m.recommendation_id for m in rejected] == [cycle_recs["fgm_awareness"].id]
    assert all(m.verdict in TAKEN_UP for m in confirmed)


def test_a_recommendation_linked_by_hand_has_no_score(lead_user, cycle_recs):
    ask = _fgm_ask(lead_user)
    match, _ = _decide(lead_user, ask, cycle_recs["prisons"], "partial")
    assert match.score is None


def test_undo_forgets_the_verdict_and_the_matcher_suggests_it_again(lead_user, cycle_recs):
    ask = _fgm_ask(lead_user)
    law = cycle_recs["fgm_law"]
    _decide(lead_user, ask, law, "not")
    assert law.id not in _suggested_ids(ask)
    matches.undo_match(lead_user, NOW, ask, law.id)
    db.session.commit()
    assert law.id in _suggested_ids(ask)
    assert {"match_undone", "match_decided"} <= {h.action for h in history_for(ask)}
    with pytest.raises(NotFoundError):
        matches.undo_match(lead_user, NOW, ask, law.id)


def test_only_leads_and_admins_decide_and_bad_decisions_are_refused_naming_the_field(
        lead_user, staff_user, cycle_recs):
    ask = _fgm_ask(lead_user)
    law = cycle_recs["fgm_law"]
    with pytest.raises(PermissionDenied):
        matches.decide_match(staff_user, NOW, ask, {"recommendation_id": law.id, "verdict": "full"})
    with pytest.raises(PermissionDenied):
        matches.undo_match(staff_user, NOW, ask, law.id)
    with pytest.raises(ValidationError) as refused:
        matches.decide_match(lead_user, NOW, ask, {"recommendation_id": law.id, "verdict": "yes"})
    assert "full (Taken up in full)" in refused.value.fields["verdict"][0]
    with pytest.raises(NotFoundError) as refused:
        matches.decide_match(lead_user, NOW, ask, {"recommendation_id": 999999, "verdict": "full"})
    assert refused.value.fields == {"recommendation_id": ["No recommendation with id 999999."]}
    other_cycle = factories.make_recommendation(cycle=3, reference="99.2", text="Criminalize FGM")
    with pytest.raises(ValidationError) as refused:
        matches.decide_match(lead_user, NOW, ask, {"recommendation_id": other_cycle.id, "verdict": "full"})
    assert "is of cycle 3; ask" in refused.value.fields["recommendation_id"][0]
    with pytest.raises(ValidationError) as refused:
        matches.decide_match(lead_user, NOW, ask, {"recommendation_id": law.id, "verdict": "full", "note": "x" * 2001})
    assert "note" in refused.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AskMatch)) == 0


def test_pending_counts_rank_every_ask_of_a_cycle_against_one_pool(lead_user, cycle_recs):
    fgm = _fgm_ask(lead_user)
    prisons = make_ask(lead_user, text="Humane conditions in prisons and an end to overcrowding", themes=[])
    nothing = make_ask(lead_user, text="Free sanitary pads for schoolgirls", themes=[])
    pools: dict = {}
    counts = matches.pending_counts([fgm, prisons, nothing], pools)
    assert list(pools) == [4]
    assert counts[fgm.id] >= 1 and counts[prisons.id] >= 1 and counts[nothing.id] == 0
    _decide(lead_user, prisons, cycle_recs["prisons"], "full")
    assert matches.pending_counts([prisons])[prisons.id] == counts[prisons.id] - 1


# ---- pages ----

def test_staff_see_suggestions_and_verdicts_but_no_buttons(staff_client, lead_user, cycle_recs):
    ask = _fgm_ask(lead_user)
    _decide(lead_user, ask, cycle_recs["fgm_awareness"], "partial")
    page = staff_client.get(f"/asks/{ask.id}").get_data(as_text=True)
    assert 'id="matches"' in page and "140.12" in page and "criminalizing female genital mutilation" in page
    assert "Taken up in part" in page and "Supported" in page  # the verdict, and Kenya's response
    assert "Taken up in full</button>" not in page and "Undo" not in page
    assert staff_client.post(f"/asks/{ask.id}/matches", data={"recommendation_id": cycle_recs["fgm_law"].id,
                                                              "verdict": "full"}).status_code == 403
    assert staff_client.post(f"/asks/{ask.id}/matches/{cycle_recs['fgm_awareness'].id}/undo").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(AskMatch)) == 1


def test_a_lead_confirms_a_suggestion_from_the_ask_page(lead_client, lead_user, cycle_recs):
    ask = _fgm_ask(lead_user)
    law = cycle_recs["fgm_law"]
    page = lead_client.get(f"/asks/{ask.id}").get_data(as_text=True)
    suggested = page[page.index('id="matches-suggested"'):]
    for label in ("Taken up in full", "Taken up in part", "Not a match"):
        assert f">{label}</button>" in suggested
    assert f'name="recommendation_id" value="{law.id}"' in suggested

    response = lead_client.post(f"/asks/{ask.id}/matches", data={"recommendation_id": str(law.id),
                                                                 "verdict": "full", "note": "Word for word"},
                                follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "140.12 (Germany, France): taken up in full." in page
    confirmed = page[page.index('id="matches-confirmed"'):page.index('id="matches-suggested"')
                     if 'id="matches-suggested"' in page else None]
    assert "140.12" in confirmed and "Word for word" in confirmed
    assert f'name="recommendation_id" value="{law.id}"' not in page  # no longer offered

    response = lead_client.post(f"/asks/{ask.id}/matches/{law.id}/undo", follow_redirects=True)
    assert "The verdict is undone" in response.get_data(as_text=True)
    assert f'name="recommendation_id" value="{law.id}"' in response.get_data(as_text=True)


def test_a_lead_links_a_recommendation_the_matcher_did_not_suggest(lead_client, staff_client, lead_user, cycle_recs):
    ask = _fgm_ask(lead_user)
    prisons = cycle_recs["prisons"]
    page = lead_client.get(f"/asks/{ask.id}").get_data(as_text=True)
    by_hand = page[page.index('id="match-by-hand"'):]
    assert f'<option value="{prisons.id}">140.40 (Sweden)' in by_hand
    assert f'<option value="{cycle_recs["fgm_law"].id}">' not in by_hand  # suggested above instead
    assert 'id="match-by-hand"' not in staff_client.get(f"/asks/{ask.id}").get_data(as_text=True)
    page = lead_client.post(f"/asks/{ask.id}/matches", data={"recommendation_id": prisons.id, "verdict": "partial",
                                                             "note": ""}, follow_redirects=True).get_data(as_text=True)
    assert "140.40 (Sweden): taken up in part." in page and "linked by hand" in page
    assert db.session.scalars(select(AskMatch)).one().score is None


def test_a_refused_decision_on_the_page_says_why(lead_client, lead_user, cycle_recs):
    ask = _fgm_ask(lead_user)
    other = factories.make_recommendation(cycle=3, reference="99.3", text="Criminalize FGM")
    response = lead_client.post(f"/asks/{ask.id}/matches", data={"recommendation_id": other.id, "verdict": "full"},
                                follow_redirects=True)
    assert "is of cycle 3" in response.get_data(as_text=True)
    response = lead_client.post(f"/asks/{ask.id}/matches", data={"recommendation_id": cycle_recs["fgm_law"].id,
                                                                 "verdict": "maybe"}, follow_redirects=True)
    assert "Choose one of" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AskMatch)) == 0


def test_the_forms_need_their_csrf_token(app, lead_client, lead_user, cycle_recs):
    ask = _fgm_ask(lead_user)
    app.config["WTF_CSRF_ENABLED"] = True
    client = lead_client
    law = cycle_recs["fgm_law"]
    response = client.post(f"/asks/{ask.id}/matches", data={"recommendation_id": law.id, "verdict": "full"})
    assert response.status_code in (302, 400)
    assert db.session.scalar(select(func.count()).select_from(AskMatch)) == 0
    page = client.get(f"/asks/{ask.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(f"/asks/{ask.id}/matches", data={"recommendation_id": law.id, "verdict": "full", "csrf_token": token})
    assert db.session.scalar(select(func.count()).select_from(AskMatch)) == 1


def test_the_matches_page_lists_each_ask_with_its_suggestions_to_decide(staff_client, lead_user, cycle_recs):
    fgm = _fgm_ask(lead_user)
    nothing = make_ask(lead_user, text="Free sanitary pads for schoolgirls", themes=[])
    make_ask(lead_user, cycle=3, text="An ask of another cycle")
    _decide(lead_user, fgm, cycle_recs["fgm_awareness"], "full")
    page = staff_client.get("/asks/matches").get_data(as_text=True)  # the newest cycle with asks
    assert f"Ask {fgm.id}:" in page and f"Ask {nothing.id}:" in page and "another cycle" not in page
    pending = matches.pending_counts([fgm])[fgm.id]
    assert f"{pending} to decide" in page and "140.13 (Norway): taken up in full" in page
    page = staff_client.get("/asks/matches?cycle=3").get_data(as_text=True)
    assert "another cycle" in page and f"Ask {fgm.id}:" not in page
    assert staff_client.get("/asks/matches?cycle=x").status_code == 200


# ---- exports ----

def test_confirmed_matches_export_as_csv_and_xlsx(staff_client, lead_user, cycle_recs):
    ask = _fgm_ask(lead_user)
    _decide(lead_user, ask, cycle_recs["fgm_law"], "full", note="=cmd")
    _decide(lead_user, ask, cycle_recs["fgm_awareness"], "partial")
    _decide(lead_user, ask, cycle_recs["death"], "not")
    response = staff_client.get("/asks/matches.csv?cycle=4")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["recommendation_reference"], r["verdict"]) for r in rows] == [
        ("140.12", "Taken up in full"), ("140.13", "Taken up in part")]
    first = rows[0]
    assert first["cycle"] == "4" and first["ask_id"] == str(ask.id) and first["ask"] == FGM_ASK
    assert first["recommending_states"] == "Germany; France" and first["response"] == "Supported"
    assert first["decided_by"] == lead_user.display_name and first["decided_at"].startswith("2026-11-28")
    assert first["note"] == "'=cmd"  # a formula is defused
    response = staff_client.get("/asks/matches.xlsx?cycle=4")
    assert response.status_code == 200
    db.session.rollback()
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "data_exported")).all()
    assert [(e.object_type, e.detail) for e in exported] == [("ask_matches", "csv"), ("ask_matches", "xlsx")]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["cycle", "ask_id", "ask", "verdict", "recommendation_reference"]
    assert "decided_at (UTC)" in header and sheet.max_row == 3
    # The asks export names what took each ask up.
    rows = list(csv.DictReader(io.StringIO(staff_client.get("/asks/export.csv").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    assert rows[0]["taken_up_by"] == ("140.12 (Germany, France): Taken up in full; "
                                      "140.13 (Norway): Taken up in part")


# ---- API ----

def _error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    return error


def test_the_api_lists_suggestions_and_a_lead_confirms_one(lead_api, staff_api, lead_user, cycle_recs):
    ask = _fgm_ask(lead_user)
    law = cycle_recs["fgm_law"]
    body = staff_api.get(f"/api/v1/asks/{ask.id}/matches").get_json()
    assert body["confirmed"] == [] and body["rejected"] == []
    first = body["suggestions"][0]
    assert first["recommendation_id"] == law.id and first["reference"] == "140.12"
    assert first["recommending_states"] == ["DE", "FR"] and first["response"] == "supported"
    assert first["verdict"] is None and first["decided_at"] is None and first["score"] > 0.3

    response = lead_api.post(f"/api/v1/asks/{ask.id}/matches", json={"recommendation_id": law.id, "verdict": "partial"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["verdict"] == "partial" and response.get_json()["decided_at"].endswith("Z")
    response = lead_api.post(f"/api/v1/asks/{ask.id}/matches", json={"recommendation_id": law.id, "verdict": "full",
                                                                      "note": "On reflection"})
    assert response.status_code == 200 and response.get_json()["verdict"] == "full"
    lead_api.post(f"/api/v1/asks/{ask.id}/matches", json={"recommendation_id": cycle_recs["death"].id,
                                                          "verdict": "not"})
    body = staff_api.get(f"/api/v1/asks/{ask.id}/matches").get_json()
    assert [m["recommendation_id"] for m in body["confirmed"]] == [law.id]
    assert body["confirmed"][0]["note"] == "On reflection" and body["confirmed"][0]["decided_by"] == lead_user.email
    assert [m["recommendation_id"] for m in body["rejected"]] == [cycle_recs["death"].id]
    assert law.id not in [s["recommendation_id"] for s in body["suggestions"]]


def test_the_api_refuses_bad_decisions(lead_api, staff_api, lead_user, cycle_recs):
    ask = _fgm_ask(lead_user)
    law = cycle_recs["fgm_law"]
    url = f"/api/v1/asks/{ask.id}/matches"
    _error(staff_api.post(url, json={"recommendation_id": law.id, "verdict": "full"}), 403, "forbidden")
    assert _error(lead_api.post(url, json={"recommendation_id": law.id, "verdict": "yes"}), 422,
                  "validation_error")["fields"]["verdict"]
    assert set(_error(lead_api.post(url, json={}), 422, "validation_error")["fields"]) == {"recommendation_id", "verdict"}
    assert _error(lead_api.post(url, json={"recommendation_id": law.id, "verdict": "full", "other": 1}), 422,
                  "validation_error")["fields"]["other"]
    error = _error(lead_api.post(url, json={"recommendation_id": 424242, "verdict": "full"}), 404, "not_found")
    assert error["fields"] == {"recommendation_id": ["No recommendation with id 424242."]}
    _error(lead_api.post("/api/v1/asks/424242/matches", json={"recommendation_id": law.id, "verdict": "full"}),
           404, "not_found")
    _error(lead_api.get("/api/v1/asks/424242/matches"), 404, "not_found")
    other = factories.make_recommendation(cycle=3, reference="99.4", text="Criminalize FGM")
    assert "cycle 3" in _error(lead_api.post(url, json={"recommendation_id": other.id, "verdict": "full"}), 422,
                               "validation_error")["fields"]["recommendation_id"][0]
    _error(lead_api.post(url, data="nope", content_type="application/json"), 400, "bad_request")
    assert db.session.scalar(select(func.count()).select_from(AskMatch)) == 0


def test_the_openapi_document_describes_the_matches(staff_api):
    document = staff_api.get("/api/v1/openapi.json").get_json()
    path = document["paths"]["/api/v1/asks/{ask_id}/matches"]
    assert {"get", "post"} <= set(path)
    assert {"200", "201", "403", "404", "422"} <= set(path["post"]["responses"])
    schema = document["components"]["schemas"]["MatchDecision"]
    assert schema["properties"]["verdict"]["enum"] == ["full", "partial", "not"]
    assert set(document["components"]["schemas"]["AskMatches"]["properties"]) == {"confirmed", "rejected",
                                                                                  "suggestions"}


def test_a_bad_verdict_or_a_missing_recommendation_is_named_not_called_an_expired_form(app, lead_client, lead_user,
                                                                                      cycle_recs):
    ask = _fgm_ask(lead_user)
    law = cycle_recs["fgm_law"]
    page = lead_client.post(f"/asks/{ask.id}/matches", data={"recommendation_id": law.id, "verdict": "maybe"},
                            follow_redirects=True).get_data(as_text=True)
    assert "Verdict: Choose one of" in page and "form expired" not in page
    page = lead_client.post(f"/asks/{ask.id}/matches", data={"verdict": "full"},
                            follow_redirects=True).get_data(as_text=True)
    assert "Recommendation: This is required." in page and "recommendation_id: " not in page
    assert "form expired" not in page
    # Only a missing or stale token is an expired form.
    app.config["WTF_CSRF_ENABLED"] = True
    response = lead_client.post(f"/asks/{ask.id}/matches", data={"recommendation_id": law.id, "verdict": "full"},
                                follow_redirects=True)
    assert response.status_code == 400 and "The form expired" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AskMatch)) == 0
