"""/api/v1/meetings as the API contract says: create, list, get, PATCH, cancel, 409 clashes, 422, /ics."""
from datetime import UTC, datetime, timedelta

import pytest

from engage.extensions import db
from engage.meetings import changes
from engage.meetings.models import Meeting
from tests import factories
from tests.ical_readers import READERS


@pytest.fixture
def world(app):
    org = factories.make_organisation(name="Permanent Mission of Germany", kind="permanent_mission",
                                      country="DE", city="Geneva")
    return {"org": org,
            "anna": factories.make_contact(org, full_name="Anna Schmidt", email="anna@diplo.de"),
            "jean": factories.make_contact(org, full_name="Jean Dupont", email="jean@diplo.de"),
            "colleague": factories.make_user(email="otieno@example.org", full_name="Otieno")}


def meeting_body(world, **changes):
    body = {"title": "Pre-session: Germany", "description": "HIV key populations",
            "starts_at": "2027-07-06T10:00:00+02:00", "ends_at": "2027-07-06T11:00:00+02:00",
            "timezone": "Europe/Zurich", "location": "Mission of Germany, Geneva",
            "attendees": [{"contact_id": world["anna"].id, "role": "required"}],
            "staff": ["otieno@example.org"], "tags": ["4th cycle pre-session"]}
    body.update(changes)
    return body


@pytest.fixture
def heard():
    received = []

    def listener(change, actor, now):
        received.append(change)

    changes.on_meeting_change(listener)
    yield received
    changes.CHANGE_LISTENERS.remove(listener)


@pytest.fixture
def frozen():
    import time_machine
    from tests.conftest import NOW

    with time_machine.travel(NOW, tick=False):
        yield NOW


def test_create_returns_201_with_utc_times_and_the_contract_fields(staff_api, staff_user, world, frozen, heard):
    response = staff_api.post("/api/v1/meetings", json=meeting_body(world))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) >= {"id", "uid", "sequence", "title", "description", "starts_at", "ends_at", "timezone",
                         "location", "online_url", "status", "organiser", "staff", "attendees", "recommendation_ids",
                         "reminders"}
    assert body["starts_at"] == "2027-07-06T08:00:00Z" and body["ends_at"] == "2027-07-06T09:00:00Z"
    assert body["timezone"] == "Europe/Zurich" and body["status"] == "scheduled" and body["sequence"] == 0
    assert body["organiser"] == staff_user.email  # defaults to the caller
    assert body["staff"] == ["otieno@example.org"]
    assert body["attendees"][0]["contact_id"] == world["anna"].id
    assert body["attendees"][0]["role"] == "required" and body["attendees"][0]["response"] == "needs_action"
    assert body["reminders"] == [1440, 60] and body["tags"] == ["4th cycle pre-session"]
    assert heard[0].kind == "created" and heard[0].notify is True


def test_notify_false_and_reminders_are_accepted_and_stored(staff_api, world, frozen, heard):
    body = staff_api.post("/api/v1/meetings", json=meeting_body(world, notify=False, reminders=[60, 2880])).get_json()
    assert body["reminders"] == [2880, 60]
    assert heard[-1].notify is False


@pytest.mark.parametrize("changes, field", [
    ({"starts_at": "2027-07-06T10:00:00"}, "starts_at"),
    ({"ends_at": "2027-07-06T11:00:00"}, "ends_at"),
    ({"starts_at": "next tuesday"}, "starts_at"),
    ({"ends_at": "2027-07-06T09:00:00+02:00"}, "ends_at"),
    ({"timezone": "Geneva"}, "timezone"),
    ({"title": ""}, "title"),
    ({"attendees": [{"contact_id": 424242}]}, "attendees"),
    ({"attendees": [{"contact_id": 1, "role": "chair"}]}, "attendees.0.role"),
    ({"staff": ["nobody@example.org"]}, "staff"),
    ({"organiser": "nobody@example.org"}, "organiser"),
    ({"reminders": [0]}, "reminders.0"),
    ({"online_url": "not a link"}, "online_url"),
    ({"starts_at": "2020-07-06T10:00:00+02:00", "ends_at": "2020-07-06T11:00:00+02:00"}, "starts_at"),
])
def test_invalid_values_are_422_naming_the_field(staff_api, world, frozen, changes, field):
    response = staff_api.post("/api/v1/meetings", json=meeting_body(world, **changes))
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"], error
    assert db.session.query(Meeting).count() == 0


def test_a_naive_time_is_a_422(staff_api, world, frozen):
    response = staff_api.post("/api/v1/meetings", json=meeting_body(world, starts_at="2027-07-06T10:00:00"))
    error = response.get_json()["error"]
    assert response.status_code == 422 and "timezone" in " ".join(error["fields"]["starts_at"]).lower()


