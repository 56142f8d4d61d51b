"""Booking in a coalition: the owner chooses what other member organisations see of the meeting, the page
says it and lets its member change it; a single organisation's form and page say nothing of it."""
from __future__ import annotations

import re

from engage.extensions import db
from engage.meetings.models import Meeting
from engage.members import services as members
from tests import factories
from tests.conftest import ApiClient, login
from tests.meetings.conftest import booking
from tests.members.test_members import COALITION_WORDS, _csrf, two_members  # noqa: F401 - a fixture
from tests.outcomes.helpers import WHEN, make_world


def test_a_coalitions_booking_form_offers_what_the_others_see_with_its_meaning(app, two_members):  # noqa: F811
    world, others = two_members
    client = login(app.test_client(), others["staff"])
    page = client.get("/meetings/new")
    text = page.get_data(as_text=True)
    chosen = re.search(r'<select[^>]*name="sharing".*?</select>', text, re.S).group(0)
    assert re.search(r'<option selected value="coalition_summary"|<option value="coalition_summary" selected', chosen)
    assert "A restricted meeting is never shared" in text
    # Booked private: the other member does not see it.
    answer = client.post("/meetings/new", data=booking(others["staff"], [world.contacts["se"]], sharing="private",
                                                       title="KHRC alone with Sweden", csrf_token=_csrf(page)))
    assert answer.status_code == 302, re.findall(r'invalid-feedback[^>]*>([^<]+)', answer.get_data(as_text=True))
    booked = db.session.scalar(db.select(Meeting).where(Meeting.title == "KHRC alone with Sweden"))
    assert booked.sharing == "private"
    assert login(app.test_client(), world.staff).get(f"/meetings/{booked.id}").status_code == 404
    mine = client.get(f"/meetings/{booked.id}").get_data(as_text=True)
    assert re.search(r'id="meeting-sharing".*Private to its member', mine, re.S)
    # A value that is none of the three is refused beside the field, nothing booked.
    refused = client.post("/meetings/new", data=booking(others["staff"], [world.contacts["se"]], sharing="everyone", date="2027-07-08",
                                                        title="Refused", csrf_token=_csrf(page)))
    assert refused.status_code == 422 and db.session.scalar(db.select(Meeting).where(Meeting.title == "Refused")) is None
    assert re.search(r'name="sharing".*?invalid-feedback', refused.get_data(as_text=True), re.S)


def test_the_api_books_and_changes_what_the_others_see_for_its_member_only(app, two_members):  # noqa: F811
    world, others = two_members
    api = ApiClient(app.test_client(), factories.make_token(others["lead"]))
    body = {"title": "KHRC with Sweden", "starts_at": "2027-07-06T08:00:00Z", "ends_at": "2027-07-06T09:00:00Z",
            "timezone": "Africa/Nairobi", "attendees": [{"contact_id": world.contacts["se"].id}], "notify": False,
            "sharing": "coalition_full"}
    made = api.post("/api/v1/meetings", json=body)
    assert made.status_code == 201 and made.get_json()["sharing"] == "coalition_full"
    meeting_id = made.get_json()["id"]
    changed = api.patch(f"/api/v1/meetings/{meeting_id}", json={"sharing": "private"})
    assert changed.status_code == 200 and changed.get_json()["sharing"] == "private"
    assert api.patch(f"/api/v1/meetings/{meeting_id}", json={"sharing": "everyone"}).status_code == 422
    # The first member's lead cannot change the second's meeting (nor see it, now private).
    theirs = ApiClient(app.test_client(), factories.make_token(world.lead))
    assert theirs.patch(f"/api/v1/meetings/{meeting_id}", json={"sharing": "coalition_full"}).status_code in (403, 404)
    assert db.session.get(Meeting, meeting_id).sharing == "private"
    document = api.get("/api/v1/openapi.json").get_json()
    assert "sharing" in document["components"]["schemas"]["MeetingCreate"]["properties"]


def test_a_single_organisations_booking_form_and_meeting_page_say_nothing_of_sharing(app, staff_user, lead_user):
    world = make_world(staff_user, lead_user)
    assert not members.coalition_mode()
    client = login(app.test_client(), staff_user)
    page = client.get("/meetings/new").get_data(as_text=True)
    assert 'name="sharing"' not in page and COALITION_WORDS.search(page) is None
    shown = client.get(f"/meetings/{world.meetings['de'].id}").get_data(as_text=True)
    assert 'id="meeting-sharing"' not in shown and COALITION_WORDS.search(shown) is None
    assert WHEN  # the world's clock
