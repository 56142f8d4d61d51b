"""Cycles and milestones: windows, the current cycle, checks that name their field, reminders planned."""
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engage.cycles import services
from engage.cycles.models import MilestoneReminder
from engage.errors import ConflictError, PermissionDenied, ValidationError
from engage.extensions import db
from tests import factories

NOW = factories.WHEN  # Sat 28 Nov 2026, 09:00 UTC
KENYA_4 = [{"kind": "stakeholder_submissions", "due_on": "2024-09-30"},
           {"kind": "wg_review", "due_on": "2025-05-01"},
           {"kind": "hrc_adoption", "due_on": "2025-09-08", "hrc_session": 60}]


def _reminders(milestone):
    db.session.expire_all()
    return {r.lead_days: r for r in db.session.scalars(
        select(MilestoneReminder).where(MilestoneReminder.milestone_id == milestone.id))}


def test_the_default_window_runs_from_a_year_before_the_review_to_the_adoption(app):
    cycle = factories.make_cycle(number=4, wg_session=49, window_starts_on=None, window_ends_on=None,
                                 milestones=KENYA_4)
    assert (cycle.starts_on, cycle.ends_on) == (date(2024, 5, 1), date(2025, 9, 8))
    assert cycle.window_is_default and cycle.state_under_review == "KE"
    assert [m.name for m in cycle.milestones] == [
        "Stakeholder submissions due", "Working Group review (UPR 49)", "Adoption at the Human Rights Council (HRC 60)"]
    services.update_cycle(None, NOW, cycle, {"window_starts_on": "2024-01-15"})
    assert (cycle.starts_on, cycle.ends_on) == (date(2024, 1, 15), date(2025, 9, 8))


def test_the_current_cycle_holds_today_else_the_latest_begun(app):
    four = factories.make_cycle(number=4, window_starts_on=None, window_ends_on=None, milestones=KENYA_4)
    assert services.current_cycle(NOW) is four  # its window has ended, but it is the latest begun
    five = factories.make_cycle(number=5, window_starts_on=None, window_ends_on=None,
                                milestones=[{"kind": "wg_review", "due_on": "2030-01-20"}])
    assert services.current_cycle(NOW) is four  # cycle 5's window opens in January 2029
    assert services.current_cycle(datetime(2029, 3, 1, tzinfo=UTC)) is five
    assert services.current_cycle(datetime(2025, 6, 1, tzinfo=UTC)) is four
    assert services.window_of(five).label == "cycle 5 (20 Jan 2029 to its adoption at the Council (date not set))"


def test_bad_cycles_are_refused_naming_the_field_and_nothing_is_saved(app, staff_user):
    factories.make_cycle(number=5)
    with pytest.raises(ConflictError) as conflict:
        services.create_cycle(None, NOW, {"number": 5})
    assert conflict.value.fields == {"number": ["A cycle with this number exists."]}
    with pytest.raises(ValidationError) as bad:
        services.create_cycle(None, NOW, {"number": 0, "window_starts_on": "soon"})
    assert set(bad.value.fields) == {"number", "window_starts_on"}
    with pytest.raises(ValidationError) as backwards:
        services.create_cycle(None, NOW, {"number": 6, "window_starts_on": "2026-01-01", "window_ends_on": "2025-01-01"})
    assert "window_ends_on" in backwards.value.fields
    with pytest.raises(ValidationError) as untitled:
        services.create_cycle(None, NOW, {"number": 6, "milestones": [{"kind": "own", "due_on": "2026-12-20"}]})
    assert "milestones.0.title" in untitled.value.fields
    with pytest.raises(ValidationError) as days:
        services.create_cycle(None, NOW, {"number": 6, "milestones": [
            {"kind": "wg_review", "due_on": "2030-01-20", "reminder_days": "a week"}]})
    assert "milestones.0.reminder_days" in days.value.fields
    with pytest.raises(PermissionDenied):
        services.create_cycle(staff_user, NOW, {"number": 6})
    db.session.rollback()
    assert [c.number for c in services.all_cycles()] == [5]


