"""One schema per write: the outcome and follow-up pages and the API refuse the same values with the same
message, under the same field name (inside `follow_ups` in the API); nothing is saved."""
from datetime import UTC, datetime

import pytest

from engage.extensions import db
from engage.meetings.models import Meeting
from engage.outcomes.models import FollowUp, Outcome
from engage.outcomes.schemas import FollowUpCreate, FollowUpUpdate, OutcomeCreate, OutcomeUpdate
from tests.directory.pages import field_errors
from tests.outcomes.helpers import make_meeting

CONTROL = "Contains a control character (U+0007); remove it."


def test_the_update_schemas_are_the_create_schemas_made_partial():
    assert set(OutcomeUpdate.model_fields) == set(OutcomeCreate.model_fields) - {"meeting_id"}
    assert set(FollowUpUpdate.model_fields) == set(FollowUpCreate.model_fields) | {"id"}
    properties = OutcomeCreate.model_json_schema()["properties"]
    assert properties["summary"]["maxLength"] == Outcome.__table__.c.summary.info["max_length"]


@pytest.mark.parametrize("field, value, message", [
    ("summary", "Sweden\x07 listened", CONTROL),
    ("summary", "  ", "This is required."),
    ("position", "thrilled", "Choose one of: supportive, will_raise, undecided, opposed, not_discussed; on an ask: "
                             "will_make, will_consider, other_wording, declined, not_discussed."),
    ("recommendation_id", 999999, "No recommendation with id 999999."),
    ("commitment", "Will\x07 raise it", CONTROL),
])
def test_the_outcome_form_and_the_api_refuse_alike(world, staff_client, staff_api, frozen, field, value, message):
    meeting = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    api = staff_api.post(f"/api/v1/meetings/{meeting.id}/outcomes", json={"summary": "Fine", field: value})
    error = api.get_json()["error"]
    assert api.status_code == 422 and error["fields"][field] == [message], error
    assert error["message"] == f"{field}: {message}"
    form = {"recommendation_id": "", "organisation_id": "", "position": "supportive", "summary": "Fine",
            "commitment": "", "notes": "", field: str(value)}
    page = staff_client.post(f"/outcomes/meetings/{meeting.id}/add", data=form)
    assert page.status_code == 422
    assert field_errors(page, field) == [message]  # beside the field, the same words
    assert db.session.query(Outcome).filter_by(meeting_id=meeting.id).count() == 0
    assert db.session.get(Meeting, meeting.id).status == "scheduled"


@pytest.mark.parametrize("field, value, message", [
    ("description", "", "This is required."),
    ("description", "Call\x07 back", CONTROL),
    ("due_on", "soon", "Not a date; write it as YYYY-MM-DD."),
    ("owner_id", "999999", "No user with id 999999."),
])
def test_the_follow_up_form_and_the_api_refuse_alike(world, lead_client, lead_api, frozen, field, value, message):
    outcome = world.outcomes["fr_overall"]
    before = db.session.query(FollowUp).count()
    row = {"description": "Call back", "owner_id": world.staff.id, "due_on": "2026-12-10", field: value}
    named = "owner" if field == "owner_id" else field  # the schema's name (the page posts owner_id)
    api = lead_api.patch(f"/api/v1/outcomes/{outcome.id}", json={"follow_ups": [row]})
    error = api.get_json()["error"]
    assert api.status_code == 422 and error["fields"][f"follow_ups.0.{named}"] == [message], error
    page = lead_client.post(f"/outcomes/{outcome.id}/follow-ups", data={**row, "owner_id": str(row["owner_id"])})
    assert page.status_code == 422
    assert field_errors(page, field) == [message]
    assert db.session.query(FollowUp).count() == before
