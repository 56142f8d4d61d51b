"""Outcomes on the coalition's asks, where outcomes are listed beside those on recommendations: the
meeting's outcome table, the engagement log and its export show the ask (linked) and the ask's
position, never "Overall"; the dashboard and report aggregates keep them apart from the overall
summaries."""
from __future__ import annotations

import csv
import io
import re

import pytest

from engage.extensions import db
from engage.outcomes import services
from engage.reports import queries
from tests.asks.helpers import make_ask
from tests.outcomes.helpers import WHEN


@pytest.fixture
def on_ask(world):
    """Germany's meeting with an ask on its agenda and Germany's position on it: will make it, with a commitment."""
    ask = make_ask(world.lead, cycle=5, text="Allocate 15% of the national budget to health, as pledged in Abuja")
    meeting = world.meetings["de"]
    meeting.asks = [ask]
    outcome = services.create_outcome(world.staff, WHEN, meeting, {
        "ask_id": ask.id, "position": "will_make", "summary": "Germany will make the Abuja recommendation",
        "commitment": "Recommend the Abuja target in the review", "organisation_id": world.orgs["de"].id})
    db.session.commit()
    return ask, outcome


def _row_with(html: str, text: str) -> str:
    """The table row (<tr>…</tr>) of `html` that holds `text`."""
    rows = [row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if text in row]
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize("path", ["/meetings/{id}", "/outcomes/meetings/{id}"])
def test_the_meetings_outcome_table_shows_the_ask_and_its_position(world, on_ask, staff_client, frozen, path):
    ask, _ = on_ask
    html = staff_client.get(path.format(id=world.meetings["de"].id)).get_data(as_text=True)
    row = _row_with(html, "Germany will make the Abuja recommendation")
    assert f'href="/asks/{ask.id}"' in row and f"Ask {ask.id}" in row and "Allocate 15% of the national" in row
    assert "Will make it" in row and "text-bg-success" in row
    assert "Overall" not in row
    # The overall summary is still the one row that says so, and comes first; the ask's comes last.
    assert "Good meeting on key populations." in _row_with(html, "Overall")
    table = html[html.index('id="meeting-outcomes-heading"'):]
    assert table.index("Overall") < table.index("142.15") < table.index(f"Ask {ask.id}<")


def test_the_engagement_log_shows_the_ask_and_its_position(world, on_ask, staff_client, frozen):
    ask, _ = on_ask
    html = staff_client.get("/outcomes/").get_data(as_text=True)
    row = _row_with(html, "Germany will make the Abuja recommendation")
    assert f'href="/asks/{ask.id}"' in row and f"Ask {ask.id}" in row and "cycle 5" in row
    assert "Will make it" in row and "Overall" not in row
    # An ask's cycle is a cycle the log filters by: the world's recommendations are of cycles 3 and 4.
    assert '<option value="5">Cycle 5</option>' in html  # offered for the ask's sake: no recommendation is of cycle 5
    html = staff_client.get("/outcomes/?cycle=5").get_data(as_text=True)
    assert "Germany will make the Abuja recommendation" in html and ">142.15</a>" not in html


def test_the_log_export_names_the_ask(world, on_ask, lead_client, frozen):
    ask, _ = on_ask
    text = lead_client.get("/reports/log.csv").get_data(as_text=True)
    rows = {r["outcome_id"]: r for r in csv.DictReader(io.StringIO(text[1:]))}
    row = rows[str(on_ask[1].id)]
    assert row["ask_id"] == str(ask.id) and row["ask"].startswith("Allocate 15%")
    assert row["cycle"] == "5" and row["recommendation"] == ""
    assert row["position"] == "will_make" and row["position_label"] == "Will make it"
    overall = rows[str(world.outcomes["de_overall"].id)]
    assert overall["ask_id"] == "" and overall["ask"] == ""


def test_aggregates_count_outcomes_on_asks_apart_from_overall_summaries(world, on_ask, staff_user):
    since = WHEN.date().replace(year=2025, month=1, day=1)
    commitments = queries.commitments_by_recommendation(since, actor=staff_user)
    assert None not in commitments and commitments[world.recs["de_hiv"].id] == 1
    assert queries.commitments_on_asks(since, actor=staff_user) == 1


def test_the_dashboard_counts_commitments_on_asks_apart(world, on_ask, lead_client, frozen):
    html = lead_client.get("/reports/").get_data(as_text=True)
    assert 'id="figure-commitments">1<' in html
    assert "and 1 on our asks" in html


def test_the_logs_position_filter_offers_the_asks_positions(world, on_ask, staff_client, staff_api, frozen):
    html = staff_client.get("/outcomes/").get_data(as_text=True)
    select = html[html.index('id="position"'):]
    select = select[:select.index("</select>")]
    group = select[select.index('<optgroup label="On asks">'):select.index("</optgroup>")]
    assert [label for label in re.findall(r">([^<]+)</option>", group)] == [
        "Will make it", "Will consider it", "Prefers other wording", "Declined"]
    assert select.count('value="not_discussed"') == 1  # the same key for both: offered once
    html = staff_client.get("/outcomes/?position=will_make").get_data(as_text=True)
    assert 'value="will_make" selected' in html
    assert "Germany will make the Abuja recommendation" in html and ">142.15</a>" not in html
    assert "No outcomes match" in staff_client.get("/outcomes/?position=declined").get_data(as_text=True)
    listed = staff_api.get("/api/v1/outcomes?position=will_make").get_json()
    assert [o["id"] for o in listed["items"]] == [on_ask[1].id]
    refused = staff_api.get("/api/v1/outcomes?position=great")
    assert refused.status_code == 422 and "will_make" in refused.get_json()["error"]["fields"]["position"][0]
