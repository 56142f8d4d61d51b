"""The booking form offers the invitation title in French, Spanish and Kiswahili, and keeps them."""
from engage.extensions import db
from engage.meetings.models import Meeting
from tests.meetings.conftest import booking


def test_the_form_saves_titles_per_language_and_shows_them_again(staff_client, staff_user, diplomat, frozen):
    form = staff_client.get("/meetings/new").get_data(as_text=True)
    for language in ("fr", "es", "sw"):
        assert f'name="invitation_title_{language}"' in form
    response = staff_client.post("/meetings/new", data=booking(
        staff_user, [diplomat], invitation_title_fr="Entretien préparatoire", invitation_title_es="",
        invitation_title_sw="Mkutano wa maandalizi"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    meeting = db.session.scalars(db.select(Meeting)).one()
    assert meeting.invitation_titles == {"fr": "Entretien préparatoire", "sw": "Mkutano wa maandalizi"}
    edit = staff_client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert 'value="Entretien préparatoire"' in edit and "<details class=\"mb-3\" id=\"invitation-titles\" open>" in edit
