"""Every text field refuses control characters with the same message naming the field (one clean_text)."""
import pytest

from engage.directory import services as directory
from engage.errors import ValidationError
from engage.extensions import db
from engage.recommendations.models import Theme
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


BELL = "Just\x07ice"
REFUSED = "Contains a control character (U+0007); remove it."
RECOMMENDATION = {"cycle": 3, "reference": "142.1", "recommending_state": "DE", "response": "supported",
                  "text": "Protect defenders"}
MEETING = {"title": "Pre-session", "starts_at": "2027-07-06T10:00:00+02:00", "ends_at": "2027-07-06T11:00:00+02:00",
           "timezone": "Europe/Zurich"}


@pytest.mark.parametrize("url, body, field", [
    ("/api/v1/recommendations", {**RECOMMENDATION, "themes": [BELL]}, "themes"),
    ("/api/v1/recommendations", {**RECOMMENDATION, "notes": BELL}, "notes"),
    ("/api/v1/organisations", {"name": BELL, "kind": "embassy", "country": "DE"}, "name"),
    ("/api/v1/meetings", {**MEETING, "title": BELL}, "title"),
    ("/api/v1/meetings", {**MEETING, "location": BELL}, "location"),
    ("/api/v1/meetings", {**MEETING, "tags": [BELL]}, "tags.0"),
])
def test_text_that_reaches_exports_refuses_control_characters_through_the_api(staff_api, url, body, field):
    response = staff_api.post(url, json=body)
    error = response.get_json()["error"]
    assert response.status_code == 422 and REFUSED in error["fields"].get(field, []), error
    assert db.session.query(Theme).count() == 0


def test_a_theme_name_with_a_control_character_is_refused_on_update_and_on_the_page(staff_api, staff_client):
    rec = upr.create_recommendation(None, NOW, {**RECOMMENDATION, "themes": ["Justice"]})
    db.session.commit()
    response = staff_api.patch(f"/api/v1/recommendations/{rec.id}", json={"themes": ["Justice", BELL]})
    assert response.status_code == 422 and response.get_json()["error"]["fields"]["themes"] == [REFUSED]
    response = staff_client.post(f"/recommendations/{rec.id}/edit", data={
        "themes": ["Justice"], "new_themes": BELL})
    assert response.status_code == 422 and REFUSED in response.get_data(as_text=True)
    db.session.expire_all()
    assert [t.name for t in db.session.query(Theme)] == ["Justice"]


def test_an_imported_theme_with_a_control_character_is_refused_and_nothing_is_saved(staff_api):
    from tests import factories

    lead = factories.make_token(factories.make_user(role="lead"))
    csv_text = ("cycle,reference,recommending_state,text,response,themes\r\n"
                f"3,142.1,DE,Protect defenders,supported,Health\r\n3,142.2,FR,Free press,noted,{BELL}\r\n")
    response = staff_api.client.post("/api/v1/recommendations/import", data=csv_text.encode(),
                                     content_type="text/csv", headers={"Authorization": f"Bearer {lead}"})
    assert response.status_code == 422 and "U+0007" in response.get_data(as_text=True)
    assert db.session.query(Theme).count() == 0