def test_reminders_are_planned_at_the_digest_hour_and_follow_the_milestone(app):
    cycle = factories.make_cycle(number=5, milestones=[
        {"kind": "own", "title": "Coalition report final", "due_on": "2027-01-15", "reminder_days": [7, 1]}])
    milestone = cycle.milestones[0]
    rows = _reminders(milestone)
    # 07:00 in Nairobi (the digest's hour) is 04:00 UTC.
    assert {lead: r.due_at for lead, r in rows.items()} == {7: datetime(2027, 1, 8, 4, 0, tzinfo=UTC),
                                                            1: datetime(2027, 1, 14, 4, 0, tzinfo=UTC)}
    assert {r.status for r in rows.values()} == {"pending"}

    services.update_milestone(None, NOW, milestone, {"due_on": "2027-02-01", "reminder_days": [1]})
    rows = _reminders(milestone)
    assert rows[1].due_at == datetime(2027, 1, 31, 4, 0, tzinfo=UTC) and rows[1].status == "pending"
    assert rows[7].status == "cancelled"

    # A reminder whose time has already passed is never planned.
    late = services.add_milestone(None, NOW, cycle, {"kind": "national_report", "due_on": "2026-11-30",
                                                     "reminder_days": [7, 1]})
    assert set(_reminders(late)) == {1}


def test_a_patch_with_milestones_keeps_those_named_by_id_adds_new_ones_and_removes_the_rest(app):
    cycle = factories.make_cycle(number=4, window_starts_on=None, window_ends_on=None, milestones=KENYA_4)
    review, adoption = cycle.milestone("wg_review"), cycle.milestone("hrc_adoption")
    services.update_cycle(None, NOW, cycle, {"milestones": [
        {"id": review.id, "due_on": "2025-04-30"},
        {"id": adoption.id},
        {"kind": "mid_term_report", "due_on": "2027-10-01"}]})
    db.session.commit()
    assert [(m.kind, m.due_on) for m in cycle.milestones] == [
        ("wg_review", date(2025, 4, 30)), ("hrc_adoption", date(2025, 9, 8)), ("mid_term_report", date(2027, 10, 1))]
    with pytest.raises(ValidationError) as unknown:
        services.update_cycle(None, NOW, cycle, {"milestones": [{"id": 999_999}]})
    assert "milestones.0.id" in unknown.value.fields


def test_the_seeded_data_file_and_the_migration_agree():
    """The migration copies kenya.json (so a later fix of the file never rewrites history): same rows."""
    from importlib.util import module_from_spec, spec_from_file_location

    root = Path(__file__).resolve().parents[2] / "engage"
    data = json.loads((root / "cycles" / "data" / "kenya.json").read_text())
    spec = spec_from_file_location("cycles_migration", root / "migrations" / "versions" / "a51c7e0d9b24_upr_cycles_and_milestones.py")
    migration = module_from_spec(spec)
    spec.loader.exec_module(migration)
    from_file = [(c["number"], c["wg_session"], [(m["kind"], m["due_on"], m.get("hrc_session"), m.get("note"))
                                               for m in c["milestones"]]) for c in data["cycles"]]
    assert from_file == migration.KENYA
    assert (root / "cycles" / "data" / "SOURCES.md").read_text().count("| 4 |") == 4


def test_standing_counts_states_met_in_the_window_only(app):
    from tests.outcomes.helpers import make_world

    world = make_world(factories.make_user(role="staff"), factories.make_user(role="lead"))
    cycle = services.get_cycle(5)
    met, not_met = services.standing(cycle, NOW, world.staff)
    assert (met, not_met) == (["DE", "FR"], ["BR", "SE"])
    assert services.next_milestone(cycle, NOW) is None
    services.add_milestone(None, NOW, cycle, {"kind": "wg_review", "due_on": NOW.date() + timedelta(days=42)})
    assert services.next_milestone(cycle, NOW).kind == "wg_review"
