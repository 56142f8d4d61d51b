"""Scheduling services: validation, sequence, history, conflicts, permissions and the change listeners."""
from datetime import UTC, datetime, timedelta

import pytest

from engage.errors import ConflictError, PermissionDenied, ValidationError
from engage.extensions import db
from engage.history import history_for
from engage.meetings import changes, queries, services
from engage.meetings.models import Meeting
from tests import factories
from tests.conftest import sqlite_only

GENEVA = "Europe/Zurich"
NAIROBI = "Africa/Nairobi"
# Tue 6 Jul 2027, 10:00 Geneva (CEST) = 08:00 UTC = 11:00 Nairobi.
SUMMER = datetime(2027, 7, 6, 8, 0, tzinfo=UTC)


@pytest.fixture
def people(app):
    org = factories.make_organisation(name="Permanent Mission of Germany", kind="permanent_mission",
                                      country="DE", city="Geneva")
    return {
        "organiser": factories.make_user(full_name="Wanjiru Kamau"),
        "colleague": factories.make_user(full_name="Otieno Odhiambo"),
        "outsider": factories.make_user(full_name="Someone Else"),
        "lead": factories.make_user(role="lead", full_name="Lead Person"),
        "diplomat": factories.make_contact(org, full_name="Anna Schmidt", email="anna@diplo.de"),
        "second": factories.make_contact(org, full_name="Jean Dupont", email="jean@diplo.de"),
        "org": org,
    }


def data(people, **changes):
    values = {"title": "Pre-session: Germany", "starts_at": SUMMER, "ends_at": SUMMER + timedelta(hours=1),
              "timezone": GENEVA, "location": "Mission of Germany, Geneva",
              "attendees": [{"contact_id": people["diplomat"].id, "role": "required"}],
              "staff_ids": [people["organiser"].id]}
    values.update(changes)
    return values


@pytest.fixture
def heard():
    """Every MeetingChange the listeners receive during the test."""
    received = []

    def listener(change, actor, now):
        received.append((change, actor, now))

    changes.on_meeting_change(listener)
    yield received
    changes.CHANGE_LISTENERS.remove(listener)


def test_schedule_stores_instants_in_utc_with_a_permanent_uid_and_sequence_zero(people, now, heard):
    change = services.schedule_meeting(people["organiser"], now, data(people))
    db.session.commit()
    meeting = db.session.get(Meeting, change.meeting.id)
    assert meeting.starts_at == SUMMER and meeting.sequence == 0 and meeting.uid.endswith("@engage")
    assert meeting.organiser_id == people["organiser"].id
    assert meeting.reminder_offsets == [1440, 60]
    assert {a.email for a in meeting.attendees} == {"anna@diplo.de", people["organiser"].email}
    assert [h.action for h in history_for(meeting)] == ["created"]
    [(heard_change, actor, at)] = heard
    assert heard_change.kind == "created" and heard_change.previous_sequence is None
    assert {a.email for a in heard_change.added} == {"anna@diplo.de", people["organiser"].email}
    assert actor is people["organiser"] and at == now and heard_change.notify


@sqlite_only
@pytest.mark.parametrize("changes, field, words", [
    ({"ends_at": SUMMER}, "ends_at", "after the start"),
    ({"ends_at": SUMMER - timedelta(minutes=30)}, "ends_at", "after the start"),
    ({"ends_at": SUMMER + timedelta(minutes=4)}, "ends_at", "at least 5 minutes"),
    ({"ends_at": SUMMER + timedelta(hours=12, minutes=1)}, "ends_at", "at most 12 hours"),
    ({"starts_at": datetime(2026, 11, 1, 8, tzinfo=UTC), "ends_at": datetime(2026, 11, 1, 9, tzinfo=UTC)},
     "starts_at", "already passed"),
    ({"timezone": "Europe/Geneva"}, "timezone", "Unknown time zone"),
    ({"timezone": "CEST"}, "timezone", "Unknown time zone"),
    ({"starts_at": datetime(2027, 7, 6, 10, 0)}, "starts_at", "offset"),
    ({"location_kind": "online"}, "online_url", "link"),
    ({"location_kind": "hybrid", "online_url": "https://meet.example.org/x", "location": ""}, "location", "address"),
    ({"online_url": "meet.example.org"}, "online_url", "https://"),
    ({"title": "  "}, "title", "required"),
    ({"attendees": [{"contact_id": 999999, "role": "required"}]}, "attendees", "No contact"),
    ({"staff_ids": [999999]}, "staff", "No active user"),
    ({"reminder_offsets": [0]}, "reminders", "between 1 minute"),
    ({"recommendation_ids": [424242]}, "recommendation_ids", "No recommendation"),
])
def test_bad_meetings_are_refused_naming_the_field_and_nothing_is_saved(people, now, heard, changes, field, words):
    with pytest.raises(ValidationError) as caught:
        services.schedule_meeting(people["organiser"], now, data(people, **changes))
    assert field in caught.value.fields, caught.value.fields
    assert words in " ".join(caught.value.fields[field])
    db.session.rollback()
    assert db.session.query(Meeting).count() == 0 and heard == []


