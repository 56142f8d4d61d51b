"""/api/v1/meetings takes and gives the invitation title in other languages; a change is a new revision."""
import pytest
import time_machine

from engage.extensions import db
from engage.meetings.models import Meeting
from tests import factories
from tests.api.test_meetings import meeting_body
from tests.conftest import NOW


@pytest.fixture
def world(app):
    org = factories.make_organisation(name="Permanent Mission of Germany", kind="permanent_mission",
                                      country="DE", city="Geneva")
    factories.make_user(email="otieno@example.org", full_name="Otieno")
    return {"anna": factories.make_contact(org, full_name="Anna Schmidt", email="anna@diplo.de")}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def test_titles_per_language_are_stored_listed_and_changed(staff_api, world, frozen):
    titles = {"fr": "Entretien avec la Mission d’Allemagne", "sw": "Mkutano na Ujumbe wa Ujerumani"}
    created = staff_api.post("/api/v1/meetings", json=meeting_body(world, invitation_titles={**titles, "es": ""}))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["invitation_titles"] == titles  # a blank title is none
    listed = staff_api.get("/api/v1/meetings").get_json()
    assert [m["invitation_titles"] for m in listed["items"]] == [titles]
    changed = staff_api.patch(f"/api/v1/meetings/{body['id']}", json={"invitation_titles": {"es": "Reunión previa"}})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["invitation_titles"] == {"es": "Reunión previa"}
    assert changed.get_json()["sequence"] == 1  # the SUMMARY a Spanish reader holds changed
    meeting = db.session.get(Meeting, body["id"])
    assert meeting.title_for_invitations_in("es-MX") == "Reunión previa"
    assert meeting.title_for_invitations_in("fr") == "Réunion avec la Mission permanente de l’Allemagne"


def test_a_language_engage_does_not_offer_or_a_title_too_long_is_refused_naming_the_field(staff_api, world, frozen):
    for titles in ({"de": "Treffen"}, {"fr": "x" * 201}, {"fr": 3}):
        response = staff_api.post("/api/v1/meetings", json=meeting_body(world, invitation_titles=titles))
        assert response.status_code == 422, titles
        assert any(name.startswith("invitation_titles") for name in response.get_json()["error"]["fields"])
    assert db.session.query(Meeting).count() == 0
