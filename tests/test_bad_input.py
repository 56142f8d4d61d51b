"""Input no one should send: each answered with a 4xx naming what is wrong, never a 500, nothing saved.

Extreme dates (year 1, 9999) in bodies and filters, JSON nested thousands deep, lone surrogates
(\\ud800 escapes), whole numbers wider than 64 bits, page numbers no list reaches, long query strings.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from engage.directory.models import Organisation
from engage.extensions import db
from engage.meetings.models import Meeting
from tests import factories

MEETING = {"title": "Pre-session", "starts_at": "2027-07-06T10:00:00+02:00", "ends_at": "2027-07-06T11:00:00+02:00",
           "timezone": "Europe/Zurich"}


def _post_raw(api, url, text, method="POST"):
    return api.client.open(url, method=method, data=text, content_type="application/json",
                           headers={"Authorization": f"Bearer {api.token}"})


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("starts_at, ends_at", [
    ("9999-12-31T23:00:00Z", "9999-12-31T23:59:00Z"),
    ("0001-01-01T00:00:00+03:00", "0001-01-01T01:00:00+03:00"),
])
def test_a_meeting_in_year_1_or_9999_is_refused_naming_the_field(staff_api, starts_at, ends_at):
    response = staff_api.post("/api/v1/meetings", json={**MEETING, "starts_at": starts_at, "ends_at": ends_at,
                                                         "timezone": "Pacific/Kiritimati"})
    error = response.get_json()["error"]
    assert response.status_code == 422 and "starts_at" in error["fields"], error
    assert "between 1900-01-01 and 2999-12-31" in error["fields"]["starts_at"][0]
    assert _count(Meeting) == 0


@pytest.mark.parametrize("query, field", [
    ("from=0001-01-01", "from"), ("to=9999-12-31", "to"), ("from=9999-12-31T23:00:00Z", "from")])
def test_an_engagement_log_filter_out_of_range_is_a_422_on_the_api_and_the_page(staff_api, staff_client, query,
                                                                              field):
    response = staff_api.get(f"/api/v1/outcomes?{query}")
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    page = staff_client.get(f"/outcomes/?{query}")
    assert page.status_code in (400, 422) and "1900-01-01" in page.get_data(as_text=True)


@pytest.mark.parametrize("body", ["[" * 5000 + "]" * 5000, '{"name":' * 3000 + "1" + "}" * 3000])
def test_json_nested_thousands_deep_is_a_400(staff_api, body):
    response = _post_raw(staff_api, "/api/v1/organisations", body)
    assert response.status_code == 400 and "nested" in response.get_json()["error"]["message"]


def test_a_lone_surrogate_is_a_422_naming_the_field_and_nothing_is_saved(staff_api):
    body = '{"name": "Embassy \\ud800 of Peru", "kind": "embassy", "country": "PE"}'
    response = _post_raw(staff_api, "/api/v1/organisations", body)
    error = response.get_json()["error"]
    assert response.status_code == 422 and "name" in error["fields"], error
    response = _post_raw(staff_api, "/api/v1/meetings",
                         json.dumps({**MEETING, "tags": ["ok"]})[:-1] + ', "location": "\\udc00"}')
    assert response.status_code == 422 and "location" in response.get_json()["error"]["fields"]
    assert _count(Organisation) == 0 and _count(Meeting) == 0


def test_a_whole_number_beyond_64_bits_is_a_422_naming_the_field(staff_api):
    org = factories.make_organisation()
    body = {"full_name": "Jane Doe", "email": "jane@example.org", "organisation_id": 2**70}
    response = staff_api.post("/api/v1/contacts", json=body)
    assert response.status_code == 422 and "organisation_id" in response.get_json()["error"]["fields"]
    response = staff_api.post("/api/v1/meetings", json={**MEETING, "attendees": [{"contact_id": -(2**64)}]})
    assert response.status_code == 422 and "attendees.0.contact_id" in response.get_json()["error"]["fields"]
    for url in ("/api/v1/contacts", "/api/v1/meetings"):
        response = staff_api.get(f"{url}?organisation_id={2**64}")
        assert response.status_code == 422 and "organisation_id" in response.get_json()["error"]["fields"]
    assert staff_api.get(f"/api/v1/contacts?organisation_id={org.id}").status_code == 200


@pytest.mark.parametrize("url", ["/recommendations/", "/audit/", "/admin/outbox/"])
def test_a_page_number_beyond_64_bits_is_refused_naming_page(admin_client, url):
    response = admin_client.get(f"{url}?page={2**70}")
    assert response.status_code == 422 and "page" in response.get_data(as_text=True)


def test_a_query_string_too_long_is_a_414_on_pages_and_the_api(staff_api, staff_client):
    long = "x" * 9000
    response = staff_api.get(f"/api/v1/contacts?q={long}")
    assert response.status_code == 414 and "query string" in response.get_json()["error"]["message"]
    response = staff_client.get(f"/directory/contacts?q={long}")
    assert response.status_code == 414 and "query string" in response.get_data(as_text=True)
    assert staff_api.get(f"/api/v1/contacts?q={'x' * 2000}").status_code == 200


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_stored_date_in_year_1_or_9999_is_refused_naming_the_field(staff_api, staff_user, day):
    rec = factories.make_recommendation()
    response = staff_api.patch(f"/api/v1/recommendations/{rec.id}", json={"review_date": day})
    assert response.status_code == 422 and "review_date" in response.get_json()["error"]["fields"]
    meeting = factories.make_meeting(organiser=staff_user, starts_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
                                     now=datetime(2026, 11, 1, tzinfo=UTC))
    body = {"summary": "Met", "follow_ups": [{"description": "Send the brief", "due_on": day,
                                              "owner": staff_user.email}]}
    response = staff_api.post(f"/api/v1/meetings/{meeting.id}/outcomes", json=body)
    assert response.status_code == 422 and "follow_ups.0.due_on" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("query, field", [("start=9999-12-31", "start"), ("start=0001-01-01", "start")])
def test_a_calendar_week_out_of_range_is_refused_naming_the_field(staff_client, query, field):
    response = staff_client.get(f"/meetings/week?{query}")
    assert response.status_code == 422 and field in response.get_data(as_text=True)
    response = staff_client.get("/meetings/month?month=9999-12")
    assert response.status_code == 422 and "month" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/meetings/99999999999", "/directory/contacts/2147483648"])
def test_an_id_beyond_what_a_record_can_have_is_not_found_on_a_page(staff_client, path):
    # PostgreSQL refused to compare such a number with an INTEGER id, and pages answered 409.
    assert staff_client.get(path).status_code == 404


def test_an_id_beyond_what_a_record_can_have_is_not_found_in_the_api(staff_api):
    answer = staff_api.client.get("/api/v1/meetings/99999999999",
                                  headers={"Authorization": f"Bearer {staff_api.token}"})
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/api/v1/meetings/0", "/api/v1/meetings/99999999999"])
def test_a_write_to_an_id_that_names_nothing_is_not_found(staff_api, path):
    # Not a 405: the method is right, the record is missing.
    answer = staff_api.client.patch(path, json={"title": "x"}, headers={"Authorization": f"Bearer {staff_api.token}"})
    assert answer.status_code == 404
