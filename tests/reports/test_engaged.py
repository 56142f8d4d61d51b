"""One definition of "engaged in a cycle": the dashboard, coverage and the recommendations pages agree."""
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
    engaged) while the dashboard and coverage did not; now none does until the meeting was held."""
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


def test_a_meeting_under_way_counts_only_once_it_has_ended_or_is_marked_held(world, lead_client):
    """Booked is not met: a meeting that has begun may still be cut short or missed. It counts once it
    has ended (and was not cancelled), or as soon as someone marks it held."""
    meeting = make_meeting(world.staff, [world.contacts["se"]], SWEDEN_MEETS, title="Sweden next week")
    under_way = SWEDEN_MEETS + timedelta(minutes=30)
    assert upr.engaged_states(SINCE, under_way) == queries.met_states(SINCE, under_way) == {"DE", "FR"}
    meeting.status = "held"
    db.session.commit()
    assert upr.engaged_states(SINCE, under_way) == {"DE", "FR", "SE"}
    meeting.status = "scheduled"
    db.session.commit()

    ended = SWEDEN_MEETS + timedelta(hours=1)
    assert upr.engaged_states(SINCE, ended) == queries.met_states(SINCE, ended) == {"DE", "FR", "SE"}
    with time_machine.travel(ended, tick=False):
        dashboard = lead_client.get("/reports/").get_data(as_text=True)
        assert (_figure(dashboard, "engaged"), _figure(dashboard, "not-engaged")) == (3, 1)
        assert "Sweden" not in _unmet_on_coverage(lead_client.get("/reports/coverage").get_data(as_text=True))
        assert "142.77" in lead_client.get("/recommendations/?engaged=yes").get_data(as_text=True)


def test_a_meeting_outside_the_cycles_window_does_not_count_and_pages_name_the_cycle(world, lead_client, frozen):
    """Brazil was met in June 2024, before cycle 5's window; in a cycle whose window holds that day it counts."""
    from tests import factories

    dashboard = lead_client.get("/reports/").get_data(as_text=True)
    assert "Showing cycle 5 (1 Jan 2025 to 31 Dec 2027)" in dashboard
    assert "Brazil" in _unmet_on_coverage(lead_client.get("/reports/coverage").get_data(as_text=True))
    factories.make_cycle(number=4, window_starts_on="2024-01-01", window_ends_on="2024-12-31")
    page = lead_client.get("/recommendations/?engaged=yes&engaged_in=4").get_data(as_text=True)
    assert "139.9" in page and "142.40" not in page and "Met in cycle 4 (1 Jan 2024 to 31 Dec 2024)" in page
    assert lead_client.get("/recommendations/?engaged_in=9").status_code == 404
    dashboard = lead_client.get("/reports/?engaged_in=4").get_data(as_text=True)
    assert "Showing cycle 4 (1 Jan 2024 to 31 Dec 2024)" in dashboard
    assert (_figure(dashboard, "engaged"), _figure(dashboard, "not-engaged")) == (1, 3)
    coverage = lead_client.get("/reports/coverage?engaged_in=4").get_data(as_text=True)
    assert "Brazil" not in _unmet_on_coverage(coverage) and "in cycle 4 (1 Jan 2024" in coverage
    assert lead_client.get("/reports/?engaged_in=9").status_code == 404


def test_an_outcome_recorded_for_a_state_is_engagement_on_the_recommendations_pages_too(world, now):
    """France's outcome names its mission; with no attendee from it the state is still engaged."""
    world.meetings["fr"].attendees = [a for a in world.meetings["fr"].attendees if a.contact_id is None]
    db.session.commit()
    assert "FR" in upr.engaged_states(SINCE, now) and "FR" in queries.met_states(SINCE, now)
