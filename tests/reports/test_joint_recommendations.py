"""A recommendation several states made together: counted once under each of its states, once in totals."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from engage.extensions import db
from engage.outcomes import services as outcome_services
from engage.recommendations.models import Theme
from engage.reports import queries
from engage.reports.views import dashboard_data
from engage.upr import planning, services as upr_services
from tests import factories
from tests.outcomes.helpers import make_meeting

CYCLE_START = date(2025, 1, 1)


@pytest.fixture
def joint(app, staff_user):
    """France and Lithuania made 9.1 together, France alone 9.2 (both on HIV/AIDS); the French embassy
    was met this cycle and 9.1 was discussed there, with a commitment."""
    mk = factories.make_recommendation
    recs = {"joint": mk(reference="9.1", recommending_states=["FR", "LT"], themes=["HIV/AIDS"], text="Joint"),
            "fr": mk(reference="9.2", recommending_state="FR", themes=["HIV/AIDS"], text="France alone")}
    embassy = factories.make_organisation(name="Embassy of France, Nairobi", kind="embassy", country="FR",
                                          city="Nairobi")
    diplomat = factories.make_contact(embassy, full_name="Claire Diplomat")
    meeting = make_meeting(staff_user, [diplomat], datetime(2026, 11, 10, 7, 0, tzinfo=UTC),
                           recommendations=[recs["joint"]])
    outcome_services.create_outcome(staff_user, datetime(2026, 11, 11, tzinfo=UTC), meeting, {
        "recommendation_id": recs["joint"].id, "organisation_id": embassy.id, "position": "supportive",
        "summary": "Will support", "commitment": "Raise it in Geneva"})
    db.session.commit()
    return recs


def test_the_planning_view_lists_it_under_each_state_and_counts_it_once(joint, now):
    plan = planning.target_plan(["HIV/AIDS"], 3, CYCLE_START, now)
    assert [(p.state, p.count) for p in plan] == [("FR", 2), ("LT", 1)]
    assert [r.reference for r in next(p for p in plan if p.state == "LT").recommendations] == ["9.1"]
    assert plan.recommendation_count == 2


def test_coverage_counts_it_under_each_state_and_once_in_totals(joint, now):
    cov = queries.coverage(now)
    hiv = next(k for k, label in cov.columns if label == "HIV/AIDS")
    cells = {row.state: row.cells[hiv] for row in cov.rows}
    assert (cells["FR"].recommendations, cells["FR"].discussed, cells["FR"].commitments) == (2, 1, 1)
    assert (cells["LT"].recommendations, cells["LT"].discussed, cells["LT"].commitments) == (1, 1, 1)
    assert cov.recommendations == 2 and cov.row_count == 2
    by_rec = queries.coverage(now, by="recommendation")
    assert sorted((row.state, row.label) for row in by_rec.rows) == [
        ("FR", "9.1 (France)"), ("FR", "9.2 (France)"), ("LT", "9.1 (Lithuania)")]
    # Two recommendations, whatever the number of rows: the joint one's status is counted once.
    assert by_rec.counts() == {"commitment": 1, "engaged": 0, "not_engaged": 1} and by_rec.row_count == 2
    # Lithuania was never met, though its recommendation was discussed with France.
    assert [r.state for r in cov.unmet_states] == ["LT"]


def test_the_dashboard_and_the_theme_summary_count_it_once_in_totals(joint, now, staff_user):
    data = dashboard_data(now, staff_user)
    assert (data["engaged"], data["not_engaged"]) == (1, 1)
    assert data["commitments"] == 1
    assert [(t.name, t.total, t.commitments) for t in data["themes"]] == [("HIV/AIDS", 1, 1)]
    theme = db.session.scalars(db.select(Theme).where(Theme.name == "HIV/AIDS")).one()
    summary = queries.theme_summary(theme, now)
    rows = {r.key: r for r in summary.rows}
    assert (rows["FR"].recommendations, rows["FR"].commitments, rows["FR"].last_position) == (2, 1, "supportive")
    assert (rows["LT"].recommendations, rows["LT"].commitments, rows["LT"].last_position) == (1, 1, "supportive")
    assert (summary.totals.recommendations, summary.totals.commitments) == (2, 1)
    assert summary.totals.positions["supportive"] == 1
    lithuania = queries.state_summary("LT", now)
    assert [r.label for r in lithuania.rows] == ["9.1"] and lithuania.commitments_total == 1


def test_the_list_filter_matches_any_of_its_states(joint):
    def refs(state):
        return [r.reference for r in db.session.scalars(upr_services.recommendation_query(state=state))]
    assert refs("LT") == ["9.1"] and refs("Lithuania") == ["9.1"] and refs("FR") == ["9.1", "9.2"]
    engaged = db.session.scalars(upr_services.recommendation_query(
        engaged=False, engaged_since=CYCLE_START, now=datetime(2026, 11, 28, tzinfo=UTC))).all()
    assert engaged == []  # France was met, and the joint one is France's too
