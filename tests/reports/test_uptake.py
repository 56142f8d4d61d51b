"""The uptake report: which of the coalition's asks which states took up, and whether a meeting came
first; numbers checked on a small built world, what a reader may not see neither shown nor counted,
its exports read back, its roles."""
from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from engage.asks.models import AskMatch
from engage.cycles.services import create_cycle
from engage.extensions import db
from engage.reports.uptake import uptake_report
from tests import factories
from tests.asks.helpers import make_ask
from tests.conftest import sqlite_only
from tests.outcomes.helpers import make_meeting
from tests.reports.uptake_world import AFTER_REVIEW, REVIEW_ON, UptakeWorld


@pytest.fixture
def dpo_user(app):
    return factories.make_dpo(role="lead", email="dpo-lead@example.org")


@pytest.fixture
def uptake_world(app, lead_user, staff_user, dpo_user):
    return UptakeWorld(lead_user, staff_user, dpo_user)


def _ask(report, ask):
    return next(item for item in report.asks if item.ask.id == ask.id)


def _states(report):
    return {s.state: (s.pitched, s.taken_up, s.after_meeting) for s in report.states}


def test_per_ask_the_states_pitched_their_positions_and_the_states_that_took_it_up(uptake_world, lead_user, now):
    report = uptake_report(None, now, lead_user)
    assert report.cycle.number == 4 and report.cycle.review_on == REVIEW_ON
    assert report.cycle.label == "cycle 4 (UPR 49, Working Group review 20 Nov 2026)"
    assert [item.ask.id for item in report.asks] == [uptake_world.a.id, uptake_world.b.id, uptake_world.c.id]
    a = _ask(report, uptake_world.a)
    # Kenya's ministry was there too, but the state under review never recommends to itself.
    assert [(p.state, p.position_label, p.before_review) for p in a.pitched] == [
        ("DE", "Will make it", True), ("NO", "—", False), ("SE", "Declined", True)]
    assert [(t.state, t.verdict_label, t.after_meeting) for t in a.taken_up] == [
        ("DE", "Taken up in full", True), ("NO", "Taken up in full", False)]
    assert [(r.reference, r.states, r.verdict, r.response_label) for r in a.recommendations] == [
        ("142.1", ["DE", "NO"], "full", "Supported")]                 # Sweden's "not a match" is left out
    assert [p.state for p in a.pitched_not_taken_up] == ["SE"]
    b = _ask(report, uptake_world.b)
    # France was pitched at a restricted meeting the lead may not see; Germany's meeting is still ahead.
    assert b.pitched == []
    assert [(t.state, t.verdict, t.after_meeting) for t in b.taken_up] == [("FR", "partial", False)]
    assert [(r.reference, r.response_label) for r in b.recommendations] == [("142.2", "Noted")]
    c = _ask(report, uptake_world.c)
    assert (c.pitched, c.taken_up, c.recommendations) == ([], [], [])


def test_per_state_and_overall_the_counts_are_those_of_the_lists(uptake_world, lead_user, now):
    report = uptake_report(4, now, lead_user)
    assert _states(report) == {"DE": (1, 1, 1), "NO": (1, 1, 0), "SE": (1, 0, 0), "FR": (0, 1, 0)}
    assert [s.state for s in report.states][:2] == ["DE", "NO"]   # most taken up first, then most pitched
    t = report.totals
    assert (t.asks, t.asks_taken_up, t.asks_taken_up_after_meeting, report.not_taken_up) == (3, 2, 1, 1)
    assert t.pairs == {"pitched_taken_up": 1, "taken_up_without_meeting": 2, "pitched_not_taken_up": 1}
    # Counts equal lists: each state's figures are what the per-ask lists say of it.
    for state in report.states:
        assert state.pitched == sum(any(p.state == state.state for p in i.pitched) for i in report.asks)
        assert state.taken_up == sum(any(u.state == state.state for u in i.taken_up) for i in report.asks)
    themes = {th.name: (th.asks, th.asks_taken_up, th.pairs["pitched_taken_up"], th.pairs["taken_up_without_meeting"],
                        th.pairs["pitched_not_taken_up"]) for th in report.themes}
    assert themes == {"HIV/AIDS": (1, 1, 1, 1, 1), "Right to health": (1, 1, 1, 1, 1), "Mental health": (1, 1, 0, 1, 0),
                      "No theme": (1, 0, 0, 0, 0)}
    assert [th.name for th in report.themes][-1] == "No theme"
    assert uptake_report(3, now, lead_user).totals.asks == 1


