"""/api/v1/asks: list with filters at a constant number of statements, get, add, change, delete."""
from contextlib import contextmanager

from sqlalchemy import event, func, select

from engage.asks.models import Ask
from engage.extensions import db
from engage.history import history_for
from tests import factories
from tests.asks.helpers import hold_cycle, make_ask


def _error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    return error


def test_a_lead_adds_an_ask_and_staff_read_it(lead_api, staff_api, lead_user):
    hold_cycle(4)
    rec = factories.make_recommendation(cycle=3, reference="142.15", recommending_state="DE")
    response = lead_api.post("/api/v1/asks", json={
        "cycle": 4, "text": "Allocate at least 15% of the national budget to health, as pledged in Abuja",
        "priority": "high", "source": "Joint stakeholder report, para. 12",
        "themes": ["Right to health", "Health financing"], "recommendation_ids": [rec.id],
        "target_states": ["Germany", "fr", "DE"], "owner": lead_user.email})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["target_states"] == ["DE", "FR"] and body["target_state_names"] == ["Germany", "France"]
    assert body["themes"] == ["Health financing", "Right to health"]
    assert body["recommendation_ids"] == [rec.id] and body["owner"] == lead_user.email
    assert body["priority"] == "high" and body["created_at"].endswith("Z")
    assert staff_api.get(f"/api/v1/asks/{body['id']}").get_json() == body


def test_staff_may_not_write_asks(staff_api, lead_user):
    _error(staff_api.post("/api/v1/asks", json={"cycle": 4, "text": "x"}), 403, "forbidden")
    ask = make_ask(lead_user)
    _error(staff_api.patch(f"/api/v1/asks/{ask.id}", json={"priority": "low"}), 403, "forbidden")
    _error(staff_api.delete(f"/api/v1/asks/{ask.id}"), 403, "forbidden")
    assert db.session.get(Ask, ask.id).priority == "high"


def test_bad_values_are_422_naming_each_field_and_nothing_is_saved(lead_api):
    error = _error(lead_api.post("/api/v1/asks", json={
        "cycle": 0, "text": "  ", "priority": "urgent", "target_states": ["Narnia"], "recommendation_ids": [99],
        "owner": "nobody@example.org"}), 422, "validation_error")
    assert {"cycle", "text", "priority", "target_states"} <= set(error["fields"])
    hold_cycle(4)
    error = _error(lead_api.post("/api/v1/asks", json={
        "cycle": 4, "text": "Fund HIV prevention for key populations", "recommendation_ids": [99],
        "owner": "nobody@example.org"}), 422, "validation_error")
    assert error["fields"]["recommendation_ids"] == ["No recommendation with id 99."]
    assert "owner" in error["fields"]
    assert db.session.scalar(select(func.count()).select_from(Ask)) == 0


def test_an_asks_cycle_is_one_of_the_cycles_held(lead_api, lead_user):
    hold_cycle(3)
    hold_cycle(4)
    error = _error(lead_api.post("/api/v1/asks", json={"cycle": 5, "text": "Fund mental health services"}),
                   422, "validation_error")
    assert error["fields"]["cycle"] == ["No cycle 5: the cycles held are 3, 4. A lead adds a cycle on the Cycles page "
                                        "(New cycle) or with POST /api/v1/cycles."]
    ask = make_ask(lead_user)
    error = _error(lead_api.patch(f"/api/v1/asks/{ask.id}", json={"cycle": 7}), 422, "validation_error")
    assert error["fields"]["cycle"][0].startswith("No cycle 7: the cycles held are 3, 4.")
    assert db.session.get(Ask, ask.id).cycle == 4
    assert lead_api.post("/api/v1/cycles", json={"number": 5}).status_code == 201
    response = lead_api.post("/api/v1/asks", json={"cycle": 5, "text": "Fund mental health services"})
    assert response.status_code == 201 and response.get_json()["cycle"] == 5


def test_patch_changes_what_is_sent_and_keeps_history(lead_api, lead_user):
    ask = make_ask(lead_user, target_states=["DE", "FR"])
    response = lead_api.patch(f"/api/v1/asks/{ask.id}", json={"priority": "low", "target_states": ["SE"]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["priority"] == "low" and body["target_states"] == ["SE"]
    assert body["text"] == ask.text and body["themes"] == ["Right to health"]
    changes = history_for(db.session.get(Ask, ask.id))[0].changes
    assert changes["priority"] == ["high", "low"] and changes["target_states"] == [["DE", "FR"], ["SE"]]


def test_delete_removes_it(lead_api, lead_user):
    ask = make_ask(lead_user)
    assert lead_api.delete(f"/api/v1/asks/{ask.id}").status_code == 204
    _error(lead_api.get(f"/api/v1/asks/{ask.id}"), 404, "not_found")


def test_list_filters(staff_api, lead_user):
    make_ask(lead_user, text="Budget for health", themes=["Right to health"], target_states=["DE"], priority="high")
    make_ask(lead_user, text="Decriminalise key populations", themes=["HIV/AIDS"], target_states=["FR", "SE"],
             priority="medium")
    make_ask(lead_user, cycle=3, text="Mental health law", themes=["Mental health"], target_states=["SE"],
             priority="low")

    def texts(**args):
        response = staff_api.get("/api/v1/asks", query_string=args)
        assert response.status_code == 200, response.get_json()
        return [a["text"] for a in response.get_json()["items"]]

    assert texts() == ["Budget for health", "Decriminalise key populations", "Mental health law"]
    assert texts(cycle=3) == ["Mental health law"]
    assert texts(theme="hiv/aids") == ["Decriminalise key populations"]
    assert texts(priority="high") == ["Budget for health"]
    assert texts(target_state="Sweden") == ["Decriminalise key populations", "Mental health law"]
    assert texts(q="health law") == ["Mental health law"]
    _error(staff_api.get("/api/v1/asks", query_string={"priority": "urgent"}), 422, "validation_error")
    _error(staff_api.get("/api/v1/asks", query_string={"target_state": "Narnia"}), 422, "validation_error")


@contextmanager
def _counted():
    statements = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def test_the_list_costs_the_same_statements_for_3_or_30_asks(staff_api, lead_user):
    recs = [factories.make_recommendation(cycle=3, reference=f"142.{i}", recommending_state="DE") for i in range(3)]

    def grow(count):
        for i in range(count):
            make_ask(lead_user, text=f"Ask {i}", themes=[f"Theme {i % 4}"], target_states=["DE", "FR"],
                     recommendation_ids=[r.id for r in recs], owner=lead_user.id)

    grow(3)
    staff_api.get("/api/v1/asks")  # the token's first use of the day is noted once
    with _counted() as few:
        assert len(staff_api.get("/api/v1/asks").get_json()["items"]) == 3
    grow(27)
    with _counted() as many:
        assert len(staff_api.get("/api/v1/asks").get_json()["items"]) == 30
    assert len(few) == len(many) <= 12


def test_the_openapi_document_lists_asks(staff_api):
    doc = staff_api.get("/api/v1/openapi.json").get_json()
    assert set(doc["paths"]["/api/v1/asks"]) == {"get", "post"}
    assert set(doc["paths"]["/api/v1/asks/{ask_id}"]) == {"get", "patch", "delete"}
    assert "target_states" in doc["components"]["schemas"]["AskCreate"]["properties"]
