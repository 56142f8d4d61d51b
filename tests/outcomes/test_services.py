"""Outcome services: logging (all or nothing, meeting becomes held), editing with history, follow-up states,
and the read functions other packages call."""
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from engage.errors import PermissionDenied, ValidationError
from engage.extensions import db
from engage.history import history_for
from engage.outcomes import services
from engage.outcomes.models import FollowUp, Outcome
from tests import factories
from tests.outcomes.helpers import make_meeting


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_logging_creates_overall_and_per_recommendation_outcomes_and_marks_the_meeting_held(world, now):
    meeting = world.meetings["de"]
    assert meeting.status == "held"
    assert meeting.held_at == now
    overall, de_hiv, de_edu = (world.outcomes[k] for k in ("de_overall", "de_hiv", "de_edu"))
    assert overall.recommendation_id is None and overall.position is None
    assert overall.summary == "Good meeting on key populations."
    assert de_hiv.position == "supportive"
    assert de_hiv.commitment == "Will make a recommendation on HIV key populations"
    # A recommendation row without its own summary takes the overall one.
    assert de_hiv.summary == "Good meeting on key populations."
    assert de_edu.position == "not_discussed" and de_edu.commitment is None
    assert {o.organisation_id for o in (overall, de_hiv, de_edu)} == {world.orgs["de"].id}
    assert [r.action for r in history_for(meeting)][0] == "marked held"
    created = history_for(de_hiv)
    assert created[0].action == "created" and created[0].actor_id == world.staff.id and created[0].at == now


def test_an_edit_is_kept_with_who_and_when(world, now):
    outcome = world.outcomes["fr_hiv"]
    later = now + timedelta(days=2)
    changed = services.update_outcome(world.lead, later, outcome, {"position": "will_raise",
                                                                  "commitment": "Will raise it in the review"})
    db.session.commit()
    assert changed == {"position": ["undecided", "will_raise"], "commitment": [None, "Will raise it in the review"]}
    assert outcome.updated_at == later and outcome.updated_by_id == world.lead.id
    last = history_for(outcome)[0]
    assert (last.action, last.actor_id, last.at) == ("updated", world.lead.id, later)
    assert last.changes["position"] == ["undecided", "will_raise"]
    assert services.update_outcome(world.lead, later, outcome, {"position": "will_raise"}) == {}


def test_a_bad_row_saves_nothing(world, now):
    meeting = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
                           [world.recs["se_health"]])
    before = (_count(Outcome), _count(FollowUp))
    with pytest.raises(ValidationError) as caught:
        services.log_meeting_outcomes(
            world.staff, now, meeting, "Sweden listened.", None,
            [{"recommendation_id": world.recs["se_health"].id, "position": "enthusiastic"}],
            [{"description": "Call back", "owner_id": world.staff.id, "due_on": "31/12/2026"}])
    assert caught.value.fields["items-0-position"][0].startswith("Choose one of")
    assert "YYYY-MM-DD" in caught.value.fields["follow_ups-0-due_on"][0]
    db.session.rollback()
    assert (_count(Outcome), _count(FollowUp)) == before
    assert db.session.get(type(meeting), meeting.id).status == "scheduled"


@pytest.mark.parametrize("summary", ["", "   ", None])
def test_an_outcome_needs_a_summary(world, now, summary):
    meeting = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    with pytest.raises(ValidationError) as caught:
        services.create_outcome(world.staff, now, meeting, {"summary": summary})
    assert caught.value.fields == {"summary": ["This is required."]}


def test_no_outcome_for_a_cancelled_or_future_meeting(world, now):
    cancelled = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
                             status="cancelled")
    future = make_meeting(world.staff, [world.contacts["se"]], now + timedelta(hours=2))
    with pytest.raises(ValidationError, match="cancelled"):
        services.create_outcome(world.staff, now, cancelled, {"summary": "x"})
    with pytest.raises(ValidationError, match="not started"):
        services.create_outcome(world.staff, now, future, {"summary": "x"})


def test_only_the_meetings_staff_or_a_lead_log_and_edit(world, now):
    stranger = factories.make_user(role="staff", email="stranger@example.org")
    meeting = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    with pytest.raises(PermissionDenied):
        services.create_outcome(stranger, now, meeting, {"summary": "I was not there"})
    with pytest.raises(PermissionDenied):
        services.update_outcome(stranger, now, world.outcomes["de_hiv"], {"summary": "Rewritten"})
    # A staff participant (not the organiser) and a lead may.
    assert services.create_outcome(world.other_staff, now, world.meetings["fr"], {"summary": "More news"}).id
    assert services.update_outcome(world.lead, now, world.outcomes["de_hiv"], {"notes": "Checked"})


