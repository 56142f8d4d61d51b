"""The target planning view: which states to approach on chosen themes, and through which missions."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from engage.extensions import db
from engage.recommendations import queries as catalogue
from engage.recommendations.vocabulary import load_vocabulary
from engage.upr import planning, views
from tests.pageforms import chosen_options
from tests.upr.helpers import make_meeting, make_world

HEALTH = ["Right to health", "HIV/AIDS"]
CYCLE_START = date(2025, 1, 1)


@pytest.fixture
def world(app, staff_user):
    return make_world(staff_user)


def _plan(now, themes=HEALTH, cycle=3, **kw):
    return planning.target_plan(themes, cycle, CYCLE_START, now, **kw)


def test_states_are_ranked_by_how_many_recommendations_they_made_on_the_themes(world, now):
    plan = _plan(now)
    assert [(p.rank, p.state, p.count) for p in plan] == [
        (1, "DE", 3), (2, "FR", 2), (2, "SE", 2), (4, "BR", 1)]  # ties share a rank, then by name
    assert [r.reference for r in plan[0].recommendations] == ["142.1", "142.2", "142.3"]
    assert (plan[0].count_with("supported"), plan[0].count_with("noted")) == (2, 1)
    # The US recommendation is on another theme, and the cycle-2 German one is in another cycle.
    assert "US" not in {p.state for p in plan}


def test_one_theme_and_all_cycles_change_the_ranking(world, now):
    assert [(p.state, p.count) for p in _plan(now, themes=["Right to health"], cycle=None)] == [
        ("DE", 3), ("FR", 1), ("SE", 1)]
    assert [(p.state, p.count) for p in _plan(now, themes=["right to health"], cycle=2)] == [("DE", 1)]
    assert [(p.state, p.count) for p in _plan(now, response="noted")] == [("FR", 1), ("DE", 1)]  # France < Germany
    assert _plan(now, themes=[]) == []


def test_not_yet_engaged_marks_follow_meetings_this_cycle_with_anyone_from_that_state(world, now):
    engaged = {p.state: p.engaged for p in _plan(now)}
    assert engaged == {
        "DE": True,    # its embassy was met this cycle
        "SE": True,    # a Swedish NGO counts: any kind of organisation from that state
        "FR": False,   # the only meeting was cancelled
        "BR": False,   # met, but before the cycle started
    }
    # Moving the cycle start back makes Brazil's meeting count.
    assert {p.state for p in planning.target_plan(HEALTH, 3, date(2024, 1, 1), now) if p.engaged} == {"DE", "SE", "BR"}


def test_the_cycle_start_is_midnight_in_nairobi(world, now, staff_user):
    contact = world.contacts["claire"]
    # 23:30 UTC on 31 December is 02:30 on 1 January in Nairobi: this cycle.
    make_meeting(staff_user, [contact], datetime(2024, 12, 31, 23, 30, tzinfo=UTC), status="held")
    assert {p.state: p.engaged for p in _plan(now)}["FR"] is True


def test_each_state_lists_its_live_missions_in_nairobi_and_geneva_with_contacts(world, now):
    germany = _plan(now)[0]
    assert [(m.organisation.name, m.place) for m in germany.missions] == [
        ("Embassy of Germany, Nairobi", "Nairobi"), ("Permanent Mission of Germany, Geneva", "Geneva")]
    assert [c.full_name for c in germany.missions[0].contacts] == ["Anna Schmidt", "Jonas Becker"]
    france = next(p for p in _plan(now) if p.state == "FR")
    assert [(m.organisation.name, m.place) for m in france.missions] == [
        ("Permanent Mission of France, Geneva", "Geneva")]  # Pregny-Chambésy is Geneva
    sweden = next(p for p in _plan(now) if p.state == "SE")
    assert [m.organisation.name for m in sweden.missions] == ["Embassy of Sweden, Nairobi"]  # not the NGO


def test_last_and_next_meeting_per_mission_and_the_outcome_position_is_not_recorded_yet(world, now):
    nairobi = _plan(now)[0].missions[0]
    assert nairobi.last_meeting.title == "ARVs with Germany"
    assert nairobi.next_meeting.title == "Follow-up with Germany"
    assert nairobi.last_outcome_position is None  # outcomes arrive with the Outcomes issue
    geneva = _plan(now)[0].missions[1]
    assert geneva.last_meeting is None and geneva.next_meeting is None
    france = next(p for p in _plan(now) if p.state == "FR").missions[0]
    assert france.last_meeting is None  # a cancelled meeting is no meeting


def test_the_planning_page_shows_ranks_missions_and_not_yet_engaged_marks(world, staff_client):
    response = staff_client.get("/recommendations/plan", query_string={"theme": HEALTH, "cycle": "3"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = re.findall(r'<li class="([^"]*)" data-state="(\w\w)">(.*?)</li>\s*(?=<li class|</ol>)', page, re.S)
    assert [state for _, state, _ in rows] == ["DE", "FR", "SE", "BR"]
    marks = {state: ("Not yet engaged" in body, "Engaged in cycle 5" in body) for _, state, body in rows}
    assert marks == {"DE": (False, True), "FR": (True, False), "SE": (False, True), "BR": (True, False)}
    germany = rows[0][2]
    assert "Embassy of Germany, Nairobi" in germany and "Permanent Mission of Germany, Geneva" in germany
    assert "New York" not in germany and "Old German consulate" not in germany
    assert "Jonas Becker" in germany and "ARVs with Germany" in germany
    assert "10:00 Nairobi (EAT)" in germany  # the meeting time carries its zone
    assert "outcome: not recorded" in germany
    assert "2 not yet engaged" in page


def test_the_health_group_is_the_quick_pick_and_ticks_its_themes(world, staff_client):
    load_vocabulary()
    db.session.commit()
    health = catalogue.health_theme_names()
    assert {"HIV/AIDS", "Right to health", "Sexual and reproductive health and rights", "Mental health"} <= set(health)
    assert "Death penalty" not in health
    page = staff_client.get("/recommendations/plan").get_data(as_text=True)
    assert "Pick one or more themes" in page
    link = unescape(re.search(r'<a href="([^"]+)">the Health group</a>', page).group(1))
    query = parse_qs(urlsplit(link).query)
    assert query["group"] == ["health"]
    assert query["cycle"] == ["3"]  # the newest cycle by default
    followed = staff_client.get(link).get_data(as_text=True)
    assert [state for state in re.findall(r'data-state="(\w\w)"', followed)] == ["DE", "FR", "SE", "BR"]
    ticked = set(re.findall(r'<input checked[^>]*value="([^"]+)"', followed)) | \
        set(re.findall(r'<input[^>]*value="([^"]+)"[^>]*checked', followed))
    assert {"HIV/AIDS", "Right to health"} <= {unescape(v) for v in ticked}
    assert "Death penalty" not in {unescape(v) for v in ticked}
    # The list filters by the group too: the US's death-penalty recommendation is not in it.
    listed = staff_client.get("/recommendations/", query_string={"group": "health"}).get_data(as_text=True)
    assert "Ensure access to ARVs" in listed and "Abolish" not in listed


def _booking_links(page):
    return [unescape(h) for h in re.findall(r'href="([^"]+)">\s*(?:Book|Draft) a meeting', page)]


def test_a_row_starts_a_booking_with_the_missions_contacts_and_the_recommendations(world, staff_client, monkeypatch,
                                                                                  app):
    # Stand in for the Meetings issue's booking form with a page that exists.
    monkeypatch.setattr(views, "BOOKING_PAGE", "upr.index")
    page = staff_client.get("/recommendations/plan", query_string={"theme": HEALTH, "cycle": "3"}).get_data(
        as_text=True)
    link = _booking_links(page)[0]
    assert link.startswith("/recommendations/?")
    query = parse_qs(urlsplit(link).query)
    assert query["organisation_id"] == [str(world.orgs["de_nbo"].id)]
    assert sorted(query["contact_id"]) == sorted(str(world.contacts[k].id) for k in ("jonas", "anna"))
    assert sorted(query["recommendation_id"]) == sorted(str(world.recs[k].id) for k in ("de1", "de2", "de3"))


def test_without_the_booking_form_a_row_opens_a_prefilled_draft(world, staff_client, monkeypatch):
    monkeypatch.setattr(views, "BOOKING_PAGE", "meetings.not_built_yet")
    page = staff_client.get("/recommendations/plan", query_string={"theme": HEALTH, "cycle": "3"}).get_data(
        as_text=True)
    link = _booking_links(page)[0]
    assert link.startswith("/recommendations/plan/draft?")
    draft = staff_client.get(link).get_data(as_text=True)
    assert "UPR pre-session meeting with Embassy of Germany, Nairobi" in draft
    assert "Jonas Becker" in draft and "Anna Schmidt" in draft
    assert all(ref in draft for ref in ("142.1", "142.2", "142.3"))


def test_a_draft_with_unknown_ids_says_what_to_do(world, staff_client):
    page = staff_client.get("/recommendations/plan/draft?organisation_id=99999&contact_id=abc&recommendation_id=-1")
    assert page.status_code == 200
    assert "No contacts chosen" in page.get_data(as_text=True)


def test_the_plan_exports_as_csv_one_row_per_mission(world, staff_client):
    response = staff_client.get("/recommendations/plan.csv", query_string={"theme": HEALTH, "cycle": "3"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["rank"], r["state_code"], r["place"]) for r in rows] == [
        ("1", "DE", "Nairobi"), ("1", "DE", "Geneva"), ("2", "FR", "Geneva"), ("2", "SE", "Nairobi"),
        ("4", "BR", "Nairobi")]
    assert rows[0]["references"] == "142.1; 142.2; 142.3"
    assert rows[0]["engaged_this_cycle"] == "yes" and rows[2]["engaged_this_cycle"] == "no"
    assert "Jonas Becker <" in rows[0]["contacts"]
    assert rows[0]["last_meeting"].startswith("Tue 10 Mar 2026, 10:00 Nairobi (EAT)")
    assert rows[0]["last_outcome_position"] == ""


def test_no_matching_recommendations_says_what_to_do(world, staff_client):
    page = staff_client.get("/recommendations/plan", query_string={"theme": "Death penalty", "cycle": "2"})
    assert "No recommendation in this cycle has these themes" in page.get_data(as_text=True)


def test_bad_planning_parameters_do_not_break_the_page(world, staff_client):
    response = staff_client.get("/recommendations/plan", query_string={"theme": "Nonsense\x00", "cycle": "zz",
                                                                        "response": "maybe"})
    assert response.status_code == 200


def test_with_the_meetings_booking_form_a_row_opens_it_prefilled(world, staff_client, app):
    if "meetings.new" not in app.view_functions:
        pytest.skip("the Meetings issue's booking form is not in this build")
    page = staff_client.get("/recommendations/plan", query_string={"theme": HEALTH, "cycle": "3"}).get_data(
        as_text=True)
    link = _booking_links(page)[0]
    assert link.startswith("/meetings/new?")
    form = staff_client.get(link)
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert set(chosen_options(html, "required_contact_ids")) == {str(world.contacts[k].id) for k in ("jonas", "anna")}
    assert set(chosen_options(html, "recommendation_ids")) == {str(world.recs[k].id) for k in ("de1", "de2", "de3")}


def test_the_planning_page_links_to_the_meeting_and_the_mission(world, staff_client, app):
    page = staff_client.get("/recommendations/plan", query_string={"theme": HEALTH, "cycle": "3"}).get_data(
        as_text=True)
    if "meetings.show" in app.view_functions:
        assert f'href="/meetings/{world.meetings["de_last"].id}">ARVs with Germany</a>' in page
    if "directory.organisation" in app.view_functions:
        assert f'href="/directory/organisations/{world.orgs["de_nbo"].id}">Embassy of Germany, Nairobi</a>' in page
