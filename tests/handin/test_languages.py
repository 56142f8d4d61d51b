"""The reports to hand in, in the user's language: a French-speaking lead reads the hand-in pages in
French and downloads a mid-term report (.docx and PDF) whose headings, labels, statuses and dates engage
words in French (« Rapport à mi-parcours », « État de mise en œuvre »); what the report quotes stays as
written; an English-speaking lead still gets English."""
from __future__ import annotations

import io
import re

import pytest
from docx import Document

from engage.extensions import db
from engage.handin.models import ReportDraft
from engage.implementation import services as implementation
from engage.pdf import pdf_available
from tests.conftest import NOW
from tests.handin.test_pages import docx_text, recs  # noqa: F401 - the fixture


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _draft(client, lead_user, recs):  # noqa: F811 - the fixture's value
    one, two, _other = recs
    implementation.create_assessment(lead_user, NOW, {
        "recommendation_id": two.id, "assessed_on": "2026-10-01", "status": "partially_implemented",
        "evidence": "The budget share rose to 9 per cent.", "source_kind": "government_report",
        "source_detail": "Budget statement 2026"})
    db.session.commit()
    page = client.get("/handin/midterm/new").get_data(as_text=True)
    answer = client.post("/handin/midterm/new", data={
        "csrf_token": _csrf(page), "cycle": "3", "themes": ["Right to health"],
        "coalition": "Kenya Health Rights Coalition", "period_from": "2023-01-01", "period_to": "2026-11-28"})
    assert answer.status_code == 302
    return db.session.query(ReportDraft).one(), answer


def _french(user):
    user.language = "fr"
    db.session.commit()


def test_a_french_speaking_lead_reads_the_hand_in_pages_in_french(lead_client, lead_user, recs):  # noqa: F811
    _french(lead_user)
    page = lead_client.get("/handin/").get_data(as_text=True)
    assert "Rapports à remettre" in page and "Nouveau rapport à mi-parcours" in page and "Vos projets" in page
    assert '<h1 class="h3">Reports to hand in' not in page  # (the reports' tabs are another page's)
    page = lead_client.get("/handin/midterm/new").get_data(as_text=True)
    assert "Coalition ou organisation" in page and "Établir le projet" in page
    refused = lead_client.post("/handin/midterm/new", data={
        "csrf_token": _csrf(page), "cycle": "3", "coalition": "Kenya Health Rights Coalition",
        "period_from": "2026-01-01", "period_to": "2025-01-01"})
    assert refused.status_code == 422 and "La période se termine avant de commencer." in refused.get_data(as_text=True)

    draft, answer = _draft(lead_client, lead_user, recs)
    page = lead_client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Le projet est enregistré" in page  # the flash
    assert "3. Mise en œuvre des recommandations" in page and "Recommandation 142.2" in page
    assert "Partiellement mise en œuvre" in page and "évaluée le 1 octobre 2026" in page
    assert "The budget share rose to 9 per cent." in page  # the evidence as staff wrote it
    assert "Le présent rapport à mi-parcours est soumis par Kenya Health Rights Coalition." in page
    assert draft.title == "Rapport à mi-parcours, cycle 3 : Kenya Health Rights Coalition"
    listed = lead_client.get("/handin/").get_data(as_text=True)
    assert re.search(r"enregistré le \d+ \w+ \d{4} à \d\d:\d\d UTC", listed)  # the draft's date in French


def test_a_french_speaking_leads_midterm_report_is_french_where_engage_words_it(lead_client, lead_user, recs):  # noqa: F811
    _french(lead_user)
    draft, _answer = _draft(lead_client, lead_user, recs)
    data = lead_client.get(f"/handin/drafts/{draft.id}/report.docx")
    assert data.status_code == 200
    doc = Document(io.BytesIO(data.data))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading") or p.style.name == "Title"]
    assert "Rapport à mi-parcours sur la mise en œuvre des recommandations du 3e cycle" in headings
    assert [h for h in headings if h[:2] in ("1.", "2.", "3.", "4.")] == [
        "1. Introduction", "2. Méthodologie", "3. Mise en œuvre des recommandations",
        "4. Synthèse de l’état de mise en œuvre"]
    assert "Recommandation 142.2" in headings and "Sources" in headings
    rows = {row.cells[0].text: row.cells[1].text for table in doc.tables for row in table.rows}
    assert rows["État de mise en œuvre"] == "Partiellement mise en œuvre (évaluée le 1 octobre 2026)"
    assert rows["Recommandée par"] == "Allemagne"  # the state's name in French (CLDR)
    assert "Ministères et organismes responsables" in rows
    text = docx_text(data.data)
    assert "Période couverte : 1 janvier 2023 – 28 novembre 2026" in text
    assert "Soumis par Kenya Health Rights Coalition" in text
    assert "Rapport du gouvernement : Budget statement 2026" in text  # the source: its kind in French, its title as typed
    assert "Raise the health budget to 15 per cent" in text  # the recommendation as made
    assert "Period covered" not in text and "Methodology" not in text

    pdf = lead_client.get(f"/handin/drafts/{draft.id}/report.pdf")
    if not pdf_available():
        pytest.skip("PDF output needs WeasyPrint and Pango")
    from pypdf import PdfReader

    words = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Rapport à mi-parcours sur la mise en œuvre des recommandations du 3e cycle" in words
    assert "2. Méthodologie" in words and "État de mise en œuvre" in words and "Partiellement mise en œuvre" in words
    assert "Methodology" not in words


def test_an_english_speaking_lead_still_gets_english(lead_client, lead_user, recs):  # noqa: F811
    lead_user.language = "en"
    db.session.commit()
    draft, _answer = _draft(lead_client, lead_user, recs)
    page = lead_client.get(f"/handin/drafts/{draft.id}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "3. Implementation of the recommendations" in page and "Partially implemented" in page
    text = docx_text(lead_client.get(f"/handin/drafts/{draft.id}/report.docx").data)
    assert "Mid-term report on the implementation of the 3rd cycle recommendations" in text
    assert "Period covered: 1 January 2023 – 28 November 2026" in text and "Période" not in text
