"""The booking form in daily use: booked from where the user is, in the attendees' zone, every problem
shown in one pass, a question before booking nobody, and the agenda in natural order."""
import re
from html import unescape
from types import SimpleNamespace

import pytest

from engage.errors import ValidationError
from engage.extensions import db
from engage.meetings import services
from engage.meetings.forms import MeetingForm, recommendation_choices, zone_of
from engage.meetings.models import Meeting
from tests import factories
from tests.meetings.conftest import booking
from tests.pageforms import chosen_options


def _link(page: str, anchor_id: str) -> str:
    return unescape(re.search(rf'href="([^"]+)" id="{anchor_id}"', page).group(1))


# ---- book from where you are ----

def test_book_from_a_contacts_page_chooses_them_in_their_citys_zone(staff_client, diplomat, mission, frozen):
    rec_old = factories.make_recommendation(cycle=2, reference="99.1", recommending_state="DE")
    latest = [factories.make_recommendation(cycle=3, reference=ref, recommending_state="DE")
              for ref in ("101.10", "101.2")]
    page = staff_client.get(f"/directory/contacts/{diplomat.id}").get_data(as_text=True)
    form = staff_client.get(_link(page, "book-meeting")).get_data(as_text=True)

    assert chosen_options(form, "required_contact_ids") == {str(diplomat.id): f"Anna Schmidt — {mission.name}, Geneva"}
    assert chosen_options(form, "timezone") == {"Europe/Zurich": "Geneva (Europe/Zurich)"}
    assert 'value="Meeting with Permanent Mission of Germany"' in form
    # A state's mission: that state's latest recommendations on the agenda, 101.2 before 101.10.
    assert list(chosen_options(form, "recommendation_ids")) == [str(latest[1].id), str(latest[0].id)]
    assert str(rec_old.id) not in chosen_options(form, "recommendation_ids")


def test_book_from_an_organisations_page_invites_its_people_or_those_ticked(staff_client, mission, frozen):
    people = [factories.make_contact(mission, full_name=n) for n in ("Jonas Becker", "Anna Schmidt")]
    page = staff_client.get(f"/directory/organisations/{mission.id}").get_data(as_text=True)
    form = staff_client.get(_link(page, "book-meeting")).get_data(as_text=True)
    assert set(chosen_options(form, "required_contact_ids")) == {str(p.id) for p in people}
    # Or tick some: a plain GET form posting to the booking form.
    assert 'id="book-people"' in page and f'name="contact_id" value="{people[0].id}"' in page
    form = staff_client.get("/meetings/new", query_string={"organisation_id": mission.id,
                                                           "contact_id": people[0].id}).get_data(as_text=True)
    assert list(chosen_options(form, "required_contact_ids")) == [str(people[0].id)]


# ---- the zone follows the attendees ----

def test_the_zone_is_the_one_most_attendees_are_in():
    geneva, nairobi = (SimpleNamespace(effective_timezone=z) for z in ("Europe/Zurich", "Africa/Nairobi"))
    assert zone_of([geneva, geneva, nairobi]) == "Europe/Zurich"
    assert zone_of([geneva, nairobi]) is None  # a tie: nobody's zone is picked over another's
    assert zone_of([]) is None


def test_a_link_with_geneva_people_books_in_geneva_time_and_an_empty_form_follows_the_attendees(
        staff_client, diplomat, frozen):
    nairobi = factories.make_contact(factories.make_organisation(city="Nairobi"))
    geneva_two = factories.make_contact(diplomat.organisation)
    form = staff_client.get("/meetings/new", query_string={"contact_id": [diplomat.id, geneva_two.id, nairobi.id]})
    html = form.get_data(as_text=True)
    assert chosen_options(html, "timezone") == {"Europe/Zurich": "Geneva (Europe/Zurich)"}
    assert "data-follow-attendees" not in html  # chosen from the link: kept as it is
    empty = staff_client.get("/meetings/new").get_data(as_text=True)
    assert chosen_options(empty, "timezone") == {"Africa/Nairobi": "Nairobi (Africa/Nairobi)"}
    assert "data-follow-attendees" in empty
    assert re.search(rf'<option[^>]*data-zone="Europe/Zurich"[^>]*value="{diplomat.id}"', empty)