def test_a_held_meeting_may_be_recorded_in_the_past_without_invitations(people, now, heard):
    past = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    change = services.schedule_meeting(people["organiser"], now, data(
        people, starts_at=past, ends_at=past + timedelta(hours=1), status="held"))
    assert change.meeting.status == "held" and change.notify is False
    with pytest.raises(ValidationError) as caught:
        services.schedule_meeting(people["organiser"], now, data(people, status="held"))
    assert "future" in caught.value.fields["starts_at"][0]


def test_online_and_hybrid_kinds_are_inferred_when_not_given(people, now):
    online = services.schedule_meeting(people["organiser"], now, data(
        people, location=None, online_url="https://meet.example.org/upr")).meeting
    hybrid = services.schedule_meeting(people["organiser"], now, data(
        people, online_url="https://meet.example.org/upr", starts_at=SUMMER + timedelta(days=1),
        ends_at=SUMMER + timedelta(days=1, hours=1))).meeting
    assert (online.location_kind, hybrid.location_kind) == ("online", "hybrid")


def test_reschedule_raises_sequence_resets_answers_and_tells_listeners_what_moved(people, now, heard):
    meeting = services.schedule_meeting(people["organiser"], now, data(people)).meeting
    anna = meeting.contact_attendees[0]
    services.record_response(None, now, anna, "accepted")
    heard.clear()
    later = SUMMER + timedelta(days=1)
    change = services.reschedule_meeting(people["organiser"], now, meeting, later, later + timedelta(hours=1))
    db.session.commit()
    assert meeting.sequence == 1 and change.previous_sequence == 0 and change.sequence_raised
    assert change.time_changed and not change.place_changed and change.previous_starts_at == SUMMER
    assert anna.response == "needs_action" and anna.responded_at is None
    assert change.responses == {anna.id: ("accepted", "needs_action")}
    assert {a.email for a in change.kept} == {"anna@diplo.de", people["organiser"].email}
    assert change.added == [] and change.removed == []
    assert heard[0][0] is change
    assert history_for(meeting)[0].action == "rescheduled"


def test_title_change_alone_keeps_the_sequence(people, now, heard):
    meeting = services.schedule_meeting(people["organiser"], now, data(people)).meeting
    change = services.update_meeting(people["organiser"], now, meeting, {"title": "New title"})
    assert meeting.sequence == 0 and not change.sequence_raised
    assert change.changed_fields == {"title": ("Pre-session: Germany", "New title")}


def test_place_change_raises_sequence(people, now):
    meeting = services.schedule_meeting(people["organiser"], now, data(people)).meeting
    change = services.update_meeting(people["organiser"], now, meeting, {"location": "Palais Wilson"})
    assert meeting.sequence == 1 and change.place_changed and not change.time_changed


def test_attendee_changes_know_who_was_added_kept_and_removed(people, now, heard):
    meeting = services.schedule_meeting(people["organiser"], now, data(people)).meeting
    added = services.add_attendee(people["organiser"], now, meeting, contact_id=people["second"].id,
                                  role="optional")
    assert meeting.sequence == 1
    assert [a.email for a in added.added] == ["jean@diplo.de"] and added.added[0].role == "optional"
    assert {a.email for a in added.kept} == {"anna@diplo.de", people["organiser"].email}
    anna = next(a for a in meeting.attendees if a.contact_id == people["diplomat"].id)
    removed = services.remove_attendee(people["organiser"], now, meeting, anna)
    db.session.commit()
    assert meeting.sequence == 2 and removed.previous_sequence == 1
    assert [(a.email, a.name) for a in removed.removed] == [("anna@diplo.de", "Anna Schmidt")]
    assert {a.email for a in removed.kept} == {"jean@diplo.de", people["organiser"].email}
    assert {a.email for a in meeting.attendees} == {"jean@diplo.de", people["organiser"].email}
    assert [c.kind for c, _, _ in heard] == ["created", "updated", "updated"]


