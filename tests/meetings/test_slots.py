"""Finding a slot on a hand-made calendar: the Nairobi–Geneva working-hours overlap, minus everyone's meetings."""
from datetime import UTC, date, datetime, time, timedelta

import pytest

from engage.errors import ValidationError
from engage.meetings import services
from engage.meetings.slots import find_slots, intersect, subtract
from tests import factories

HOUR = timedelta(hours=1)


def at(day, hh, mm=0):
    return datetime(2027, 7, day, hh, mm, tzinfo=UTC)


@pytest.fixture
def calendar_(app, now):
    """Mon 5 Jul 2027 (Geneva on summer time). Working hours 09–17 overlap from 07:00 to 14:00 UTC."""
    wanjiru, otieno = factories.make_user(full_name="Wanjiru"), factories.make_user(full_name="Otieno")
    org = factories.make_organisation(city="Geneva")
    anna, jean = factories.make_contact(org, full_name="Anna"), factories.make_contact(org, full_name="Jean")
    factories.make_meeting(organiser=otieno, staff=[wanjiru], starts_at=at(5, 8), minutes=60)        # Wanjiru busy
    factories.make_meeting(organiser=otieno, contacts=[anna], starts_at=at(5, 10, 30), minutes=90)   # Anna busy
    called_off = factories.make_meeting(organiser=otieno, contacts=[anna], starts_at=at(5, 12), minutes=60)
    services.cancel_meeting(None, now, called_off)                                                  # not busy
    factories.make_meeting(organiser=wanjiru, contacts=[jean], starts_at=at(5, 13), minutes=60)     # Jean, not asked
    return {"wanjiru": wanjiru, "anna": anna, "jean": jean, "otieno": otieno}


def starts(slots):
    return [s.starts_at for s in slots]


def test_slots_fall_in_the_overlap_and_avoid_the_people_s_meetings(calendar_, now):
    slots = find_slots(now, date(2027, 7, 5), date(2027, 7, 5), HOUR, user_ids=[calendar_["wanjiru"].id],
                       contact_ids=[calendar_["anna"].id])
    assert starts(slots) == [at(5, 7), at(5, 9), at(5, 9, 30), at(5, 12), at(5, 12, 30), at(5, 13)]
    assert all(s.ends_at - s.starts_at == HOUR for s in slots)


def test_the_organiser_of_a_meeting_they_do_not_attend_is_free(calendar_, now):
    slots = find_slots(now, date(2027, 7, 5), date(2027, 7, 5), HOUR, user_ids=[calendar_["otieno"].id])
    assert starts(slots)[0] == at(5, 7) and len(slots) == 13


def test_back_to_back_slots_touch_existing_meetings(calendar_, now):
    slots = find_slots(now, date(2027, 7, 5), date(2027, 7, 5), timedelta(minutes=90),
                       contact_ids=[calendar_["anna"].id])
    assert at(5, 9) in starts(slots) and at(5, 12) in starts(slots)  # ends as Anna's starts; starts as it ends


def test_weekends_are_skipped_and_winter_shifts_the_overlap(app, now):
    slots = find_slots(now, date(2027, 7, 10), date(2027, 7, 11), HOUR)
    assert slots == []
    # Fri 26 Mar 2027 (CET) and Mon 29 Mar (CEST): the overlap starts at 08:00 UTC, then 07:00 UTC.
    slots = find_slots(now, date(2027, 3, 26), date(2027, 3, 29), timedelta(hours=6), step=HOUR)
    assert starts(slots) == [datetime(2027, 3, 26, 8, tzinfo=UTC), datetime(2027, 3, 29, 7, tzinfo=UTC),
                             datetime(2027, 3, 29, 8, tzinfo=UTC)]


def test_no_slot_in_the_past(app):
    now = at(5, 11, 10)
    slots = find_slots(now, date(2027, 7, 5), date(2027, 7, 5), HOUR)
    assert starts(slots)[0] == at(5, 11, 30)


def test_other_zones_and_working_hours_are_configurable(app, now):
    # New York 09–17 EDT is 13–21 UTC; with Geneva (07–15 UTC) the overlap is 13:00–15:00 UTC.
    slots = find_slots(now, date(2027, 7, 5), date(2027, 7, 5), HOUR, zones=("Europe/Zurich", "America/New_York"))
    assert starts(slots) == [at(5, 13), at(5, 13, 30), at(5, 14)]
    slots = find_slots(now, date(2027, 7, 5), date(2027, 7, 5), HOUR, day_start=time(8), day_end=time(12))
    assert starts(slots)[0] == at(5, 6) and starts(slots)[-1] == at(5, 8)  # 08–12 Geneva ∩ 08–12 Nairobi = 06–09 UTC


@pytest.mark.parametrize("kwargs, field", [
    ({"duration": timedelta(minutes=2)}, "duration"),
    ({"last_day": date(2027, 7, 1)}, "last_day"),
    ({"last_day": date(2027, 12, 31)}, "last_day"),
    ({"zones": ("Nowhere/City",)}, "zones"),
    ({"day_start": time(17), "day_end": time(9)}, "day_end"),
])
def test_bad_searches_are_refused(app, now, kwargs, field):
    args = {"first_day": date(2027, 7, 5), "last_day": date(2027, 7, 9), "duration": HOUR}
    args.update(kwargs)
    with pytest.raises(ValidationError) as caught:
        find_slots(now, **args)
    assert field in caught.value.fields


def test_interval_arithmetic():
    a = [(at(5, 7), at(5, 14))]
    assert intersect(a, [(at(5, 6), at(5, 8)), (at(5, 13), at(5, 15))]) == [(at(5, 7), at(5, 8)), (at(5, 13), at(5, 14))]
    assert subtract(a, [(at(5, 9), at(5, 10)), (at(5, 8), at(5, 9, 30))]) == [(at(5, 7), at(5, 8)), (at(5, 10), at(5, 14))]


def test_slot_page_lists_slots_with_booking_links(staff_client, staff_user, frozen):
    contact = factories.make_contact(factories.make_organisation(city="Geneva"))
    page = staff_client.get("/meetings/slots").get_data(as_text=True)
    assert "Find free slots" in page
    response = staff_client.get(
        f"/meetings/slots?first_day=2027-07-05&last_day=2027-07-05&minutes=60&day_start=09:00&day_end=17:00"
        f"&zones=Africa/Nairobi&zones=Europe/Zurich&staff_ids={staff_user.id}&contact_ids={contact.id}")
    page = response.get_data(as_text=True)
    assert "13 free slots" in page
    assert "Mon 5 Jul 2027, 10:00–11:00 Nairobi (EAT)" in page and "Mon 5 Jul 2027, 09:00–10:00 Geneva (CEST)" in page
    assert f"/meetings/new?date=2027-07-05&amp;time=10:00&amp;zone=Africa/Nairobi&amp;minutes=60&amp;contact_id={contact.id}" in page
    booking = staff_client.get(f"/meetings/new?date=2027-07-05&time=10:00&zone=Africa/Nairobi&minutes=60"
                               f"&contact_id={contact.id}").get_data(as_text=True)
    assert 'value="2027-07-05"' in booking and 'value="10:00"' in booking and 'value="11:00"' in booking
    bad = staff_client.get("/meetings/slots?first_day=2027-07-05&last_day=2027-07-01&minutes=60")
    assert bad.status_code == 200 and "must not be before" in bad.get_data(as_text=True)
