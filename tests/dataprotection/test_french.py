"""The data-protection pages in French for a DPO who chose French, and still in English for one who did not."""
from html import unescape

import pytest

from engage.extensions import db
from tests import factories
from tests.conftest import login


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def french_dpo(app):
    user = factories.make_dpo()
    user.language = "fr"
    db.session.commit()
    return login(app.test_client(), user)


def test_a_french_dpo_reads_the_register_in_french(app, french_dpo, amina, story):
    page = text(french_dpo.get("/data-protection/register"))
    assert "Registre des traitements" in page and "Finalités" in page and "Catégories de données" in page
    assert "Annuaire de plaidoyer" in page and "Intérêt légitime" in page  # the purposes, translated
    assert "Identité et coordonnées des responsables et diplomates" in page and "Conservation" in page
    assert "Où se trouvent les données, et transferts hors du Kenya" in page
    assert "Non indiqué : définissez ENGAGE_SERVER_LOCATION" in page and "<code>ENGAGE_SERVER_LOCATION</code>" in page
    assert "Register of processing" not in page and "Purposes" not in page


def test_a_french_dpo_sees_the_panel_and_logs_a_request_in_french(app, french_dpo, amina):
    page = text(french_dpo.get(f"/directory/contacts/{amina.id}"))
    assert "Protection des données" in page and "Base légale" in page
    assert "Intérêt légitime (un responsable agissant dans ses fonctions)" in page
    assert "Effacer…" in page and "Aucune demande en cours concernant ce contact." in page

    page = text(french_dpo.get("/data-protection/"))
    assert "Protection des données : demandes d’accès et d’effacement" in page and "Enregistrer la demande" in page
    assert "Accès (une copie de ses données)" in page and "Choisissez un contact…" in page
    response = french_dpo.post("/data-protection/requests", data={"kind": "access", "contact_id": str(amina.id),
                                                                  "received_on": "", "notes": ""},
                               follow_redirects=True)
    page = text(response)
    assert "est enregistrée ; elle sera close lorsque vous exporterez ou effacerez le contact." in page
    assert "<p class=\"small text-body-secondary\">1 demande</p>" in page
    assert '<span class="badge text-bg-warning">Ouverte</span>' in page


def test_an_english_dpo_still_reads_english(app, dpo_client, amina, story):
    page = text(dpo_client.get("/data-protection/register"))
    assert "Register of processing" in page and "Advocacy directory" in page and "Registre" not in page