def test_a_restricted_meeting_counts_only_for_those_who_may_see_it(uptake_world, lead_user, dpo_user, now):
    seen = uptake_report(4, now, dpo_user)
    b = _ask(seen, uptake_world.b)
    assert [(p.state, p.position_label, p.before_review) for p in b.pitched] == [("FR", "Will make it", True)]
    assert [(t.state, t.after_meeting) for t in b.taken_up] == [("FR", True)]
    assert seen.totals.pairs == {"pitched_taken_up": 2, "taken_up_without_meeting": 1, "pitched_not_taken_up": 1}
    assert _states(seen)["FR"] == (1, 1, 1)
    assert _states(uptake_report(4, now, lead_user))["FR"] == (0, 1, 0)
    uptake_world.let_see_france(lead_user)
    assert _states(uptake_report(4, now, lead_user))["FR"] == (1, 1, 1)


def test_without_a_review_date_any_meeting_so_far_counts(app, lead_user, staff_user, now):
    create_cycle(lead_user, now, {"number": 5})
    ask = make_ask(lead_user, cycle=5, target_states=["DE"])
    org = factories.make_organisation(country="DE")
    meeting = make_meeting(staff_user, [factories.make_contact(org)], AFTER_REVIEW)
    meeting.asks = [ask]
    rec = factories.make_recommendation(cycle=5, reference="101.1", recommending_state="DE")
    db.session.add(AskMatch(ask_id=ask.id, recommendation_id=rec.id, verdict="full", decided_at=now))
    db.session.commit()
    report = uptake_report(5, now, lead_user)
    assert report.cycle.label == "cycle 5 (no Working Group review date yet)"
    assert [(t.state, t.after_meeting) for t in report.asks[0].taken_up] == [("DE", True)]


def test_the_page_shows_the_three_parts_with_charts_and_links_its_files(uptake_world, lead_client, frozen):
    response = lead_client.get("/reports/uptake")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Uptake report" in html and "<h1" in html and "Uptake report</h1>" in html
    assert "cycle 4 (UPR 49, Working Group review 20 Nov 2026)" in html
    assert re.search(r"Of 3 asks in cycle 4,\s*<strong>2</strong> were taken up by at least one state, 1 of them", html)
    assert html.count("<svg") == 3 and html.count('role="img"') == 3 and "cdn" not in html.lower()
    assert 'data-pairs="pitched_not_taken_up">1<' in html
    germany = re.search(r'<tr data-state="DE">(.*?)</tr>', html).group(1)
    assert re.findall(r">(\d+)<", germany) == ["1", "1", "1", "0"]
    sweden = re.search(r'<tr data-state="SE">(.*?)</tr>', html).group(1)
    assert re.findall(r">(\d+)<", sweden) == ["1", "0", "0", "1"]
    asks = html[html.index('id="uptake-asks"'):]
    assert "Germany: Will make it" in asks and "Sweden: Declined" in asks
    assert "Norway: Taken up in full" in asks and "without a meeting first" in asks
    assert "(met 25 Nov 2026, after the review)" in asks and "(met 10 Nov 2026)" in asks
    assert "142.1</a> (Germany, Norway): Taken up in full; Kenya: <strong>Supported</strong>" in asks
    assert 'data-pitched="FR"' not in html and "France, quietly" not in html
    assert "reports-print.css" in html and "data-print" in html
    xlsx = re.search(r'<a [^>]*href="([^"]*uptake\.xlsx[^"]*)"[^>]*>([^<]*)</a>', html)
    assert xlsx.group(1) == "/reports/uptake.xlsx?cycle=4" and "XLSX" in xlsx.group(2)
    assert "/reports/uptake.csv?cycle=4&amp;part=states" in html
    assert 'href="/reports/uptake"' in lead_client.get("/reports/").get_data(as_text=True)   # the reports' tabs


def test_a_bad_cycle_is_refused_naming_it_and_an_empty_cycle_says_so(uptake_world, lead_client, frozen):
    bad = lead_client.get("/reports/uptake?cycle=four")
    assert bad.status_code == 400 and "Choose a cycle from 1 to 99" in bad.get_data(as_text=True)
    assert lead_client.get("/reports/uptake.xlsx?cycle=0").status_code == 400
    assert lead_client.get("/reports/uptake.csv?part=everything").status_code == 400
    empty = lead_client.get("/reports/uptake?cycle=7").get_data(as_text=True)
    assert "Cycle 7 has no asks." in empty
    make_ask(uptake_world.lead, cycle=7, themes=[], target_states=["DE"])
    none_yet = lead_client.get("/reports/uptake?cycle=7").get_data(as_text=True)
    assert "none has been taken up by a state yet" in none_yet and 'href="/asks/matches?cycle=7"' in none_yet


