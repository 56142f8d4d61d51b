"""The ask pages in the user's language: a French-speaking lead reads the list, an ask with its match
buttons, a verdict's flash and a refused verdict in French; an English-speaking user still reads
English; the API answers in English whatever the client's language."""
from __future__ import annotations

from sqlalchemy import func, select

from engage.asks.models import AskMatch
from engage.extensions import db
from tests import factories
from tests.asks.helpers import make_ask

FGM_ASK = "Criminalise FGM and adopt a national anti-FGM policy"


def _french(user):
    user.language = "fr"
    db.session.commit()


def _fgm_law():
    return factories.make_recommendation(
        cycle=4, reference="140.12", recommending_states=["DE", "FR"], themes=["Women's rights"],
        text="Adopt legislation and a national policy criminalizing female genital mutilation")


def test_a_french_speaking_lead_reads_the_asks_list_in_french(lead_client, lead_user):
    _french(lead_user)
    make_ask(lead_user, text=FGM_ASK, priority="high")
    page = lead_client.get("/asks/").get_data(as_text=True)
    assert "Nos demandes" in page and "Ajouter une demande" in page and "Importer un CSV" in page
    assert "Priorité haute" in page and ">Priorité</th>" in page and ">Responsable</th>" in page
    assert "Tous les cycles" in page and "Rechercher dans le texte" in page  # the filters' labels and choices
    assert FGM_ASK in page  # what staff typed is never translated
    assert "Our asks" not in page and "High priority" not in page and "Add an ask" not in page
    empty = lead_client.get("/asks/?q=nothing-matches-this").get_data(as_text=True)
    assert "Aucune demande ne correspond à ces filtres." in empty


def test_a_french_speaking_lead_decides_a_match_in_french(lead_client, lead_user):
    _french(lead_user)
    law = _fgm_law()
    ask = make_ask(lead_user, text=FGM_ASK, themes=["Women's rights"], target_states=["DE"])
    page = lead_client.get(f"/asks/{ask.id}").get_data(as_text=True)
    suggested = page[page.index('id="matches-suggested"'):]
    for label in ("Reprise en totalité", "Reprise en partie", "Sans rapport"):
        assert f">{label}</button>" in suggested
    assert 'placeholder="Note (facultative)"' in suggested and "Suggérées, à trancher" in page
    assert "Ce qu’ont dit les États" in page and "Historique" in page and "Taken up in full" not in page

    page = lead_client.post(f"/asks/{ask.id}/matches", data={"recommendation_id": str(law.id), "verdict": "full"},
                            follow_redirects=True).get_data(as_text=True)
    assert "Recommandation 140.12 (Germany, France) : reprise en totalité." in page  # the flash
    confirmed = page[page.index('id="matches-confirmed"'):]
    assert ">Reprise en totalité</span>" in confirmed and ">Annuler</button>" in confirmed
    match = db.session.scalars(select(AskMatch)).one()
    assert match.verdict == "full" and match.verdict_label == "Taken up in full"  # the data stays English


def test_a_refused_verdict_names_its_field_in_french(lead_client, lead_user):
    _french(lead_user)
    law = _fgm_law()
    ask = make_ask(lead_user, text=FGM_ASK)
    page = lead_client.post(f"/asks/{ask.id}/matches", data={"recommendation_id": law.id, "verdict": "maybe"},
                            follow_redirects=True).get_data(as_text=True)
    assert "Décision" in page and "Choisissez parmi : full (Reprise en totalité)" in page
    assert "Choose one of" not in page and "form expired" not in page
    page = lead_client.post(f"/asks/{ask.id}/matches", data={"verdict": "full"},
                            follow_redirects=True).get_data(as_text=True)
    assert "Recommandation" in page and "Ce champ est obligatoire." in page
    assert db.session.scalar(select(func.count()).select_from(AskMatch)) == 0


def test_the_ask_form_and_its_errors_in_french(lead_client, lead_user):
    _french(lead_user)
    page = lead_client.get("/asks/new").get_data(as_text=True)
    assert "Ce que nous demandons aux États de recommander" in page and "Enregistrer la demande" in page
    assert 'data-placeholder="Ajouter un thème…"' in page and "— personne pour l’instant —" in page
    response = lead_client.post("/asks/new", data={"cycle": "nine", "text": "Something", "priority": "urgent"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Doit être un nombre entier de 1 à 99." in page and "n’est pas admis ; choisissez parmi" in page


def test_an_english_speaking_user_still_reads_english(staff_client, staff_user, lead_user):
    staff_user.language = "en"
    db.session.commit()
    _fgm_law()
    ask = make_ask(lead_user, text=FGM_ASK, themes=["Women's rights"])
    listed = staff_client.get("/asks/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Our asks" in listed and "High priority" in listed and "Nos demandes" not in listed
    page = staff_client.get(f"/asks/{ask.id}").get_data(as_text=True)
    assert "Suggested, to decide" in page and "What states said" in page and "Reprise" not in page


def test_a_user_without_a_choice_reads_their_browsers_language(staff_client, lead_user):
    make_ask(lead_user, text=FGM_ASK)
    page = staff_client.get("/asks/matches", headers={"Accept-Language": "fr-CH, en;q=0.5"}).get_data(as_text=True)
    assert "Quelles recommandations ont repris nos demandes" in page


def test_the_api_answers_in_english_whatever_the_language_asked(lead_api, lead_user):
    _french(lead_user)
    ask = make_ask(lead_user, text=FGM_ASK)
    response = lead_api.post(f"/api/v1/asks/{ask.id}/matches", json={"recommendation_id": 424242, "verdict": "full"},
                             headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    assert response.get_json()["error"]["fields"] == {"recommendation_id": ["No recommendation with id 424242."]}
    response = lead_api.post(f"/api/v1/asks/{ask.id}/matches", json={"recommendation_id": 1, "verdict": "maybe"},
                             headers={"Accept-Language": "fr"})
    assert "Choose one of" in response.get_json()["error"]["fields"]["verdict"][0]
