"""Reports: coverage cells on a hand-made world, exports read back, the dashboard, summaries, role rules."""
import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from engage.extensions import db
from engage.outcomes import services
from engage.reports import queries
from engage.recommendations.models import Theme
from tests.outcomes.helpers import make_meeting
from tests.conftest import sqlite_only


def _statuses(cov):
    names = dict(cov.columns)
    return {(row.state, names[key]): cell.status for row in cov.rows for key, cell in row.cells.items()}


def test_coverage_cells_engaged_commitment_and_not_engaged(world, now):
    cov = queries.coverage(now)
    assert cov.since == date(2025, 1, 1)
    assert [label for _key, label in cov.columns] == ["Education", "HIV/AIDS", "Right to health"]
    assert _statuses(cov) == {
        ("DE", "HIV/AIDS"): "commitment", ("DE", "Right to health"): "commitment",
        ("DE", "Education"): "not_engaged",        # met, but the recommendation was not discussed
        ("FR", "HIV/AIDS"): "engaged",             # discussed, undecided, nothing promised
        ("SE", "Right to health"): "not_engaged",  # never met
        ("BR", "HIV/AIDS"): "not_engaged",         # met before this cycle began
    }
    cell = next(r for r in cov.rows if r.state == "DE").cells[
        next(k for k, label in cov.columns if label == "HIV/AIDS")]
    assert (cell.recommendations, cell.discussed, cell.commitments) == (1, 1, 1)
    assert sorted(r.state for r in cov.unmet_states) == ["BR", "SE"]
    assert cov.counts() == {"commitment": 1, "engaged": 1, "not_engaged": 2}


def test_coverage_for_one_theme_by_recommendation_and_since_another_date(world, now):
    hiv = db.session.scalar(db.select(Theme).where(Theme.name == "HIV/AIDS"))
    cov = queries.coverage(now, theme_ids=[hiv.id], by="recommendation")
    assert [(row.label, row.cells["all"].status) for row in cov.rows] == [
        ("139.9 (Brazil)", "not_engaged"), ("142.40 (France)", "engaged"), ("142.15 (Germany)", "commitment")]
    older = queries.coverage(now, since=date(2024, 1, 1), theme_ids=[hiv.id])
    assert _statuses(older)[("BR", "HIV/AIDS")] == "commitment"
    assert older.unmet_states == []
    cycle3 = queries.coverage(now, cycle=3)
    assert {row.state for row in cycle3.rows} == {"DE", "BR"}


def test_logging_an_outcome_changes_the_matrix(world, now):
    meeting = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 27, 8, 0, tzinfo=UTC),
                           [world.recs["se_health"]])
    services.log_meeting_outcomes(world.staff, now, meeting, "Sweden is keen.", None,
                                  [{"recommendation_id": world.recs["se_health"].id, "position": "supportive"}])
    db.session.commit()
    cov = queries.coverage(now)
    assert _statuses(cov)[("SE", "Right to health")] == "engaged"
    assert "SE" not in {r.state for r in cov.unmet_states}


def test_the_coverage_page_links_cells_to_their_outcomes(world, lead_client, frozen):
    html = lead_client.get("/reports/coverage").get_data(as_text=True)
    assert "<h1" in html and "Coverage" in html
    assert "1 commitment secured" in html and "2 not engaged" in html
    link = re.search(r'href="(/outcomes/\?[^"]*state=FR[^"]*)"', html).group(1).replace("&amp;", "&")
    listed = lead_client.get(link).get_data(as_text=True)
    assert "France is still consulting" in listed and "<strong>1</strong> outcome," in listed
    unmet = html[html.index("States nobody has met"):]
    assert "Sweden" in unmet and "Brazil" in unmet and "France" not in unmet
    by_rec = lead_client.get("/reports/coverage?theme=HIV%2FAIDS&by=recommendation").get_data(as_text=True)
    assert "142.40 (France)" in by_rec
    bad = lead_client.get("/reports/coverage?by=recommendation")
    assert bad.status_code == 400 and "Choose exactly one theme" in bad.get_data(as_text=True)
    assert lead_client.get("/reports/coverage?theme=Astrology").status_code == 400
    assert lead_client.get("/reports/coverage?since=yesterday").status_code == 400


