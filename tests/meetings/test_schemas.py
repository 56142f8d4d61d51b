"""One schema per write: the booking form and the API refuse the same values with the same message,
named alike; lengths come from the columns; a PATCH is the create schema made partial."""
import html

import pytest

from engage.errors import ValidationError
from engage.extensions import db
from engage.meetings.models import Meeting
from engage.meetings.schemas import MeetingCreate, MeetingUpdate
from engage.schemas import TextProblem, check, clean_text
from tests.meetings.conftest import booking

CONTROL = "Contains a control character (U+0007); remove it."


def test_clean_text_refuses_control_characters_and_line_breaks_in_one_line_fields():
    assert clean_text("  Pre-session  ", max_length=20) == "Pre-session"
    assert clean_text("   ") is None
    assert clean_text("two\nlines", multiline=True) == "two\nlines"
    for value, words in (("a\x07b", "U+0007"), ("a\x00b", "U+0000"), ("a\x9bb", "U+009B"),
                         ("two\nlines", "one line"), ("x" * 21, "At most 20"), (5, "Must be text")):
        with pytest.raises(TextProblem) as caught:
            clean_text(value, max_length=20)
        assert words in str(caught.value)


def test_lengths_come_from_the_columns():
    properties = MeetingCreate.model_json_schema()["properties"]
    assert properties["title"]["maxLength"] == Meeting.__table__.c.title.type.length
    assert properties["location"]["maxLength"] == Meeting.__table__.c.location.type.length
    assert properties["description"]["maxLength"] == Meeting.__table__.c.description.info["max_length"]


def test_the_update_schema_is_the_create_schema_made_partial(app):
    assert set(MeetingUpdate.model_fields) == set(MeetingCreate.model_fields)
    body = check(MeetingUpdate, {"location": "Room 3"})
    assert body.model_fields_set == {"location"}
    with pytest.raises(ValidationError) as caught:
        check(MeetingUpdate, {"title": None, "reminder_offsets": [0]})
    assert set(caught.value.fields) >= {"title", "reminders", "reminders.0"}  # named as the schema names them


@pytest.mark.parametrize("field, value, message", [
    ("title", "Pre\x07session", CONTROL),
    ("location", "Room\x07 3", CONTROL),
    ("title", "x" * 201, "At most 200 characters."),
    ("online_url", "meet.example.org", "Give the full link, starting with https://."),
])
def test_the_form_and_the_api_refuse_alike(staff_client, staff_api, staff_user, diplomat, frozen, field, value,
                                           message):
    api = staff_api.post("/api/v1/meetings", json={
        "title": "Pre-session: Germany", "starts_at": "2027-07-06T10:00:00+02:00",
        "ends_at": "2027-07-06T11:00:00+02:00", "timezone": "Europe/Zurich",
        "attendees": [{"contact_id": diplomat.id}], field: value})
    error = api.get_json()["error"]
    assert api.status_code == 422 and error["fields"][field] == [message], error
    assert error["message"] == f"{field}: {message}"
    page = staff_client.post("/meetings/new", data=booking(staff_user, [diplomat], **{field: value}))
    assert page.status_code == 422
    assert html.escape(message) in page.get_data(as_text=True)  # beside the field, the same words
    assert db.session.query(Meeting).count() == 0
