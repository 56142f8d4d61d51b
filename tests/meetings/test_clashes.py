"""A clash with a meeting the booker may not see says that a clash exists, and nothing of that meeting:
not its title, its time, its place or its link, on the booking page or in the API's 409."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engage.access import services as access
from engage.extensions import db
from engage.meetings.models import Meeting
from tests import factories
from tests.conftest import ApiClient, login
from tests.meetings.conftest import booking
from tests.meetings.test_views import SUMMER

# The hidden meeting starts half an hour into the one being booked (10:00–11:00 Geneva).
HIDDEN_TIMES = ("10:30", "11:30", "08:30", "09:30", "12:30", "T08:30", "T09:30", "2027-07-06T08:30")


@pytest.fixture
def hidden(app, staff_user, diplomat):
    dpo = factories.make_user(email="dpo@example.org")
    dpo.is_dpo = True
    db.session.commit()
    meeting = factories.make_meeting(organiser=dpo, contacts=[diplomat], title="SOGI lobbying strategy",
                                     starts_at=SUMMER + timedelta(minutes=30), location="Safe house, Geneva",
                                     sensitivity="restricted", invitation_title="Coalition meeting")
    db.session.commit()
    return meeting


def _says_nothing_of(meeting: Meeting, said: str) -> None:
    for secret in (meeting.title, meeting.uid, meeting.location, meeting.invitation_title, *HIDDEN_TIMES):
        assert secret not in said, secret


def test_the_booking_page_says_another_meeting_and_no_more(app, staff_user, diplomat, hidden, frozen):
    client = login(app.test_client(), staff_user)
    response = client.post("/meetings/new", data=booking(staff_user, [diplomat], title="Second"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    conflicts = page.split('id="conflicts"', 1)[1].split("</div>", 1)[0]
    assert "This clashes with 1 meeting" in conflicts and "another meeting" in conflicts
    assert "Already booked: Anna Schmidt" in conflicts  # the booker's own invitee, whom they chose
    _says_nothing_of(hidden, conflicts)
    assert f"/meetings/{hidden.id}" not in page


def test_the_apis_409_says_another_meeting_and_no_more(app, staff_user, diplomat, hidden, frozen):
    api = ApiClient(app.test_client(), factories.make_token(staff_user))
    body = {"title": "Second", "starts_at": "2027-07-06T10:00:00+02:00", "ends_at": "2027-07-06T11:00:00+02:00",
            "timezone": "Europe/Zurich", "location": "Mission of Germany, Geneva",
            "attendees": [{"contact_id": diplomat.id, "role": "required"}]}
    response = api.post("/api/v1/meetings", json=body)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert "another meeting" in error["message"]
    _says_nothing_of(hidden, response.get_data(as_text=True))
    [listed] = error["details"]["conflicts"]
    assert listed["meeting_id"] is None and listed["title"] == "another meeting"
    assert listed["starts_at"] is None and listed["when"] is None
    # Someone who may see it is told which meeting, and when.
    access.grant(db.session.get(factories.User, hidden.organiser_id), factories.WHEN, hidden, user=staff_user)
    db.session.commit()
    error = api.post("/api/v1/meetings", json=body).get_json()["error"]
    assert hidden.title in error["message"] and error["details"]["conflicts"][0]["meeting_id"] == hidden.id


def test_moving_a_meeting_into_a_clash_names_no_restricted_attendee(app, staff_user, mission, frozen):
    dpo = factories.make_user(email="dpo@example.org")
    dpo.is_dpo = True
    quiet = factories.make_contact(mission, full_name="Quiet Diplomat", email="quiet@diplo.de")
    access.set_sensitivity(dpo, factories.WHEN, quiet, "restricted")
    db.session.commit()
    ours = factories.make_meeting(organiser=staff_user, contacts=[quiet], title="Ours", starts_at=SUMMER)
    factories.make_meeting(organiser=dpo, contacts=[quiet], title="Theirs", starts_at=SUMMER + timedelta(hours=3))
    api = ApiClient(app.test_client(), factories.make_token(staff_user))
    response = api.patch(f"/api/v1/meetings/{ours.id}", json={"starts_at": "2027-07-06T13:00:00+02:00",
                                                              "ends_at": "2027-07-06T14:00:00+02:00"})
    assert response.status_code == 409
    said = response.get_data(as_text=True)
    assert "Quiet Diplomat" not in said and "quiet@diplo.de" not in said and "a restricted contact" in said