def test_malformed_json_is_400(staff_api, frozen):
    response = staff_api.client.post("/api/v1/meetings", data="{not json", content_type="application/json",
                                     headers={"Authorization": f"Bearer {staff_api.token}"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


def test_a_clash_is_409_listing_the_clashing_meetings_unless_allowed(staff_api, world, frozen):
    first = staff_api.post("/api/v1/meetings", json=meeting_body(world)).get_json()
    clash = meeting_body(world, title="Overlapping", starts_at="2027-07-06T10:30:00+02:00",
                         ends_at="2027-07-06T11:30:00+02:00", staff=[])
    response = staff_api.post("/api/v1/meetings", json=clash)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict" and "Anna Schmidt" in error["message"]
    [listed] = error["details"]["conflicts"]
    assert listed["meeting_id"] == first["id"] and listed["uid"] == first["uid"]
    assert listed["starts_at"] == "2027-07-06T08:00:00Z" and listed["title"] == "Pre-session: Germany"
    assert listed["people"] == [{"type": "contact", "id": world["anna"].id, "name": "Anna Schmidt",
                                 "email": "anna@diplo.de"}]
    assert db.session.query(Meeting).count() == 1
    back_to_back = meeting_body(world, starts_at="2027-07-06T11:00:00+02:00", ends_at="2027-07-06T12:00:00+02:00")
    assert staff_api.post("/api/v1/meetings", json=back_to_back).status_code == 201
    assert staff_api.post("/api/v1/meetings", json={**clash, "allow_conflicts": True}).status_code == 201


def test_patch_changes_what_was_sent_and_raises_sequence_for_time_place_or_attendees(staff_api, world, frozen, heard):
    created = staff_api.post("/api/v1/meetings", json=meeting_body(world)).get_json()
    url = f"/api/v1/meetings/{created['id']}"
    body = staff_api.patch(url, json={"description": "Updated agenda"}).get_json()
    assert body["sequence"] == 0 and body["description"] == "Updated agenda" and body["title"] == created["title"]
    body = staff_api.patch(url, json={"starts_at": "2027-07-07T09:00:00+02:00",
                                      "ends_at": "2027-07-07T10:00:00+02:00"}).get_json()
    assert body["sequence"] == 1 and body["starts_at"] == "2027-07-07T07:00:00Z" and body["uid"] == created["uid"]
    assert heard[-1].time_changed
    body = staff_api.patch(url, json={"attendees": [{"contact_id": world["jean"].id, "role": "optional"}]}).get_json()
    assert body["sequence"] == 2 and [a["contact_id"] for a in body["attendees"]] == [world["jean"].id]
    assert [a.email for a in heard[-1].removed] == ["anna@diplo.de"]
    assert [a.email for a in heard[-1].added] == ["jean@diplo.de"]
    body = staff_api.patch(url, json={"location": "Palais Wilson"}).get_json()
    assert body["sequence"] == 3
    response = staff_api.patch(url, json={"starts_at": "2027-07-07T09:00:00"})
    assert response.status_code == 422
    assert staff_api.patch(url, json={"title": None}).status_code == 422
    assert staff_api.patch("/api/v1/meetings/99999", json={"title": "x"}).status_code == 404


def test_patch_into_a_clash_is_409(staff_api, world, frozen):
    staff_api.post("/api/v1/meetings", json=meeting_body(world))
    other = staff_api.post("/api/v1/meetings", json=meeting_body(world, starts_at="2027-07-06T14:00:00+02:00",
                                                                 ends_at="2027-07-06T15:00:00+02:00")).get_json()
    response = staff_api.patch(f"/api/v1/meetings/{other['id']}", json={"starts_at": "2027-07-06T10:30:00+02:00",
                                                                       "ends_at": "2027-07-06T11:30:00+02:00"})
    assert response.status_code == 409 and response.get_json()["error"]["details"]["conflicts"]
    assert staff_api.get(f"/api/v1/meetings/{other['id']}").get_json()["sequence"] == 0


def test_cancel_raises_sequence_and_the_ics_says_cancelled(staff_api, world, frozen, heard):
    created = staff_api.post("/api/v1/meetings", json=meeting_body(world)).get_json()
    response = staff_api.post(f"/api/v1/meetings/{created['id']}/cancel")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "cancelled" and body["sequence"] == 1
    assert heard[-1].kind == "cancelled" and {a.email for a in heard[-1].kept} == {"anna@diplo.de",
                                                                                  "otieno@example.org"}
    again = staff_api.post(f"/api/v1/meetings/{created['id']}/cancel", json={"reason": "twice"})
    assert again.status_code == 409
    ics = staff_api.get(f"/api/v1/meetings/{created['id']}/ics")
    [event] = READERS["vobject"](ics.data)
    assert event["status"] == "CANCELLED" and event["sequence"] == 1


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("zone, start, truth", [
    ("Africa/Nairobi", "2027-07-06T10:00:00+03:00", datetime(2027, 7, 6, 7, tzinfo=UTC)),
    ("Europe/Zurich", "2027-12-07T10:00:00+01:00", datetime(2027, 12, 7, 9, tzinfo=UTC)),
    ("Europe/Zurich", "2027-07-06T10:00:00+02:00", datetime(2027, 7, 6, 8, tzinfo=UTC)),
])
def test_ics_is_publish_at_the_true_instant(staff_api, world, frozen, reader, zone, start, truth):
    end = start.replace("T10:", "T11:")
    created = staff_api.post("/api/v1/meetings", json=meeting_body(world, timezone=zone, starts_at=start,
                                                                   ends_at=end)).get_json()
    response = staff_api.get(f"/api/v1/meetings/{created['id']}/ics")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/calendar")
    [event] = READERS[reader](response.data)
    assert event["method"] == "PUBLISH" and event["uid"] == created["uid"]
    assert event["start_utc"] == truth and event["end_utc"] == truth + timedelta(hours=1)


def test_list_filters_and_paginates(staff_api, world, frozen):
    rec_id = _rec_id()
    staff_api.post("/api/v1/meetings", json=meeting_body(world, recommendation_ids=[rec_id]))
    staff_api.post("/api/v1/meetings", json=meeting_body(world, title="Nairobi ministry", attendees=[], staff=[],
                                                         timezone="Africa/Nairobi", tags=["ministry"],
                                                         starts_at="2027-08-02T10:00:00+03:00",
                                                         ends_at="2027-08-02T11:00:00+03:00"))
    body = staff_api.get("/api/v1/meetings?per_page=1").get_json()
    assert body["total"] == 2 and body["page"] == 1 and body["per_page"] == 1
    assert body["items"][0]["title"] == "Pre-session: Germany"  # soonest first
    assert staff_api.get(f"/api/v1/meetings?organisation_id={world['org'].id}").get_json()["total"] == 1
    assert staff_api.get(f"/api/v1/meetings?recommendation_id={rec_id}").get_json()["total"] == 1
    assert staff_api.get("/api/v1/meetings?tag=ministry").get_json()["items"][0]["title"] == "Nairobi ministry"
    assert staff_api.get("/api/v1/meetings?staff=otieno@example.org").get_json()["total"] == 1
    assert staff_api.get("/api/v1/meetings?from=2027-08-01").get_json()["total"] == 1
    assert staff_api.get("/api/v1/meetings?to=2027-07-06T09:00:00Z").get_json()["total"] == 1
    assert staff_api.get("/api/v1/meetings?status=cancelled").get_json()["total"] == 0
    assert staff_api.get("/api/v1/meetings?from=2027-08-01T10:00:00").status_code == 422
    assert staff_api.get("/api/v1/meetings?status=postponed").status_code == 422


def test_only_the_organiser_participants_or_leads_may_change_a_meeting(app, world, frozen):
    from tests.conftest import _api_for

    owner = factories.make_user(email="owner@example.org")
    outsider = _api_for(app, factories.make_user(email="outsider@example.org"))
    lead = _api_for(app, factories.make_user(role="lead", email="boss@example.org"))
    meeting = factories.make_meeting(organiser=owner, contacts=[world["anna"]],
                                     starts_at=datetime(2027, 7, 6, 8, tzinfo=UTC))
    assert outsider.get(f"/api/v1/meetings/{meeting.id}").status_code == 200
    response = outsider.patch(f"/api/v1/meetings/{meeting.id}", json={"title": "Mine now"})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert outsider.post(f"/api/v1/meetings/{meeting.id}/cancel").status_code == 403
    assert lead.patch(f"/api/v1/meetings/{meeting.id}", json={"title": "Lead edit"}).status_code == 200


def test_no_token_is_401(client):
    assert client.get("/api/v1/meetings").status_code == 401
    assert client.post("/api/v1/meetings", json={}).status_code == 401


def test_openapi_documents_the_meeting_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/meetings"])
    assert {"get", "patch"} <= set(paths["/api/v1/meetings/{meeting_id}"])
    assert "post" in paths["/api/v1/meetings/{meeting_id}/cancel"]
    assert "text/calendar" in paths["/api/v1/meetings/{meeting_id}/ics"]["get"]["responses"]["200"]["content"]
    assert "409" in paths["/api/v1/meetings"]["post"]["responses"]


def _rec_id():
    from tests.meetings.test_services import _recommendation

    return _recommendation().id


def test_nul_characters_in_filters_are_harmless(staff_api, world, frozen):
    staff_api.post("/api/v1/meetings", json=meeting_body(world))
    for name in ("q", "tag", "city", "staff", "status"):
        response = staff_api.get("/api/v1/meetings", query_string={name: "a\x00b"})
        assert response.status_code in (200, 422), (name, response.status_code)
    assert staff_api.get("/api/v1/meetings", query_string={"q": "Pre-session\x00"}).get_json()["total"] == 1


@pytest.mark.parametrize("changes, field", [
    ({"staff": ["a\x00b@example.org"]}, "staff"), ({"organiser": "a\x00b@example.org"}, "organiser"),
    ({"title": "Pre\x00session"}, "title"), ({"tags": ["a\x00"]}, "tags"), ({"timezone": "Europe/\x00"}, "timezone"),
])
def test_nul_characters_in_the_body_are_422(staff_api, world, frozen, changes, field):
    response = staff_api.post("/api/v1/meetings", json=meeting_body(world, **changes))
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


# ---- an internal meeting with a restricted attendee, read by a caller without a grant ----

@pytest.fixture
def hidden(app, staff_user):
    from tests.meetings.test_people import make_hidden, serve_each_request_on_a_fresh_session

    dpo = factories.make_dpo()
    made = make_hidden(staff_user, dpo)
    serve_each_request_on_a_fresh_session(app)
    return made


def _left_out(body: str) -> None:
    from tests.meetings.test_people import HIDDEN_EMAIL, HIDDEN_NAME, HIDDEN_ORG

    assert HIDDEN_NAME not in body and HIDDEN_EMAIL not in body and HIDDEN_ORG not in body


def test_the_list_shows_it_with_the_restricted_attendee_counted(staff_api, hidden):
    response = staff_api.get("/api/v1/meetings")
    assert response.status_code == 200
    [item] = response.get_json()["items"]
    assert [a["email"] for a in item["attendees"]] == ["shown@mission.example"]
    assert item["hidden_attendees"] == 1 and item["staff"] == ["staff@example.org"]
    _left_out(response.get_data(as_text=True))


def test_the_meeting_and_its_ics_show_it_with_the_restricted_attendee_counted(staff_api, hidden):
    response = staff_api.get(f"/api/v1/meetings/{hidden.meeting_id}")
    assert response.status_code == 200
    body = response.get_json()
    assert [a["email"] for a in body["attendees"]] == ["shown@mission.example"] and body["hidden_attendees"] == 1
    _left_out(response.get_data(as_text=True))
    response = staff_api.get(f"/api/v1/meetings/{hidden.meeting_id}/ics")
    assert response.status_code == 200
    ics = response.get_data(as_text=True).replace("\r\n ", "")
    assert "Shown Diplomat" in ics and "and 1 other attendee" in ics
    _left_out(ics)


def test_a_patch_without_them_keeps_them(staff_api, hidden, frozen):
    response = staff_api.patch(f"/api/v1/meetings/{hidden.meeting_id}",
                               json={"attendees": [{"contact_id": hidden.shown_id, "role": "optional"}]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["hidden_attendees"] == 1
    db.session.expunge_all()
    meeting = db.session.get(Meeting, hidden.meeting_id)
    assert {a.contact_id: a.role for a in meeting.contact_attendees} == {hidden.shown_id: "optional",
                                                                        hidden.hidden_id: "required"}
    # Their id is not one the caller may use: refused, naming the field, nothing changed.
    response = staff_api.patch(f"/api/v1/meetings/{hidden.meeting_id}",
                               json={"attendees": [{"contact_id": hidden.hidden_id}]})
    assert response.status_code == 422 and "attendees" in response.get_json()["error"]["fields"]


def test_cancelling_through_the_api_still_tells_them(staff_api, hidden):
    from engage.outbox.models import OutboxMessage

    response = staff_api.post(f"/api/v1/meetings/{hidden.meeting_id}/cancel", json={})
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled" and response.get_json()["hidden_attendees"] == 1
    told = set(db.session.scalars(db.select(OutboxMessage.recipient).where(OutboxMessage.kind == "cancellation")))
    assert {"shown@mission.example", "hidden@embassy.example"} <= told


def test_a_reply_through_the_api_is_applied(staff_api, hidden):
    from tests.invitations.test_ingest import reply_ics

    body = reply_ics(hidden.uid, "shown@mission.example", "TENTATIVE")
    response = staff_api.client.post("/api/v1/replies", data=body,
                                     headers={**staff_api._headers(), "Content-Type": "text/calendar"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["replies"][0]["response"] == "tentative"


def test_the_openapi_document_describes_hidden_attendees(client):
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Meeting"]
    assert schema["properties"]["hidden_attendees"]["type"] == "integer"
