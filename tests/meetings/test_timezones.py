"""Local times typed in a zone: Nairobi all year, Geneva on both sides of its clock changes, the gap and the fold.

Europe/Zurich in 2027: clocks go forward on Sun 28 Mar (02:00 → 03:00) and back on Sun 31 Oct (03:00 → 02:00).
"""
from datetime import UTC, datetime, timedelta

import pytest

from engage.extensions import db
from engage.meetings import services
from engage.meetings.models import Meeting
from tests.meetings.conftest import booking


def _book(client, organiser, contacts=(), **changes):
    return client.post("/meetings/new", data=booking(organiser, contacts, **changes))


def _only_meeting():
    [meeting] = db.session.query(Meeting).all()
    return meeting


@pytest.mark.parametrize("day, zone, utc_hour, shown", [
    # Geneva summer (CEST, UTC+2): 10:00 Geneva is 08:00 UTC and 11:00 in Nairobi.
    ("2027-07-06", "Europe/Zurich", 8, "Tue 6 Jul 2027, 10:00–11:00 Geneva (CEST) · 11:00–12:00 Nairobi (EAT)"),
    # Geneva winter (CET, UTC+1): 10:00 Geneva is 09:00 UTC and 12:00 in Nairobi.
    ("2027-12-07", "Europe/Zurich", 9, "Tue 7 Dec 2027, 10:00–11:00 Geneva (CET) · 12:00–13:00 Nairobi (EAT)"),
    # Nairobi (EAT, UTC+3 all year).
    ("2027-07-06", "Africa/Nairobi", 7, "Tue 6 Jul 2027, 10:00–11:00 Nairobi (EAT) · 09:00–10:00 Geneva (CEST)"),
    # The Friday before and the Monday after each 2027 clock change.
    ("2027-03-26", "Europe/Zurich", 9, "Fri 26 Mar 2027, 10:00–11:00 Geneva (CET) · 12:00–13:00 Nairobi (EAT)"),
    ("2027-03-29", "Europe/Zurich", 8, "Mon 29 Mar 2027, 10:00–11:00 Geneva (CEST) · 11:00–12:00 Nairobi (EAT)"),
    ("2027-10-29", "Europe/Zurich", 8, "Fri 29 Oct 2027, 10:00–11:00 Geneva (CEST) · 11:00–12:00 Nairobi (EAT)"),
    ("2027-11-01", "Europe/Zurich", 9, "Mon 1 Nov 2027, 10:00–11:00 Geneva (CET) · 12:00–13:00 Nairobi (EAT)"),
    # Any IANA zone: New York summer (EDT, UTC-4); Nairobi and Geneva are shown too.
    ("2027-07-06", "America/New_York", 14, "Tue 6 Jul 2027, 10:00–11:00 New York (EDT) · 17:00–18:00 Nairobi (EAT)"
     " · 16:00–17:00 Geneva (CEST)"),
])
def test_booking_form_reads_the_local_time_in_its_zone_and_the_page_shows_all_three(
        staff_client, staff_user, diplomat, frozen, day, zone, utc_hour, shown):
    response = _book(staff_client, staff_user, [diplomat], date=day, timezone=zone)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    meeting = _only_meeting()
    y, m, d = map(int, day.split("-"))
    assert meeting.starts_at == datetime(y, m, d, utc_hour, 0, tzinfo=UTC)
    assert meeting.ends_at == meeting.starts_at + timedelta(hours=1)
    assert meeting.timezone == zone
    page = staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    for part in shown.split(" · "):
        assert part in page
    assert shown in staff_client.get("/meetings/?when=all").get_data(as_text=True)


def test_a_time_in_the_spring_gap_is_refused_with_a_clear_message_and_nothing_saved(
        staff_client, staff_user, diplomat, frozen):
    response = _book(staff_client, staff_user, [diplomat], date="2027-03-28", start_time="02:30", end_time="03:30")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "02:30 on 28 Mar 2027 does not exist in Europe/Zurich (the clocks go forward)" in page
    assert db.session.query(Meeting).count() == 0


def test_a_time_in_the_autumn_fold_asks_which_one_and_stores_the_chosen_instant(
        staff_client, staff_user, diplomat, frozen):
    fields = {"date": "2027-10-31", "start_time": "02:30", "end_time": "03:30"}
    response = _book(staff_client, staff_user, [diplomat], **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "happens twice in Europe/Zurich (the clocks go back)" in page
    assert "02:30 CEST (UTC+02:00), the first time" in page
    assert "02:30 CET (UTC+01:00), the second time" in page
    assert db.session.query(Meeting).count() == 0

    response = _book(staff_client, staff_user, [diplomat], fold="1", **fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    second = _only_meeting()
    assert second.starts_at == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 02:30 CET
    assert second.ends_at == datetime(2027, 10, 31, 2, 30, tzinfo=UTC)    # 03:30 CET

    services.cancel_meeting(None, frozen, second)
    db.session.commit()
    response = _book(staff_client, staff_user, [diplomat], fold="0", **fields)
    assert response.status_code == 302
    first = db.session.query(Meeting).filter(Meeting.status == "scheduled").one()
    assert first.starts_at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)   # 02:30 CEST
    assert first.ends_at == datetime(2027, 10, 31, 2, 30, tzinfo=UTC)     # 03:30 CET: two hours long
    page = staff_client.get(f"/meetings/{first.id}").get_data(as_text=True)
    assert "02:30 CEST–03:30 CET" in page


def test_preview_without_javascript_shows_the_times_before_saving(staff_client, staff_user, diplomat, frozen):
    response = staff_client.post("/meetings/new", data=booking(staff_user, [diplomat], preview="1"))
    assert response.status_code == 200
    assert "Tue 6 Jul 2027, 10:00–11:00 Geneva (CEST) · 11:00–12:00 Nairobi (EAT)" in response.get_data(as_text=True)
    assert db.session.query(Meeting).count() == 0


def test_editing_shows_the_local_time_in_the_meeting_zone_and_rescheduling_across_the_change_moves_nairobi_time(
        staff_client, staff_user, diplomat, frozen):
    _book(staff_client, staff_user, [diplomat], date="2027-03-26")
    meeting = _only_meeting()
    form = staff_client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert 'value="2027-03-26"' in form and 'value="10:00"' in form and 'value="11:00"' in form
    response = staff_client.post(f"/meetings/{meeting.id}/edit", data=booking(staff_user, [diplomat],
                                                                              date="2027-03-29"))
    assert response.status_code == 302
    db.session.refresh(meeting)
    assert meeting.starts_at == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    assert meeting.sequence == 1
    page = staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Mon 29 Mar 2027, 10:00–11:00 Geneva (CEST)" in page and "11:00–12:00 Nairobi (EAT)" in page


def test_an_unknown_zone_is_refused(staff_client, staff_user, diplomat, frozen):
    response = _book(staff_client, staff_user, [diplomat], timezone="Mars/Olympus_Mons")
    assert response.status_code == 422
    assert db.session.query(Meeting).count() == 0
