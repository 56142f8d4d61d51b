"""The documents written from a report's plain data, read back with python-docx (no database)."""
from __future__ import annotations

import io
from datetime import date

from docx import Document

from engage.handin.content import Cluster, Evidence, Item, Report, Source, ordinal
from engage.handin.documents import annex_docx, midterm_docx
from tests.handin.test_pages import docx_text

MEETING = Source("Meeting with Ministry of Health, 7 December 2026")
REPORT_LINK = Source("Kenya Health Sector Report 2025", "https://www.health.go.ke/report-2025")
SECRET = Source("Meeting with Ministry of Interior, 1 December 2026", restricted=True)


def _report(**values) -> Report:
    items = [
        Item(1, "142.1", "Ratify the Optional Protocol to ICESCR", ["PT", "ES"], "supported",
             evidence=Evidence("in_progress", "In progress", date(2026, 12, 7), "A bill is before cabinet.",
                               sources=[MEETING, REPORT_LINK])),
        Item(2, "142.2", "Raise the health budget to 15 per cent", ["DE"], "noted",
             evidence=Evidence("regressed", "Regressed", date(2026, 12, 1), "The share fell to 6 per cent.",
                               restricted=True, sources=[SECRET, MEETING]), comment="Restore the budget."),
        Item(3, "142.3", "Adopt a mental health law", ["FR"], "supported"),
    ]
    report = Report(kind="midterm", coalition="Kenya Health Rights Coalition", cycle=4, state_under_review="KE",
                    period_from=date(2024, 1, 1), period_to=date(2026, 12, 31), made_on=date(2026, 12, 8),
                    items=items, **values)
    report.number_sources()
    return report


def test_sources_are_numbered_once_and_the_evidence_refers_to_them():
    report = _report()
    assert [s.shown for s in report.sources] == [
        "Meeting with Ministry of Health, 7 December 2026",
        "Kenya Health Sector Report 2025: https://www.health.go.ke/report-2025",
        "Meeting with Ministry of Interior, 1 December 2026 (Restricted)"]
    assert report.items[0].evidence.source_numbers == [1, 2]
    assert report.items[1].evidence.source_numbers == [1, 3]


def test_the_midterm_docx_has_the_guides_sections_and_a_table_per_recommendation():
    data = midterm_docx(_report(introduction="Our introduction.\n\nIts second paragraph."))
    doc = Document(io.BytesIO(data))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["1. Introduction", "2. Methodology", "3. Implementation of the recommendations",
                        "Recommendation 142.1", "Recommendation 142.2", "Recommendation 142.3",
                        "4. Summary of the status of implementation", "Sources"]
    first = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert first["Recommendation"] == "Ratify the Optional Protocol to ICESCR"
    assert first["Recommended by"] == "Portugal, Spain"
    assert first["Response of Kenya"] == "Supported"
    assert first["Status of implementation"] == "In progress (assessed 7 December 2026)"
    assert first["Evidence"] == "A bill is before cabinet. [1][2]"
    second = {row.cells[0].text: row.cells[1].text for row in doc.tables[1].rows}
    assert second["Evidence"] == "[Restricted] The share fell to 6 per cent. [1][3]"
    assert second["Comment of Kenya Health Rights Coalition"] == "Restore the budget."
    third = {row.cells[0].text: row.cells[1].text for row in doc.tables[2].rows}
    assert third["Status of implementation"] == "No information"
    summary = [[c.text for c in row.cells] for row in doc.tables[3].rows]
    assert summary == [["Status", "Recommendations"], ["In progress", "1"], ["Regressed", "1"], ["No information", "1"]]
    text = docx_text(data)
    assert "Kenya Health Rights Coalition" in text.splitlines()[0]
    assert "Period covered: 1 January 2024 – 31 December 2026" in text
    assert "Our introduction.\nIts second paragraph." in text
    assert "[3] Meeting with Ministry of Interior, 1 December 2026 (Restricted)" in text


def test_recommendations_in_clusters_are_grouped_with_the_clusters_comment():
    report = _report()
    report.items[0].cluster_id = report.items[2].cluster_id = 9
    report.clusters = {9: Cluster(9, "Health legislation", "Laws on health rights", "Pass both laws this year.")}
    doc = Document(io.BytesIO(midterm_docx(report)))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[3:8] == [("Heading 2", "Cluster: Health legislation"), ("Heading 3", "Recommendation 142.1"),
                             ("Heading 3", "Recommendation 142.3"), ("Heading 2", "Other recommendations"),
                             ("Heading 3", "Recommendation 142.2")]
    assert "Comment of Kenya Health Rights Coalition: Pass both laws this year." in docx_text(midterm_docx(report))


def test_the_annex_is_one_table_row_per_recommendation():
    report = _report()
    report.kind = "annex"
    doc = Document(io.BytesIO(annex_docx(report)))
    assert doc.sections[0].page_width > doc.sections[0].page_height  # landscape, for five columns
    rows = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert rows[0] == ["Ref.", "Recommendation", "Response", "Status", "Evidence"]
    assert rows[1] == ["142.1", "Ratify the Optional Protocol to ICESCR (Portugal, Spain)", "Supported",
                       "In progress (assessed 7 December 2026)", "A bill is before cabinet. [1][2]"]
    assert rows[2][4].startswith("[Restricted] ")
    assert rows[3][3:] == ["No information", "No assessment in the period."]
    assert report.title == "Annex: implementation of the recommendations of the 4th cycle"


def test_ordinals():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]
