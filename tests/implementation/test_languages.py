"""The implementation pages in the user's language: a French-speaking user reads the matrix, the
assessment form, its refusal beside the field and the flash in French (UN wording: « partiellement mise
en œuvre »); the stored status and the exports stay English; an English-speaking user reads English."""
from __future__ import annotations

import csv
import io

from engage.extensions import db
from engage.implementation.models import Assessment


def _french(user):
    user.language = "fr"
    db.session.commit()


def test_a_french_speaking_user_reads_the_matrix_in_french(assessed, lead_client, lead_user):
    _french(lead_user)
    page = lead_client.get("/implementation/").get_data(as_text=True)
    assert "Matrice de mise en œuvre" in page and "Dernière évaluation" in page
    assert ">Statut</th>" in page and ">Responsables</th>" in page
    assert "En cours" in page  # de_hiv's latest status staff may see
    assert "Rapport à mi-parcours" in page and "Non évaluée" in page and "Objectif de développement durable (ODD)" in page  # the filters
    assert "3 – Bonne santé et bien-être" in page and "Good health" not in page  # the SDGs by their French names
    assert "Implementation matrix" not in page and "In progress" not in page
    exported = lead_client.get("/implementation/export.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    assert "In progress" in {r["status_label"] for r in rows}  # the export stays English


def test_a_french_speaking_user_records_an_assessment_in_french(assessed, staff_client, staff_user):
    _french(staff_user)
    rec = assessed.world.recs["se_health"]
    url = f"/implementation/recommendations/{rec.id}/assess"
    page = staff_client.get(url).get_data(as_text=True)
    assert "Enregistrer une évaluation" in page and "Éléments probants" in page
    assert ">Partiellement mise en œuvre</option>" in page and ">Pleinement mise en œuvre</option>" in page
    assert "Enregistrer l’évaluation" in page

    refused = staff_client.post(url, data={"assessed_on": "2026-11-20", "status": "implemented",
                                           "links": "not a link", "source_kind": "other"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "La ligne 1 n’est pas une adresse web" in page and "is not a web address" not in page
    assert db.session.query(Assessment).filter_by(recommendation_id=rec.id).count() == 0

    saved = staff_client.post(url, data={"assessed_on": "2026-11-20", "status": "partially_implemented",
                                         "evidence": "The UHC bill passed", "source_kind": "government_report",
                                         "confidence": "high", "sensitivity": "internal"}, follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert f"L’évaluation de {rec.label} est enregistrée : Partiellement mise en œuvre." in page
    assert "The UHC bill passed" in page  # what staff typed stays as typed
    assessment = db.session.query(Assessment).filter_by(recommendation_id=rec.id).one()
    assert assessment.status == "partially_implemented" and assessment.status_label == "Partially implemented"


def test_an_english_speaking_user_still_reads_english(assessed, staff_client, staff_user):
    staff_user.language = "en"
    db.session.commit()
    page = staff_client.get("/implementation/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Implementation matrix" in page and "In progress" in page and "Matrice" not in page
    rec = assessed.world.recs["se_health"]
    page = staff_client.get(f"/implementation/recommendations/{rec.id}/assess").get_data(as_text=True)
    assert "Record an assessment" in page and ">Partially implemented</option>" in page
