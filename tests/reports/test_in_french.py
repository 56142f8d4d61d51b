"""The reports in French for a French-speaking lead: the dashboard and its charts, coverage, the printable
summary and its PDF (the uptake report in French: test_uptake.py); the exports stay English (a contract for other tools), and an
English-speaking lead still reads English."""
from __future__ import annotations

import csv
import io
import re
import unicodedata

import pytest

from engage.extensions import db


def _in_french(user):
    user.language = "fr"
    db.session.commit()


def _chart(html: str, chart_id: str) -> str:
    start = html.index(f'aria-labelledby="{chart_id}-title')
    return html[start:html.index("</svg>", start)]


def test_the_dashboard_and_its_charts_in_french(world, lead_client, frozen):
    _in_french(world.lead)
    html = lead_client.get("/reports/").get_data(as_text=True)
    assert '<html lang="fr"' in html and '<h1 class="h3">Tableau de bord</h1>' in html
    shown = html[html.index('id="engagement-cycle"'):html.index('id="cycle-setting-hint"')]
    assert "Affichage : cycle 5 (" in shown and "1 janv. 2025" in shown and "Nous sommes le 28 nov. 2026" in shown
    for words in ("Engagements obtenus", "États sans échange pour l’instant", "Suivis en retard", "Réunions par semaine",
                  "Positions par thème", "Synthèse imprimable", "Reprise de nos demandes"):
        assert words in html, words
    weeks = _chart(html, "weeks")
    assert "Réunions par semaine (semaines de Nairobi, à partir du lundi)" in weeks
    assert ">Tenues ou commencées</text>" in weeks and ">Prévues</text>" in weeks
    assert "Semaine du 9 nov. : 1 tenues ou commencées" in weeks   # the German meeting's week, named in French
    positions = _chart(html, "positions")
    assert "Positions par thème ce cycle" in positions and ">Favorable</text>" in positions and ">Indécis</text>" in positions
    assert "HIV/AIDS: 1 favorable" in positions        # the theme's name as typed, the position in French
    states = _chart(html, "states")
    assert ">Échange engagé</text>" in states and ">Pas encore d’échange</text>" in states
    # The table beside the chart has the same numbers under French headings.
    table = html[html.index("positions-heading"):html.index("commitments-heading")]
    assert '<th scope="col" class="text-end">Favorable</th>' in table and "Engagements</th>" in table
    for english in ("Dashboard", "Held or started", "Supportive", "Positions by theme", "Overdue follow-ups"):
        assert english not in html, english


def test_coverage_in_french(world, lead_client, frozen):
    _in_french(world.lead)
    html = lead_client.get("/reports/coverage").get_data(as_text=True)
    assert '<h1 class="h3">Couverture</h1>' in html and "Matrice de couverture" in html
    assert ">Engagement obtenu</a>" in html and ">Échange engagé</a>" in html
    assert "<strong>4</strong> États totalisant <strong>5</strong> recommandations" in html
    assert "Ordre des lignes :</strong> les États ayant le plus de recommandations" in html
    assert "États que personne n’a rencontrés ce cycle" in html and "<td>Non</td>" in html
    assert "Commitment secured" not in html and "Met this cycle" not in html
    by_recommendation = lead_client.get("/reports/coverage?by=recommendation&theme=HIV%2FAIDS").get_data(as_text=True)
    assert '<th scope="col">Statut</th>' in by_recommendation


def test_a_bad_coverage_choice_is_refused_in_french(world, lead_client, frozen):
    _in_french(world.lead)
    response = lead_client.get("/reports/coverage?by=recommendation")
    assert response.status_code == 400
    assert "Choisissez un seul thème pour voir ses recommandations." in response.get_data(as_text=True)


def test_the_exports_stay_english_for_a_french_reader(world, lead_client, frozen):
    _in_french(world.lead)
    text = lead_client.get("/reports/coverage.csv").get_data(as_text=True)
    rows = {r["recommending_state"]: r for r in csv.DictReader(io.StringIO(text[1:]))}
    assert rows["DE"]["HIV/AIDS: status"] == "Commitment secured" and rows["FR"]["HIV/AIDS: status"] == "Engaged"
    text = lead_client.get("/reports/log.csv?state=DE").get_data(as_text=True)
    labels = {r["position"]: r["position_label"] for r in csv.DictReader(io.StringIO(text[1:]))}
    assert labels["supportive"] == "Supportive" and labels["not_discussed"] == "Not discussed"
    assert "Favorable" not in text and "Engagement obtenu" not in text


def test_the_printable_summary_in_french(world, lead_client, frozen):
    _in_french(world.lead)
    html = lead_client.get("/reports/summary?state=France").get_data(as_text=True)
    assert "Synthèse des échanges : France" in html and "Positions par recommandation" in html
    assert "Indécis (20 nov. 2026)" in html
    theme = lead_client.get("/reports/summary?theme=HIV%2FAIDS").get_data(as_text=True)
    assert re.search(r"États non rencontrés ce cycle</h2>\s*<p>Brazil</p>", theme)
    assert "Will make a recommendation on HIV key populations" in theme   # the commitment, as typed


def test_the_summary_pdf_in_french(world, lead_client, frozen):
    from engage.pdf import pdf_available

    pypdf = pytest.importorskip("pypdf")
    if not pdf_available():
        pytest.skip("WeasyPrint or Pango is not installed")
    _in_french(world.lead)
    response = lead_client.get("/reports/summary.pdf?theme=HIV%2FAIDS")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = pypdf.PdfReader(io.BytesIO(response.get_data())).pages
    read = " ".join(unicodedata.normalize("NFKC", " ".join(page.extract_text() for page in pages)).split())
    for words in ("Synthèse des échanges : HIV/AIDS", "États qui les ont formulées", "Positions par État",
                  "Favorable", "Indécis", "Engagements obtenus", "Dernière position", "États non rencontrés ce cycle",
                  "Page 1 sur 1"):
        assert words in read, words
    assert "Will make a recommendation on HIV key populations" in read
    for english in ("Engagement summary", "Supportive", "Commitments secured", "Page 1 of"):
        assert english not in read, english


def test_an_english_speaking_lead_still_reads_english(world, lead_client, frozen):
    world.lead.language = "en"
    db.session.commit()
    html = lead_client.get("/reports/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<h1 class="h3">Dashboard</h1>' in html and ">Held or started</text>" in html and "Tableau de bord" not in html
    assert "Week of 9 Nov: 1 held or started" in html