def test_cancel_raises_sequence_and_names_everyone_to_tell(people, now, heard):
    meeting = services.schedule_meeting(people["organiser"], now, data(people)).meeting
    change = services.cancel_meeting(people["organiser"], now, meeting, reason="Mission closed")
    assert meeting.status == "cancelled" and meeting.sequence == 1 and meeting.cancelled_at == now
    assert change.kind == "cancelled" and change.previous_sequence == 0
    assert {a.email for a in change.kept} == {"anna@diplo.de", people["organiser"].email}
    with pytest.raises(ConflictError):
        services.cancel_meeting(people["organiser"], now, meeting)
    with pytest.raises(ConflictError):
        services.update_meeting(people["organiser"], now, meeting, {"title": "x"})


def test_mark_held_only_once_started(people, now, heard):
    meeting = services.schedule_meeting(people["organiser"], now, data(people)).meeting
    with pytest.raises(ValidationError):
        services.mark_held(people["organiser"], now, meeting)
    change = services.mark_held(people["organiser"], SUMMER + timedelta(minutes=70), meeting)
    assert meeting.status == "held" and change.kind == "held" and meeting.sequence == 0


def test_staff_change_only_their_own_meetings_leads_any(people, now):
    meeting = services.schedule_meeting(people["organiser"], now, data(
        people, staff_ids=[people["organiser"].id, people["colleague"].id])).meeting
    with pytest.raises(PermissionDenied):
        services.update_meeting(people["outsider"], now, meeting, {"title": "Hijacked"})
    with pytest.raises(PermissionDenied):
        services.cancel_meeting(people["outsider"], now, meeting)
    services.update_meeting(people["colleague"], now, meeting, {"title": "By a participant"})
    services.update_meeting(people["lead"], now, meeting, {"title": "By a lead"})
    assert meeting.title == "By a lead"


# ---- conflicts ----

def _book(people, now, start, minutes=60, **changes):
    return services.schedule_meeting(people["organiser"], now, data(
        people, starts_at=start, ends_at=start + timedelta(minutes=minutes), **changes)).meeting


def test_an_overlapping_meeting_for_the_same_contact_is_refused_with_the_clash_listed(people, now):
    first = _book(people, now, SUMMER)
    with pytest.raises(ConflictError) as caught:
        _book(people, now, SUMMER + timedelta(minutes=30), staff_ids=[people["colleague"].id])
    [clash] = caught.value.details["conflicts"]
    assert clash["meeting_id"] == first.id and clash["title"] == "Pre-session: Germany"
    assert clash["starts_at"] == "2027-07-06T08:00:00Z"
    assert clash["people"] == [{"type": "contact", "id": people["diplomat"].id, "name": "Anna Schmidt",
                                "email": "anna@diplo.de"}]
    assert "Anna Schmidt" in caught.value.message


def test_an_overlapping_meeting_for_the_same_staff_member_is_refused(people, now):
    _book(people, now, SUMMER)
    with pytest.raises(ConflictError) as caught:
        _book(people, now, SUMMER - timedelta(minutes=30), attendees=[])
    assert caught.value.details["conflicts"][0]["people"][0]["type"] == "staff"


def test_back_to_back_is_not_a_clash(people, now):
    _book(people, now, SUMMER)
    _book(people, now, SUMMER + timedelta(hours=1))
    _book(people, now, SUMMER - timedelta(minutes=30), minutes=30)
    assert db.session.query(Meeting).count() == 3


def test_cancelled_meetings_do_not_clash_and_clashes_can_be_allowed(people, now):
    first = _book(people, now, SUMMER)
    services.cancel_meeting(people["organiser"], now, first)
    _book(people, now, SUMMER)
    _book(people, now, SUMMER, allow_conflicts=True)
    assert db.session.query(Meeting).count() == 3


def test_other_people_at_the_same_time_do_not_clash(people, now):
    _book(people, now, SUMMER)
    _book(people, now, SUMMER, attendees=[{"contact_id": people["second"].id}], staff_ids=[people["colleague"].id])


def test_rescheduling_into_a_clash_is_refused_but_editing_details_of_a_clashing_meeting_is_not(people, now):
    _book(people, now, SUMMER)
    other = _book(people, now, SUMMER + timedelta(hours=2))
    with pytest.raises(ConflictError):
        services.reschedule_meeting(people["organiser"], now, other, SUMMER, SUMMER + timedelta(hours=1))
    assert other.sequence == 0
    clashing = _book(people, now, SUMMER, allow_conflicts=True)
    services.update_meeting(people["organiser"], now, clashing, {"description": "Agenda attached"})
    # Moving within its own slot does not clash with itself.
    services.reschedule_meeting(people["organiser"], now, other, SUMMER + timedelta(hours=2, minutes=30),
                                SUMMER + timedelta(hours=3))


