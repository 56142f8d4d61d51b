"""Meeting pages: agenda, booking (pre-filled, clashes), meeting page, cancel, held, attendees, roles, week and month."""
import csv
import io
from datetime import UTC, datetime, timedelta

import time_machine

from engage.extensions import db
from engage.history import history_for
from engage.meetings import services as meeting_services
from engage.meetings.models import Meeting
from tests import factories
from tests.meetings.conftest import booking
from tests.pageforms import chosen_options
from tests.meetings.test_services import _recommendation

SUMMER = datetime(2027, 7, 6, 8, 0, tzinfo=UTC)  # 10:00 Geneva, 11:00 Nairobi


def test_agenda_lists_upcoming_first_with_count_filters_and_export(staff_client, staff_user, diplomat, mission,
                                                                   frozen):
    later = factories.make_meeting(organiser=staff_user, contacts=[diplomat], title="Later one",
                                   starts_at=SUMMER + timedelta(days=30), tags=["follow-up"])
    sooner = factories.make_meeting(organiser=staff_user, contacts=[diplomat], title="Sooner one",
                                    starts_at=SUMMER, tags=["4th cycle pre-session"])
    factories.make_meeting(organiser=staff_user, title="Nairobi only", starts_at=SUMMER + timedelta(days=1),
                           timezone="Africa/Nairobi")
    page = staff_client.get("/meetings/").get_data(as_text=True)
    assert "3 meetings" in page
    assert page.index("Sooner one") < page.index("Nairobi only") < page.index("Later one")
    page = staff_client.get(f"/meetings/?organisation_id={mission.id}").get_data(as_text=True)
    assert "2 meetings" in page and "Nairobi only" not in page
    page = staff_client.get("/meetings/?tag=4th+cycle+pre-session").get_data(as_text=True)
    assert "1 meeting<" in page.replace("1 meeting</span>", "1 meeting<") and "Later one" not in page
    page = staff_client.get("/meetings/?city=Geneva&status=scheduled").get_data(as_text=True)
    assert "Sooner one" in page and "Nairobi only" not in page
    exported = staff_client.get("/meetings/export.csv?tag=follow-up")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [r["title"] for r in rows] == ["Later one"]
    assert rows[0]["starts_at_utc"] == "2027-08-05T08:00:00Z" and "Anna Schmidt" in rows[0]["attendees"]
    assert "Nairobi (EAT)" in rows[0]["Nairobi"]
    assert later.id and sooner.id


def test_empty_agenda_says_what_to_do_next(staff_client, frozen):
    page = staff_client.get("/meetings/").get_data(as_text=True)
    assert "No meetings coming up" in page and "/meetings/new" in page


def test_booking_form_is_prefilled_from_a_planning_link(staff_client, staff_user, diplomat, mission, frozen):
    rec = _recommendation()
    page = staff_client.get(f"/meetings/new?organisation_id={mission.id}&contact_id={diplomat.id}"
                            f"&recommendation_id={rec.id}&contact_id=99999&recommendation_id=junk").get_data(as_text=True)
    assert 'value="Meeting with Permanent Mission of Germany"' in page
    assert chosen_options(page, "required_contact_ids") == {str(diplomat.id): f"Anna Schmidt — {mission.name}, Geneva"}
    assert list(chosen_options(page, "recommendation_ids").values())[0].startswith("142.15")
    assert chosen_options(page, "timezone") == {"Europe/Zurich": "Geneva (Europe/Zurich)"}


def test_a_staff_user_books_a_meeting_and_sees_it_in_nairobi_time(staff_client, staff_user, diplomat, frozen):
    response = staff_client.post("/meetings/new", data=booking(staff_user, [diplomat]))
    assert response.status_code == 302
    meeting = db.session.query(Meeting).one()
    assert meeting.tags == ["4th cycle pre-session"] and meeting.reminder_offsets == [1440, 60]
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "10:00–11:00 Geneva (CEST)" in page and "11:00–12:00 Nairobi (EAT)" in page
    assert "Anna Schmidt" in page and "No answer yet" in page


