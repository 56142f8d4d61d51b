"""One definition of "engaged this cycle": the dashboard, coverage and the recommendations pages agree."""
import re
from datetime import date, timedelta

import time_machine

from engage.extensions import db
from engage.reports import queries
from engage.upr import services as upr
from tests.conftest import NOW
from tests.outcomes.helpers import make_meeting

SINCE = date(2025, 1, 1)
SWEDEN_MEETS = NOW + timedelta(days=7)


def _figure(html, name):
    return int(re.search(rf'id="figure-{name}">(\d+)<', html).group(1))


def _unmet_on_coverage(html):
    return html[html.index("States nobody has met"):]


def test_a_meeting_still_ahead_is_not_engagement_on_any_page(world, now, lead_client, frozen):
    """Sweden's only meeting is next week. The recommendations pages used to count it (Sweden
    engaged) while the dashboard and coverage did not; now none does until the meeting has begun."""
    make_meeting(world.staff, [world.contacts["se"]], SWEDEN_MEETS, title="Sweden next week")

    assert upr.engaged_states(SINCE, now) == queries.met_states(SINCE, now) == {"DE", "FR"}
    assert queries.states_engaged(now, SINCE) == (2, 2)
    assert sorted(r.state for r in queries.coverage(now).unmet_states) == ["BR", "SE"]
    engaged_recs = set(db.session.scalars(upr.recommendation_query(engaged=True, engaged_since=SINCE, now=now)))
    assert world.recs["se_health"] not in engaged_recs and world.recs["fr_hiv"] in engaged_recs

    dashboard = lead_client.get("/reports/").get_data(as_text=True)
    assert (_figure(dashboard, "engaged"), _figure(dashboard, "not-engaged")) == (2, 2)
    assert "Sweden" in _unmet_on_coverage(lead_client.get("/reports/coverage").get_data(as_text=True))
    engaged_page = lead_client.get("/recommendations/?engaged=yes").get_data(as_text=True)
    assert "142.40" in engaged_page and "142.77" not in engaged_page
    assert "142.77" in lead_client.get("/recommendations/?engaged=no").get_data(as_text=True)


def test_once_the_meeting_has_begun_every_page_counts_it(world, lead_client):
    make_meeting(world.staff, [world.contacts["se"]], SWEDEN_MEETS, title="Sweden next week")
    later = SWEDEN_MEETS + timedelta(minutes=30)

    assert upr.engaged_states(SINCE, later) == queries.met_states(SINCE, later) == {"DE", "FR", "SE"}
    with time_machine.travel(later, tick=False):
        dashboard = lead_client.get("/reports/").get_data(as_text=True)
        assert (_figure(dashboard, "engaged"), _figure(dashboard, "not-engaged")) == (3, 1)
        assert "Sweden" not in _unmet_on_coverage(lead_client.get("/reports/coverage").get_data(as_text=True))
        assert "142.77" in lead_client.get("/recommendations/?engaged=yes").get_data(as_text=True)


def test_an_outcome_recorded_for_a_state_is_engagement_on_the_recommendations_pages_too(world, now):
    """France's outcome names its mission; with no attendee from it the state is still engaged."""
    world.meetings["fr"].attendees = [a for a in world.meetings["fr"].attendees if a.contact_id is None]
    db.session.commit()
    assert "FR" in upr.engaged_states(SINCE, now) and "FR" in queries.met_states(SINCE, now)
