"""The meeting pages in the user's language: a French-speaking user reads the list, a meeting, the booking
form (its errors and the flash after booking), the week and month views in French; an English-speaking
user still reads English; the JSON API stays English whoever asks."""
from datetime import UTC, datetime

from flask_babel import get_locale, refresh

from engage.extensions import db
from tests import factories
from tests.meetings.conftest import booking

SUMMER = datetime(2027, 7, 6, 8, 0, tzinfo=UTC)  # Tue 6 Jul 2027, 10:00 Geneva


def _french(user):
    user.language = "fr"
    db.session.commit()


def test_a_french_user_reads_the_meetings_list_in_french(staff_client, staff_user, diplomat, frozen):
    factories.make_meeting(organiser=staff_user, contacts=[diplomat], title="Pre-session: Germany", starts_at=SUMMER)
    _french(staff_user)
    page = staff_client.get("/meetings/").get_data(as_text=True)
    assert "<h1 class=\"h3 mb-0\">Réunions</h1>" in page and "Réserver une réunion" in page
    assert "1 réunion<" in page and ">Prévue<" in page and ">À venir<" in page and "Tout statut" in page
    assert "Pre-session: Germany" in page  # what staff typed stays as typed
    assert "Meetings</h1>" not in page and "Any status" not in page


def test_an_english_user_still_reads_the_meetings_list_in_english(staff_client, staff_user, diplomat, frozen):
    factories.make_meeting(organiser=staff_user, contacts=[diplomat], title="Pre-session: Germany", starts_at=SUMMER)
    page = staff_client.get("/meetings/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Meetings</h1>" in page and "1 meeting<" in page and ">Scheduled<" in page and ">Upcoming<" in page
    assert "Réunions" not in page and "Prévue" not in page


def test_a_french_user_reads_a_meeting_page_in_french(staff_client, staff_user, diplomat, frozen):
    meeting = factories.make_meeting(organiser=staff_user, contacts=[diplomat], title="Pre-session: Germany",
                                     starts_at=SUMMER)
    _french(staff_user)
    page = staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    for words in ("Modifier ou reprogrammer", "Annuler la réunion", "Ordre du jour : recommandations de l’EPU",
                  "Ordre du jour : nos demandes", "Personnes", "Historique", "Télécharger le .ics",
                  "60 minutes · rappels", "Inviter", "Obligatoire"):
        assert words in page, words
    assert "Pre-session: Germany" in page and "Anna Schmidt" in page
    assert "Edit or reschedule" not in page and "Agenda: UPR recommendations" not in page


def test_a_french_user_books_a_meeting_sees_field_errors_and_the_flash_in_french(
        staff_client, staff_user, diplomat, frozen):
    _french(staff_user)
    form = staff_client.get("/meetings/new").get_data(as_text=True)
    assert "Réserver une réunion" in form and "Titre pour les invitations" in form and "Participants (obligatoires)" in form
    refused = staff_client.post("/meetings/new", data=booking(staff_user, [diplomat], end_time="09:00"))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Veuillez vérifier le champ signalé ci-dessous." in page
    assert "La fin doit suivre le début (le même jour)." in page
    assert "The end must be after" not in page
    booked = staff_client.post("/meetings/new", data=booking(staff_user, [diplomat]), follow_redirects=True)
    page = booked.get_data(as_text=True)
    assert "« Pre-session: Germany » réservée :" in page
    assert "a créé la réunion" in page  # the history's action, stored in English, read in French


def test_a_french_user_reads_the_week_and_month_views_in_french(staff_client, staff_user, diplomat, frozen):
    factories.make_meeting(organiser=staff_user, contacts=[diplomat], title="Pre-session: Germany", starts_at=SUMMER)
    _french(staff_user)
    week = staff_client.get("/meetings/week?start=2027-07-05&zone=Europe/Zurich").get_data(as_text=True)
    assert "Semaine du" in week and "Semaine précédente" in week and "Semaine suivante" in week
    assert "mar." in week and "Pre-session: Germany" in week and ">Semaine<" in week
    assert "Previous week" not in week and "Tue" not in week
    month = staff_client.get("/meetings/month?month=2027-07&zone=Europe/Zurich").get_data(as_text=True)
    assert "Juillet 2027" in month and "Ce mois-ci" in month and ">lun.<" in month
    assert "July" not in month and ">Mon<" not in month


def test_the_api_answers_in_english_whatever_the_browser_asks(app):
    with app.test_request_context("/api/v1/meetings", headers={"Accept-Language": "fr-FR,fr;q=0.9"}):
        refresh()  # the suite's app context outlives requests: each chooses afresh, as engage.i18n does
        assert str(get_locale()) == "en"
    with app.test_request_context("/meetings/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}):
        refresh()
        assert str(get_locale()) == "fr"