# ---- every problem in one pass ----

def test_a_booking_with_four_problems_shows_all_four_at_once(staff_client, staff_user, diplomat, frozen):
    response = staff_client.post("/meetings/new", data=booking(
        staff_user, [diplomat], title="", end_time="", location_kind="online", online_url="", reminders="soon"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in ("This is required.", "Give the end time (24-hour).", "is not a length of time",
                    "Online meetings need the link to join."):
        assert message in page, message
    assert db.session.scalar(db.select(db.func.count()).select_from(Meeting)) == 0


def test_a_time_that_is_not_a_time_is_named_when_the_form_reads_its_instants(app, frozen):
    # The booking form's preview and its coalition warning read the typed instants; a start time the
    # field itself refused must come back as that refusal, not as a missing value.
    data = {"date": "2027-07-06", "start_time": "25:99", "end_time": "11:00", "timezone": "Europe/Zurich"}
    with app.test_request_context("/meetings/new", method="POST", data=data):
        form = MeetingForm(meta={"csrf": False})
        for field in (form.date, form.starts_at, form.ends_at):  # as the form's own validation does
            field.validate(form)
        assert form.starts_at.errors  # the field refused "25:99" itself
        with pytest.raises(ValidationError) as refused:
            form.instants()
        assert form.preview() is None
    assert set(refused.value.fields) == {"starts_at"}, refused.value.fields


def test_the_schema_and_the_rules_linking_fields_are_reported_together(staff_user, diplomat, frozen):
    from datetime import UTC, datetime
    starts = datetime(2027, 7, 6, 8, tzinfo=UTC)
    problems = services.booking_problems(frozen, {
        "title": "", "starts_at": starts, "ends_at": starts, "timezone": "Europe/Zurich",
        "location_kind": "online", "attendees": [{"contact_id": 999999}], "organiser": staff_user.id})
    assert set(problems) >= {"title", "ends_at", "online_url", "attendees"}, problems


def test_long_text_fields_carry_the_schemas_length(staff_client, frozen):
    page = staff_client.get("/meetings/new").get_data(as_text=True)
    assert re.search(r'<textarea[^>]*id="description"[^>]*maxlength="20000"|<textarea[^>]*maxlength="20000"[^>]*id="description"', page)
    assert re.search(r'<input[^>]*id="title"[^>]*maxlength="200"|<input[^>]*maxlength="200"[^>]*id="title"', page)


# ---- asked before booking nobody ----

def test_a_meeting_with_no_attendees_is_asked_about_then_booked_anyway(staff_client, staff_user, frozen):
    asked = staff_client.post("/meetings/new", data=booking(staff_user, []))
    assert asked.status_code == 422
    assert "Book it anyway, with no attendees" in asked.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Meeting)) == 0
    booked = staff_client.post("/meetings/new", data=booking(staff_user, [], no_attendees_ok="y"))
    assert booked.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Meeting)) == 1


# ---- the agenda in natural order ----

def test_recommendations_are_offered_in_natural_order_newest_cycle_first(app):
    for ref in ("101.100", "101.10", "101.2", "101.1"):
        factories.make_recommendation(cycle=1, reference=ref)
    factories.make_recommendation(cycle=3, reference="142.3", recommending_state="FR")
    choices = recommendation_choices()
    assert [label.split(" ")[0] for _, label, _ in choices] == ["142.3", "101.1", "101.2", "101.10", "101.100"]
    assert choices[0][1].startswith("142.3 (France, cycle 3): ") and choices[0][2] == {"data-name": "142.3 (France)"}
