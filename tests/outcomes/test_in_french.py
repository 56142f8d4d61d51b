"""The outcome pages in French for a French-speaking user: the engagement log, an outcome, the follow-ups
and their flash, the forms' labels and a refusal; what users typed stays as they typed it, the stored
positions stay English, and an English-speaking user still reads English."""
from datetime import UTC, datetime

from sqlalchemy import func, select

from engage.extensions import db
from engage.outcomes.models import FollowUp, Outcome
from tests.outcomes.helpers import make_meeting


def _in_french(user):
    user.language = "fr"
    db.session.commit()


def test_the_engagement_log_in_french(world, staff_client, frozen):
    _in_french(world.staff)
    html = staff_client.get("/outcomes/").get_data(as_text=True)
    assert '<html lang="fr"' in html or "Journal des échanges" in html
    assert "<h1 class=\"h3 mb-0\">Journal des échanges</h1>" in html
    assert "Actions de suivi" in html and "Rechercher dans les résumés et les engagements" in html
    # The positions are words of the page: translated, while the filter still posts the English key.
    assert ">Favorable</span>" in html and ">Indécis</span>" in html and ">Non abordée</span>" in html
    assert '<option value="supportive">Favorable</option>' in html
    assert '<optgroup label="Sur les demandes">' in html and "Date de réunion, la plus récente d’abord" in html
    assert "<strong>7</strong> résultats, affichés : 1–7" in html and "Même résumé que ci-dessus" in html
    # What staff typed is shown as typed.
    assert "France is still consulting its capital." in html and "Will make a recommendation on HIV key populations" in html
    for english in ("Engagement log", ">Supportive<", ">Undecided<", "Follow-up actions", "Summary and commitment"):
        assert english not in html


def test_a_bad_filter_is_refused_in_french_naming_the_filter(world, staff_client, frozen):
    _in_french(world.staff)
    response = staff_client.get("/outcomes/", query_string={"from": "28/11/2026"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Certains filtres n’ont pas pu être appliqués :" in html
    assert "Du — Ce n’est pas une date ; écrivez-la sous la forme AAAA-MM-JJ (reçu : &#39;28/11/2026&#39;)." in html


def test_an_outcome_page_in_french(world, staff_client, frozen):
    _in_french(world.staff)
    outcome = world.outcomes["fr_hiv"]
    html = staff_client.get(f"/outcomes/{outcome.id}").get_data(as_text=True)
    assert "Résultat sur 142.40 (France)" in html
    for words in ("<dt class=\"col-sm-3\">Réunion</dt>", "<dt class=\"col-sm-3\">Engagement</dt>", "Aucun enregistré",
                  ">Indécis</span>", "Ajouter une action de suivi", "Échéance", "Historique"):
        assert words in html, words
    assert "Ask again in January" in html  # the notes, as typed
    assert "Undecided" not in html and "None recorded" not in html
    assert db.session.get(Outcome, outcome.id).position == "undecided"  # the data stays English


def test_the_follow_ups_page_and_its_flash_in_french(world, staff_client, frozen):
    _in_french(world.staff)
    html = staff_client.get("/outcomes/follow-ups").get_data(as_text=True)
    assert "<h1 class=\"h3\">Actions de suivi</h1>" in html and "1 en retard" in html
    assert ">En retard</span>" in html and ">Marquer comme faite</button>" in html
    assert "Ouvertes (en retard d’abord)" in html and "<strong>1</strong> action" in html
    overdue = world.outcomes["fr_overall"].follow_ups[0]
    response = staff_client.post(f"/outcomes/follow-ups/{overdue.id}/status",
                                 data={"status": "done", "next": "/outcomes/follow-ups"})
    assert response.status_code == 302
    html = staff_client.get("/outcomes/follow-ups").get_data(as_text=True)
    assert "« Send France the shadow report » est désormais faite." in html
    db.session.expire_all()
    assert db.session.get(FollowUp, overdue.id).status == "done"


def test_logging_an_outcome_in_french(world, staff_client, frozen):
    _in_french(world.staff)
    meeting = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 27, 8, 0, tzinfo=UTC),
                           [world.recs["se_health"]], title="Sweden on health")
    form = staff_client.get(f"/outcomes/meetings/{meeting.id}/log").get_data(as_text=True)
    for words in ("Saisir le résultat", "Résumé d’ensemble", "Leur position", "Recommandations à l’ordre du jour",
                  '<option value="will_raise">La soulèvera lors de l’Examen</option>', "Enregistrer le résultat"):
        assert words in form, words
    data = {"summary": "La Suède soulèvera la couverture sanitaire.", "organisation_id": str(world.orgs["se"].id),
            "other_recommendation_id": "", "other_position": "supportive",
            "items-0-recommendation_id": str(world.recs["se_health"].id), "items-0-position": "will_raise",
            "items-0-commitment": "", "items-0-summary": "", "items-0-notes": ""}
    for i in range(3):
        data.update({f"follow_ups-{i}-description": "", f"follow_ups-{i}-owner_id": "", f"follow_ups-{i}-due_on": ""})
    response = staff_client.post(f"/outcomes/meetings/{meeting.id}/log", data=data)
    assert response.status_code == 302
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Résultat saisi ; la réunion est marquée comme tenue." in page
    assert ">La soulèvera lors de l’Examen</span>" in page


def test_an_english_speaking_user_still_reads_english(world, staff_client, frozen):
    world.staff.language = "en"
    db.session.commit()
    html = staff_client.get("/outcomes/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Engagement log" in html and ">Supportive</span>" in html and "Journal des échanges" not in html


def test_a_refused_outcome_is_explained_in_french_and_nothing_is_saved(world, staff_client, frozen):
    _in_french(world.staff)
    meeting = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 27, 8, 0, tzinfo=UTC),
                           [world.recs["se_health"]])
    data = {"summary": "", "organisation_id": "", "other_recommendation_id": "", "other_position": "supportive",
            "items-0-recommendation_id": str(world.recs["se_health"].id), "items-0-position": "supportive",
            "items-0-commitment": "", "items-0-summary": "", "items-0-notes": "",
            "follow_ups-0-description": "Appeler la mission", "follow_ups-0-owner_id": "", "follow_ups-0-due_on": ""}
    for i in (1, 2):
        data.update({f"follow_ups-{i}-description": "", f"follow_ups-{i}-owner_id": "", f"follow_ups-{i}-due_on": ""})
    response = staff_client.post(f"/outcomes/meetings/{meeting.id}/log", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Rien n’a été enregistré : veuillez corriger les champs signalés ci-dessous." in html
    assert "Écrivez ce que la réunion a permis d’obtenir." in html and "Choisissez le responsable de cette action." in html
    assert "Write what the meeting achieved." not in html
    assert db.session.scalar(select(func.count()).select_from(Outcome).where(Outcome.meeting_id == meeting.id)) == 0
