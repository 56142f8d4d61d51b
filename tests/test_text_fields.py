"""Every text field refuses control characters with the same message naming the field (one clean_text)."""
import pytest

from engage.directory import services as directory
from engage.errors import ValidationError
from engage.extensions import db
from engage.upr import services as upr
from tests.conftest import NOW


def test_a_contact_name_with_a_control_character_is_refused_alike_by_the_service_and_the_api(staff_api):
    with pytest.raises(ValidationError) as caught:
        directory.create_contact(None, NOW, {"full_name": "Jane\x1b Doe", "email": "jane@example.org"})
    message = "Contains a control character (U+001B); remove it."
    assert caught.value.fields["full_name"] == [message]
    db.session.rollback()
    response = staff_api.post("/api/v1/contacts", json={"full_name": "Jane\x1b Doe", "email": "jane@example.org"})
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["fields"]["full_name"] == [message], error


def test_a_recommendation_keeps_its_line_breaks_but_not_a_control_character(app):
    data = {"cycle": 3, "reference": "142.1", "recommending_state": "DE", "response": "supported",
            "text": "First line\nsecond line"}
    assert upr.create_recommendation(None, NOW, data).text == "First line\nsecond line"
    with pytest.raises(ValidationError) as caught:
        upr.create_recommendation(None, NOW, {**data, "reference": "142.2", "text": "bell\x07"})
    assert caught.value.fields["text"] == ["Contains a control character (U+0007); remove it."]