def _csv(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_csv_files_read_back(uptake_world, lead_client, frozen):
    response = lead_client.get("/reports/uptake.csv?cycle=4")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "engage-uptake-cycle-4-asks-" in response.headers["Content-Disposition"]
    asks = {int(r["ask_id"]): r for r in _csv(response)}
    a = asks[uptake_world.a.id]
    assert a["states_pitched"] == "Germany; Norway; Sweden" and a["positions"] == "Germany: Will make it; Sweden: Declined"
    assert a["states_taken_up"] == "Germany (taken up in full); Norway (taken up in full)"
    assert a["recommendations"] == "142.1 (Germany, Norway): Taken up in full, Supported"
    assert (a["pitched"], a["taken_up"], a["taken_up_after_meeting"]) == ("3", "2", "1")
    states = {r["state"]: r for r in _csv(lead_client.get("/reports/uptake.csv?cycle=4&part=states"))}
    assert states["SE"]["pitched_not_taken_up"] == "1" and states["FR"]["asks_taken_up"] == "1"
    themes = _csv(lead_client.get("/reports/uptake.csv?cycle=4&part=themes"))
    assert themes[-1]["theme"] == "All asks" and themes[-1]["asks_taken_up"] == "2"


def test_the_xlsx_reads_back_with_a_sheet_per_part(uptake_world, lead_client, frozen):
    response = lead_client.get("/reports/uptake.xlsx?cycle=4")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    assert book.sheetnames == ["Per ask", "Per state", "By theme"]
    rows = list(book["Per state"].iter_rows(values_only=True))
    assert rows[0] == ("state", "state_name", "asks_pitched", "asks_taken_up", "taken_up_after_meeting",
                       "pitched_not_taken_up")
    assert {r[0]: r[2:] for r in rows[1:]} == {"DE": (1, 1, 1, 0), "NO": (1, 1, 0, 0), "FR": (0, 1, 0, 0),
                                               "SE": (1, 0, 0, 1)}
    asks = list(book["Per ask"].iter_rows(values_only=True))
    assert len(asks) == 4 and asks[1][0] == uptake_world.a.id
    themes = {r[0]: r[1:] for r in list(book["By theme"].iter_rows(values_only=True))[1:]}
    assert themes["All asks"] == (3, 2, 1, 1, 2, 1)


def test_the_report_as_pdf(uptake_world, lead_client, frozen):
    from engage.pdf import pdf_available
    if not pdf_available():
        pytest.skip("WeasyPrint or Pango is not installed")
    response = lead_client.get("/reports/uptake.pdf?cycle=4")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data()[:5] == b"%PDF-"


def test_the_asks_and_cycle_pages_link_to_it_for_leads(uptake_world, lead_client, staff_client, frozen):
    for url in ("/asks/", f"/asks/{uptake_world.a.id}", "/asks/matches?cycle=4", "/cycles/4"):
        assert "/reports/uptake" in lead_client.get(url).get_data(as_text=True), url
        assert "/reports/uptake" not in staff_client.get(url).get_data(as_text=True), url


@sqlite_only
@pytest.mark.parametrize("url", ["/reports/uptake", "/reports/uptake.csv", "/reports/uptake.xlsx",
                                 "/reports/uptake.pdf"])
def test_staff_are_refused_the_report(app, staff_client, url):
    assert staff_client.get(url).status_code == 403


def test_admins_read_it(uptake_world, admin_client, frozen):
    assert admin_client.get("/reports/uptake").status_code == 200


def test_the_uptake_report_in_french(uptake_world, lead_user, lead_client, frozen):
    lead_user.language = "fr"
    db.session.commit()
    html = lead_client.get("/reports/uptake").get_data(as_text=True)
    assert "<title>Rapport de reprise" in html or "<title>Rapport de suivi" in html
    assert "cycle 4 (EPU 49, examen par le Groupe de travail le 20 nov. 2026)" in html
    assert re.search(r"Sur 3 demandes du cycle 4,\s*<strong>2</strong> ont été reprises par au moins un État, dont 1", html)
    asks = html[html.index('id="uptake-asks"'):]
    assert "Germany: La formulera" in asks and "Sweden: Refusée" in asks
    assert "(rencontré le 25 nov. 2026, après l’examen)" in asks and "(rencontré le 10 nov. 2026)" in asks
    assert "sans réunion préalable" in asks
    assert ">Ce qu’a donné chaque présentation, par thème</title>" in html
    assert ">Présentée, puis reprise</text>" in html and "CSV : par état" in html
    assert "Pitched, then taken up" not in html and "Of 3 asks" not in html
    # The workbook's sheets keep their English names.
    book = load_workbook(io.BytesIO(lead_client.get("/reports/uptake.xlsx?cycle=4").get_data()), read_only=True)
    assert book.sheetnames == ["Per ask", "Per state", "By theme"]
