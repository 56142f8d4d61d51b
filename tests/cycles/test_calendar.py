"""The milestones feed: all-day events at a private, revocable address, as calendars read them."""
from datetime import date

from icalendar import Calendar

from engage.meetings import calendar
from engage.extensions import db
from tests import factories
from tests.conftest import NOW


def test_the_milestones_feed_has_each_milestone_as_an_all_day_event(app, staff_user, staff_client, frozen):
    factories.make_cycle(number=5, milestones=[
        {"kind": "wg_review", "due_on": "2029-11-05"},
        {"kind": "own", "title": "Coalition report final", "due_on": "2029-06-30", "note": "Send to OHCHR"}])
    page = staff_client.get("/meetings/feeds").get_data(as_text=True)
    assert "UPR cycle milestones" in page
    assert staff_client.post("/meetings/feeds/milestones").status_code == 302
    feed = calendar.active_feed(staff_user, "milestones")
    response = app.test_client().get(f"/calendar/{feed.secret}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert b"DTSTART;VALUE=DATE:20291105\r\nDTEND;VALUE=DATE:20291106\r\n" in response.data
    events = [e for e in Calendar.from_ical(response.data).walk("VEVENT")]
    assert [(str(e["SUMMARY"]), e["DTSTART"].dt) for e in events] == [
        ("Cycle 5: Coalition report final", date(2029, 6, 30)), ("Cycle 5: Working Group review", date(2029, 11, 5))]
    assert "Send to OHCHR" in str(events[0]["DESCRIPTION"]) and "/cycles/5" in str(events[0]["URL"])
    assert b"ORGANIZER" not in response.data and b"Meeting" not in response.data

    calendar.revoke_feed(staff_user, NOW, feed)
    db.session.commit()
    assert app.test_client().get(f"/calendar/{feed.secret}.ics").status_code == 404
