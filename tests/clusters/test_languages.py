"""The cluster pages in the user's language: a French-speaking user reads the list, a cluster's history,
its forms, a flash and a refusal in French; names staff gave stay as given; an English-speaking user
still reads English."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.clusters import services
from engage.clusters.models import RecommendationCluster
from engage.extensions import db
from tests.clusters.helpers import make_history


@pytest.fixture
def recs(app):
    return make_history()


def _french(user):
    user.language = "fr"
    db.session.commit()


def test_a_french_speaking_user_reads_the_cluster_pages_in_french(staff_client, staff_user, recs):
    _french(staff_user)
    response = staff_client.post("/clusters/new", data={
        "name": "Ratify the OP-CAT", "recommendation_ids": [recs["1/101.3"].id, recs["2/142.7"].id,
                                                            recs["4/140.5"].id]}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Le groupe « Ratify the OP-CAT » est enregistré." in page  # the flash; the name as given
    assert "Formulée aux cycles 1, 2, 4 : 3 recommandations." in page and "Son historique" in page
    assert "Réponse du Kenya" in page and "Enregistrer une évaluation pour les 3 recommandations" in page
    assert ">Partiellement mise en œuvre</option>" in page  # the assessment form's statuses
    assert "Made in cycles" not in page and "Its history" not in page
    listing = staff_client.get("/clusters/").get_data(as_text=True)
    assert "Groupes de recommandations d’un cycle à l’autre" in listing and "Groupes suggérés" in listing
    assert "cycle 1 : 1 · cycle 2 : 1 · cycle 4 : 1" in listing
    suggested = staff_client.get("/clusters/suggestions").get_data(as_text=True)
    assert "Groupes suggérés pour le cycle" in suggested and "Confirmer comme groupe" in suggested


def test_a_refusal_reads_in_french_and_keeps_nothing(staff_client, staff_user, recs, now):
    _french(staff_user)
    services.create_cluster(staff_user, now, {"name": "OP-CAT", "recommendation_ids": [recs["1/101.3"].id]})
    db.session.commit()
    response = staff_client.post("/clusters/new", data={"name": "Again", "recommendation_ids": [recs["1/101.3"].id]})
    page = response.get_data(as_text=True)
    assert response.status_code >= 400 and "Déjà dans un autre groupe : " in page and "1 dans « OP-CAT »" in page
    assert [c.name for c in db.session.scalars(select(RecommendationCluster))] == ["OP-CAT"]


def test_an_english_speaking_user_still_reads_english(staff_client, staff_user, recs):
    staff_user.language = "en"
    db.session.commit()
    page = staff_client.get("/clusters/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Clusters across cycles" in page and "Suggested clusters" in page and "Groupes" not in page