def test_adding_someone_who_is_busy_then_is_refused(people, now):
    _book(people, now, SUMMER, attendees=[{"contact_id": people["second"].id}], staff_ids=[people["colleague"].id])
    meeting = _book(people, now, SUMMER)
    with pytest.raises(ConflictError):
        services.add_attendee(people["organiser"], now, meeting, contact_id=people["second"].id)
    with pytest.raises(ConflictError):
        services.add_attendee(people["organiser"], now, meeting, user_id=people["colleague"].id)
    assert meeting.sequence == 0


# ---- lists ----

def test_agenda_filters(people, now):
    rec = _recommendation()
    tagged = _book(people, now, SUMMER, tags=["4th cycle pre-session"], recommendation_ids=[rec.id])
    other = _book(people, now, SUMMER + timedelta(days=3), attendees=[], tags=["health_rights"])
    db.session.commit()

    def ids(**filters):
        filters.setdefault("now", now)
        return [m.id for m in db.session.scalars(queries.meeting_query(**filters))]

    assert ids() == [tagged.id, other.id]
    assert ids(tag="4th cycle pre-session") == [tagged.id]
    assert ids(tag="4th cycle") == []
    assert ids(tag="health_rights") == [other.id] and ids(tag="health%") == []
    assert ids(organisation_id=people["org"].id) == [tagged.id]
    assert ids(city="geneva") == [tagged.id]
    assert ids(recommendation_id=rec.id) == [tagged.id]
    assert ids(staff_id=people["organiser"].id) == [tagged.id, other.id]
    assert ids(staff_id=people["colleague"].id) == []
    assert ids(when="past") == []
    assert ids(when="past", now=SUMMER + timedelta(days=10)) == [other.id, tagged.id]
    assert queries.tags_in_use() == ["4th cycle pre-session", "health_rights"]


def _recommendation():
    from engage.recommendations.models import Recommendation

    rec = Recommendation(cycle=4, reference="142.15", recommending_state="DE", text="Protect key populations.",
                         response="supported",
                         created_at=factories.WHEN, updated_at=factories.WHEN)
    db.session.add(rec)
    db.session.commit()
    return rec


def test_listeners_run_inside_the_caller_s_transaction(people, now):
    from engage.history import ChangeRecord

    def listener(change, actor, at):
        assert change.meeting.id is not None  # flushed, so rows can point at it
        db.session.add(ChangeRecord(entity_type="meeting", entity_id=change.meeting.id, action="listener saw it",
                                    changes={}, at=at))

    changes.on_meeting_change(listener)
    changes.on_meeting_change(listener)  # registering twice still calls it once
    try:
        assert changes.CHANGE_LISTENERS.count(listener) == 1
        services.schedule_meeting(people["organiser"], now, data(people))
        assert db.session.query(ChangeRecord).filter_by(action="listener saw it").count() == 1
        db.session.rollback()  # the service never commits: the caller's rollback undoes both
        assert db.session.query(Meeting).count() == 0
        assert db.session.query(ChangeRecord).filter_by(action="listener saw it").count() == 0
    finally:
        changes.CHANGE_LISTENERS.remove(listener)


def test_a_failing_listener_stops_the_change(people, now):
    def listener(change, actor, at):
        raise RuntimeError("outbox unavailable")

    changes.on_meeting_change(listener)
    try:
        with pytest.raises(RuntimeError):
            services.schedule_meeting(people["organiser"], now, data(people))
    finally:
        changes.CHANGE_LISTENERS.remove(listener)
    db.session.rollback()
    assert db.session.query(Meeting).count() == 0


def test_responses_are_recorded_with_when_and_reported(people, now, heard):
    meeting = services.schedule_meeting(people["organiser"], now, data(people)).meeting
    anna = meeting.contact_attendees[0]
    later = now + timedelta(hours=2)
    change = services.record_response(None, later, anna, "declined")
    assert (anna.response, anna.responded_at) == ("declined", later)
    assert change.kind == "responded" and change.responses == {anna.id: ("needs_action", "declined")}
    assert change.notify is False and meeting.sequence == 0
    with pytest.raises(ValidationError):
        services.record_response(None, later, anna, "maybe")