def test_follow_up_states_open_overdue_done_reopened_cancelled(world, now):
    follow_up = world.outcomes["fr_overall"].follow_ups[0]
    today = services.today(now)  # 28 Nov 2026 in Nairobi
    assert follow_up.due_on == date(2026, 11, 25)
    assert follow_up.state(date(2026, 11, 25)) == "open"       # due today: not yet overdue
    assert follow_up.state(today) == "overdue"
    assert services.overdue_follow_ups(today) == [follow_up]
    assert services.follow_ups_due_on(date(2026, 11, 25)) == [follow_up]
    assert services.follow_up_counts(world.lead, today) == {"open": 1, "overdue": 1, "due_today": 0}

    assert services.set_follow_up_status(world.other_staff, now, follow_up, "done")
    assert (follow_up.status, follow_up.done_at, follow_up.done_by_id) == ("done", now, world.other_staff.id)
    assert follow_up.state(today) == "done"
    assert services.overdue_follow_ups(today) == []
    assert services.follow_ups_due_on(date(2026, 11, 25)) == []

    services.set_follow_up_status(world.lead, now, follow_up, "open")
    assert (follow_up.status, follow_up.done_at) == ("open", None)
    services.set_follow_up_status(world.lead, now, follow_up, "cancelled")
    assert services.follow_up_counts(world.lead, today)["open"] == 0
    assert [r.changes["status"] for r in history_for(follow_up) if r.action == "updated"] == [
        ["open", "cancelled"], ["done", "open"], ["open", "done"]]


def test_a_follow_up_needs_a_live_owner_and_a_date(world, now):
    outcome = world.outcomes["de_overall"]
    gone = factories.make_user(role="staff", email="gone@example.org")
    gone.is_disabled = True
    db.session.commit()
    with pytest.raises(ValidationError) as caught:
        services.add_follow_up(world.staff, now, outcome, {"description": "", "owner": "nobody@example.org"})
    assert set(caught.value.fields) == {"description", "owner", "due_on"}
    with pytest.raises(ValidationError, match="disabled"):
        services.add_follow_up(world.staff, now, outcome, {"description": "x", "owner_id": gone.id,
                                                           "due_on": "2026-12-01"})
    added = services.add_follow_up(world.staff, now, outcome, {"description": "Send the brief",
                                                               "owner": "OTHER@example.org", "due_on": "2026-12-01"})
    assert (added.owner_id, added.due_on, added.status) == (world.other_staff.id, date(2026, 12, 1), "open")


def test_timeline_last_positions_and_pages_of_organisations_and_contacts(world, now):
    rec = world.recs["de_hiv"]
    later = make_meeting(world.lead, [world.contacts["de"]], datetime(2026, 11, 27, 8, 0, tzinfo=UTC), [rec])
    services.log_meeting_outcomes(world.lead, now, later, "Germany now hesitates.", None,
                                  [{"recommendation_id": rec.id, "position": "undecided"}])
    db.session.commit()
    assert [o.position for o in services.position_timeline(rec.id)] == ["supportive", "undecided"]
    last = services.last_position_for_state("de")
    assert (last.position, last.meeting_id, last.label) == ("undecided", later.id, "Undecided")
    assert last.starts_at == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert services.last_position_for_state("SE") is None   # never met
    by_state = services.last_positions_by_state()
    assert {k: v.position for k, v in by_state.items()} == {"DE": "undecided", "FR": "undecided",
                                                            "BR": "supportive"}
    assert services.last_positions_by_state(cycle=3)["BR"].position == "supportive"
    assert "DE" not in services.last_positions_by_state(cycle=3)   # de_edu was not discussed
    assert services.position_at_meeting(world.meetings["de"].id) == "Supportive (1), Not discussed (1)"
    assert services.position_at_meeting(world.meetings["de"].id, world.orgs["fr"].id) is None
    org_outcomes = services.outcomes_for_organisation(world.orgs["de"].id)
    assert org_outcomes[0].meeting_id == later.id and len(org_outcomes) == 5
    assert {o.meeting_id for o in services.outcomes_for_contact(world.contacts["fr"].id)} == {world.meetings["fr"].id}
    meeting_outcomes = services.outcomes_for_meeting(world.meetings["de"].id)
    assert meeting_outcomes[0].recommendation_id is None   # the overall summary first