def _csv_rows(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_log_exports_as_csv_with_the_filters(world, lead_client, frozen):
    response = lead_client.get("/reports/log.csv?theme=HIV%2FAIDS&sort=date")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    assert [r["recommendation"] for r in rows] == ["139.9", "142.15", "142.40"]
    germany = rows[1]
    assert germany["position"] == "supportive" and germany["position_label"] == "Supportive"
    assert germany["themes"] == "HIV/AIDS; Right to health"
    assert germany["commitment"] == "Will make a recommendation on HIV key populations"
    assert germany["meeting_date"] == "2026-11-10" and germany["meeting_time"] == "10:00 EAT"
    assert germany["organisation"] == "Embassy of Germany, Nairobi"
    assert germany["logged_by"] == "staff@example.org"
    france = rows[2]
    assert france["meeting_time"] == "10:00 CET" and france["recommending_state_name"] == "France"
    assert len(_csv_rows(lead_client.get("/reports/log.csv"))) == 7


def test_the_log_exports_as_xlsx_that_reads_back(world, lead_client, frozen):
    response = lead_client.get("/reports/log.xlsx?state=DE")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet = book["Engagement log"]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[0] == "outcome_id" and "logged_at (UTC)" in header
    assert len(body) == 2
    record = [dict(zip(header, r)) for r in body]
    assert {r["recommendation"]: r["position"] for r in record} == {"142.15": "supportive", "138.2": "not_discussed"}
    assert all(r["recommending_state"] == "DE" for r in record)
    assert record[0]["meeting_date"] == datetime(2026, 11, 10)  # a real date cell, not text


def test_exported_cells_cannot_run_as_formulas(world, lead_client, frozen, now):
    services.update_outcome(world.staff, now, world.outcomes["de_hiv"], {"notes": "=HYPERLINK(\"http://x\")"})
    db.session.commit()
    rows = _csv_rows(lead_client.get("/reports/log.csv?state=DE&position=supportive"))
    assert rows[0]["notes"].startswith("'=")
    book = load_workbook(io.BytesIO(lead_client.get("/reports/log.xlsx?state=DE&position=supportive").get_data()))
    header = [c.value for c in book.active[1]]
    assert book.active[2][header.index("notes")].value.startswith("'=")


def test_the_coverage_matrix_exports_as_csv_and_xlsx(world, lead_client, frozen):
    rows = _csv_rows(lead_client.get("/reports/coverage.csv"))
    by_state = {r["recommending_state"]: r for r in rows}
    assert set(by_state) == {"DE", "FR", "SE", "BR"}
    assert by_state["DE"]["HIV/AIDS: status"] == "Commitment secured"
    assert by_state["DE"]["HIV/AIDS: commitments"] == "1"
    assert by_state["FR"]["HIV/AIDS: status"] == "Engaged"
    assert by_state["SE"]["HIV/AIDS: status"] == "no recommendations"
    assert by_state["BR"]["state_met_this_cycle"] == "no"
    book = load_workbook(io.BytesIO(lead_client.get("/reports/coverage.xlsx").get_data()), read_only=True)
    assert len(list(book["Coverage"].iter_rows(values_only=True))) == 5
    unmet = [r[0] for r in list(book["Not met this cycle"].iter_rows(values_only=True))[1:]]
    assert sorted(unmet) == ["BR", "SE"]


def test_the_dashboard_shows_the_overdue_follow_up_and_charts_with_their_numbers(world, lead_client, frozen):
    response = lead_client.get("/reports/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<h1" in html and "Dashboard" in html
    assert 'id="figure-overdue">1<' in html
    overdue = html[html.index("overdue-heading"):html.index("weeks-heading")]
    assert "Send France the shadow report" in overdue and "25 Nov 2026" in overdue
    assert 'id="figure-commitments">1<' in html          # Brazil's was before this cycle
    assert 'id="figure-engaged">2<' in html and 'id="figure-not-engaged">2<' in html
    assert html.count('<svg') == 4 and html.count('role="img"') == 4 and "cdn" not in html.lower()
    positions = html[html.index("positions-heading"):html.index("commitments-heading")]
    hiv_row = re.search(r"HIV/AIDS</a></th>((?:<td[^>]*>\d+</td>)+)", positions).group(1)
    # Supportive, will raise, undecided, opposed, not discussed, commitments
    assert re.findall(r">(\d+)<", hiv_row) == ["1", "0", "1", "0", "0", "1"]
    weeks = html[html.index("weeks-heading"):html.index("positions-heading")]
    assert "<td>9 Nov 2026</td><td class=\"text-end\">1</td>" in weeks   # the German meeting's week


def test_printable_summaries_per_theme_and_state(world, lead_client, frozen):
    html = lead_client.get("/reports/summary?theme=HIV%2FAIDS").get_data(as_text=True)
    assert "Engagement summary: HIV/AIDS" in html and "reports-print.css" in html
    assert "Will make a recommendation on HIV key populations" in html
    assert "Co-sponsor a statement" not in html                 # before this cycle
    assert re.search(r"States not met this cycle</h2>\s*<p>Brazil</p>", html)
    state = lead_client.get("/reports/summary?state=France").get_data(as_text=True)
    assert "Engagement summary: France" in state and "142.40" in state and "Undecided (20 Nov 2026)" in state
    assert lead_client.get("/reports/summary?theme=Astrology").status_code == 404
    assert "Choose a theme or a recommending state" in lead_client.get("/reports/summary").get_data(as_text=True)


def test_the_summary_as_pdf(world, lead_client, frozen):
    from engage.pdf import pdf_available
    if not pdf_available():
        pytest.skip("WeasyPrint or Pango is not installed")
    response = lead_client.get("/reports/summary.pdf?theme=HIV%2FAIDS")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data()[:5] == b"%PDF-"
    assert lead_client.get("/reports/summary.pdf").status_code == 400


@sqlite_only
@pytest.mark.parametrize("url", ["/reports/", "/reports/coverage", "/reports/coverage.xlsx", "/reports/log.csv",
                                 "/reports/log.xlsx", "/reports/summary?theme=HIV%2FAIDS"])
def test_staff_are_refused_reports(world, staff_client, url):
    assert staff_client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/reports/", "/reports/coverage", "/reports/log.csv"])
def test_admins_see_reports(world, admin_client, url):
    response = admin_client.get(url)
    response.get_data()   # a streamed export keeps its request open until it is read
    response.close()
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/reports/", "/reports/coverage", "/reports/log.csv"])
def test_strangers_are_sent_to_sign_in(world, client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_see_the_log_and_follow_ups_but_no_reports_link(world, staff_client):
    assert staff_client.get("/outcomes/").status_code == 200
    assert staff_client.get("/outcomes/follow-ups").status_code == 200
    html = staff_client.get("/outcomes/").get_data(as_text=True)
    assert 'href="/reports/"' not in html
