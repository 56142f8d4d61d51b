"""One schema per write: the recommendation edit form and the API refuse the same values with the same
message, under the same field name; nothing changes. The create schema made partial is the update."""
import html

import pytest

from engage.extensions import db
from engage.recommendations.models import Recommendation
from engage.upr.schemas import RecommendationCreate, RecommendationUpdate
from tests import factories
from tests.directory.pages import field_errors

CONTROL = "Contains a control character (U+0007); remove it."
FORM = {"notes": "", "new_themes": ""}


def test_the_update_schema_is_the_create_schema_made_partial():
    assert set(RecommendationUpdate.model_fields) == set(RecommendationCreate.model_fields)
    properties = RecommendationCreate.model_json_schema()["properties"]
    assert properties["reference"]["maxLength"] == Recommendation.__table__.c.reference.type.length
    assert properties["notes"]["maxLength"] == Recommendation.__table__.c.notes.info["max_length"]


@pytest.mark.parametrize("field, form, body, message", [
    ("notes", {"notes": "ring\x07"}, {"notes": "ring\x07"}, CONTROL),
    ("notes", {"notes": "x" * 20001}, {"notes": "x" * 20001}, "At most 20000 characters."),
    ("themes", {"new_themes": "x" * 121}, {"themes": ["x" * 121]},
     "A theme name has at most 120 characters: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'…"),
])
def test_the_edit_form_and_the_api_refuse_alike(staff_client, staff_api, field, form, body, message):
    rec = factories.make_recommendation(notes="kept")
    api = staff_api.patch(f"/api/v1/recommendations/{rec.id}", json=body)
    error = api.get_json()["error"]
    assert api.status_code == 422 and error["fields"][field] == [message], error
    assert error["message"] == f"{field}: {message}"
    page = staff_client.post(f"/recommendations/{rec.id}/edit", data={**FORM, **form})
    assert page.status_code == 422
    shown = html.unescape(page.get_data(as_text=True))
    if field == "themes":  # a list of checkboxes, its error under the list
        assert f'<div class="invalid-feedback d-block">{message}</div>' in shown
    else:
        assert field_errors(page, field) == [message]  # beside the field, the same words
    db.session.expire_all()
    rec = db.session.get(Recommendation, rec.id)
    assert (rec.notes, rec.theme_names) == ("kept", ["Right to health"])