def test_double_booking_a_contact_shows_the_clash_and_books_only_when_confirmed(
        staff_client, staff_user, diplomat, frozen):
    first = factories.make_meeting(organiser=staff_user, contacts=[diplomat], title="Already booked",
                                   starts_at=SUMMER + timedelta(minutes=30))
    response = staff_client.post("/meetings/new", data=booking(staff_user, [diplomat], title="Second"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This clashes with 1 meeting" in page and "Already booked" in page
    assert f"/meetings/{first.id}" in page and "Already booked: Anna Schmidt" in page
    assert "Book it anyway" in page
    assert db.session.query(Meeting).count() == 1
    response = staff_client.post("/meetings/new", data=booking(staff_user, [diplomat], title="Second",
                                                               allow_conflicts="y"))
    assert response.status_code == 302
    assert db.session.query(Meeting).count() == 2


def test_bad_input_is_shown_beside_the_fields(staff_client, staff_user, diplomat, frozen):
    response = staff_client.post("/meetings/new", data=booking(
        staff_user, [diplomat], end_time="09:00", location_kind="online", reminders="soon"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The end must be after the start" in page
    response = staff_client.post("/meetings/new", data=booking(staff_user, [diplomat], location_kind="online"))
    assert "Online meetings need the link to join." in response.get_data(as_text=True)
    response = staff_client.post("/meetings/new", data=booking(staff_user, [diplomat], reminders="soon"))
    assert "is not a length of time" in response.get_data(as_text=True)
    response = staff_client.post("/meetings/new", data=booking(staff_user, [diplomat], date="2026-11-27"))
    assert "already passed" in response.get_data(as_text=True)
    assert db.session.query(Meeting).count() == 0


def test_meeting_page_shows_agenda_recommendations_attendees_and_history(staff_client, staff_user, diplomat,
                                                                         frozen):
    from engage.implementation import services as implementation
    rec = _recommendation()
    implementation.create_assessment(staff_user, factories.WHEN, {
        "recommendation_id": rec.id, "assessed_on": "2026-11-01", "status": "partially_implemented"})
    meeting = factories.make_meeting(organiser=staff_user, contacts=[diplomat], recommendation_ids=[rec.id],
                                     starts_at=SUMMER, description="Raise HIV key populations")
    page = staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "142.15" in page and "Germany" in page and "Supported" in page and "Partially implemented" in page
    assert "Raise HIV key populations" in page and "anna@diplo.de" in page
    assert 'id="created">Booked' in page
    # The calendar UID and revision are for admins tracing a calendar problem, behind a disclosure.
    assert meeting.uid not in page and "revision 0" not in page
    assert staff_client.get("/meetings/99999").status_code == 404


def test_an_admin_finds_the_calendar_uid_and_revision_behind_a_disclosure(admin_client, staff_user, diplomat, frozen):
    meeting = factories.make_meeting(organiser=staff_user, contacts=[diplomat], starts_at=SUMMER)
    page = admin_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    details = page.split('<details class="small mb-3" id="calendar-details">', 1)[1].split("</details>", 1)[0]
    assert "<summary>Calendar details</summary>" in details and meeting.uid in details and "revision 0" in details


def test_a_cancelled_meeting_waits_for_no_answer(staff_client, staff_user, diplomat, frozen):
    meeting = factories.make_meeting(organiser=staff_user, contacts=[diplomat], starts_at=SUMMER)
    assert "No answer yet" in staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    meeting_services.cancel_meeting(staff_user, factories.WHEN, meeting)
    db.session.commit()
    people = staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True).split('id="people"', 1)[1]
    people = people.split("</table>", 1)[0]
    assert "Anna" in people and "No answer yet" not in people and "Cancelled" in people


def test_cancel_asks_first_then_cancels(staff_client, staff_user, diplomat, frozen):
    meeting = factories.make_meeting(organiser=staff_user, contacts=[diplomat], staff=[staff_user],
                                     starts_at=SUMMER)
    page = staff_client.get(f"/meetings/{meeting.id}/cancel").get_data(as_text=True)
    assert "Cancel “" in page and "will be sent a cancellation" in page
    response = staff_client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "Mission closed", "notify": "y"})
    assert response.status_code == 302
    db.session.refresh(meeting)
    assert meeting.status == "cancelled" and meeting.sequence == 1
    page = staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Cancelled" in page and "Mission closed" in page
    assert staff_client.get(f"/meetings/{meeting.id}/edit").status_code == 302


def test_mark_held_only_after_it_started(staff_client, staff_user, diplomat, frozen):
    meeting = factories.make_meeting(organiser=staff_user, contacts=[diplomat], starts_at=SUMMER)
    staff_client.post(f"/meetings/{meeting.id}/held")
    db.session.refresh(meeting)
    assert meeting.status == "scheduled"
    with time_machine.travel(SUMMER + timedelta(hours=2), tick=False):
        response = staff_client.post(f"/meetings/{meeting.id}/held", follow_redirects=True)
    assert "Recorded" in response.get_data(as_text=True)
    db.session.refresh(meeting)
    assert meeting.status == "held"


def test_attendees_are_added_and_removed_from_the_meeting_page(staff_client, staff_user, diplomat, mission, frozen):
    other = factories.make_contact(mission, full_name="Jean Dupont", email="jean@diplo.de")
    meeting = factories.make_meeting(organiser=staff_user, contacts=[diplomat], starts_at=SUMMER)
    staff_client.post(f"/meetings/{meeting.id}/attendees", data={"contact_id": str(other.id), "role": "optional"})
    db.session.refresh(meeting)
    assert {a.email for a in meeting.attendees} == {"anna@diplo.de", "jean@diplo.de"} and meeting.sequence == 1
    anna = next(a for a in meeting.attendees if a.contact_id == diplomat.id)
    staff_client.post(f"/meetings/{meeting.id}/attendees/{anna.id}/remove")
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert [a.email for a in meeting.attendees] == ["jean@diplo.de"] and meeting.sequence == 2
    assert "attendees removed" in history_for(meeting)[0].changes


# One signed-in client per test: the test app context keeps flask_login's user in `g` between requests.

def test_staff_cannot_change_others_meetings(staff_client, diplomat, frozen):
    owner = factories.make_user(full_name="Owner")
    meeting = factories.make_meeting(organiser=owner, contacts=[diplomat], starts_at=SUMMER)
    assert staff_client.get(f"/meetings/{meeting.id}").status_code == 200
    assert staff_client.get(f"/meetings/{meeting.id}/edit").status_code == 403
    assert staff_client.post(f"/meetings/{meeting.id}/cancel").status_code == 403
    assert staff_client.post(f"/meetings/{meeting.id}/held").status_code == 403
    anna = meeting.contact_attendees[0]
    assert staff_client.post(f"/meetings/{meeting.id}/attendees/{anna.id}/remove").status_code == 403
    assert "Edit or reschedule" not in staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    db.session.refresh(meeting)
    assert meeting.status == "scheduled" and meeting.sequence == 0


def test_leads_can_change_any_meeting(lead_client, diplomat, frozen):
    owner = factories.make_user(full_name="Owner")
    meeting = factories.make_meeting(organiser=owner, contacts=[diplomat], starts_at=SUMMER)
    assert lead_client.get(f"/meetings/{meeting.id}/edit").status_code == 200
    assert lead_client.post(f"/meetings/{meeting.id}/cancel", data={}).status_code == 302
    db.session.refresh(meeting)
    assert meeting.status == "cancelled"


def test_anonymous_visitors_are_sent_to_sign_in(client, frozen):
    for url in ("/meetings/", "/meetings/new", "/meetings/week", "/meetings/feeds", "/meetings/1.ics"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_week_view_places_meetings_on_their_local_day_in_the_chosen_zone(staff_client, staff_user, frozen):
    # Mon 5 Jul 2027, 23:30 Geneva = Tue 6 Jul, 00:30 Nairobi.
    late = datetime(2027, 7, 5, 21, 30, tzinfo=UTC)
    factories.make_meeting(organiser=staff_user, title="Late call", starts_at=late, minutes=30)
    geneva = staff_client.get("/meetings/week?start=2027-07-05&zone=Europe/Zurich").get_data(as_text=True)
    nairobi = staff_client.get("/meetings/week?start=2027-07-07&zone=Africa/Nairobi").get_data(as_text=True)
    assert "Week of 5 Jul 2027" in geneva and "Week of 5 Jul 2027" in nairobi

    def day_of(page):
        section = page[:page.index("Late call")]
        return section[section.rindex('aria-label="'):].split('"')[1]

    assert day_of(geneva) == "Monday 5 Jul 2027" and "23:30–00:00" in geneva
    assert day_of(nairobi) == "Tuesday 6 Jul 2027" and "00:30–01:00" in nairobi
    assert "Late call" not in staff_client.get("/meetings/week?start=2027-07-12").get_data(as_text=True)


def test_month_view_shows_the_month_with_its_meetings(staff_client, staff_user, frozen):
    factories.make_meeting(organiser=staff_user, title="July meeting", starts_at=SUMMER)
    page = staff_client.get("/meetings/month?month=2027-07&zone=Europe/Zurich").get_data(as_text=True)
    assert "July 2027" in page and "10:00 July meeting" in page
    assert "July meeting" not in staff_client.get("/meetings/month?month=2027-08").get_data(as_text=True)
    assert staff_client.get("/meetings/month?month=nonsense&zone=Nowhere").status_code == 200


def test_a_past_meeting_can_be_recorded_as_held(staff_client, staff_user, diplomat, frozen):
    response = staff_client.post("/meetings/new", data=booking(staff_user, [diplomat], date="2026-11-20",
                                                               already_held="y"))
    assert response.status_code == 302
    meeting = db.session.query(Meeting).one()
    assert meeting.status == "held" and meeting.starts_at == datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert "Held" in staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)


def test_default_reminders_come_from_the_configuration(app, staff_client, staff_user, diplomat, frozen):
    app.config["ENGAGE_DEFAULT_REMINDERS"] = [30, 2880]
    assert 'value="48h, 30m"' in staff_client.get("/meetings/new").get_data(as_text=True)
    meeting = factories.make_meeting(organiser=staff_user, contacts=[diplomat], starts_at=SUMMER)
    assert meeting.reminder_offsets == [2880, 30]
