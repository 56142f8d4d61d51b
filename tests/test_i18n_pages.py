"""The app in French: a user who chose French, or whose browser asks for it without a choice, reads the
start page, sign-in, account, error pages, form errors, flashes and dates in French; an English user
reads the English pages as they always were; the JSON API answers in English whoever asks."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from pydantic import BaseModel, Field

from engage.extensions import db
from engage.i18n import in_language
from engage.schemas import Text, check
from engage.errors import ValidationError
from tests.conftest import login
from tests.factories import make_user

FRENCH_BROWSER = {"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5"}
TUESDAY = datetime(2027, 7, 6, 8, 0, tzinfo=UTC)  # 10:00 in Geneva, 11:00 in Nairobi


@pytest.fixture
def french_user(app):
    user = make_user(email="francoise@example.org", full_name="Françoise")
    user.language = "fr"
    db.session.commit()
    return user


@pytest.fixture
def french_client(app, french_user):
    return login(app.test_client(), french_user)


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_a_french_user_reads_the_start_page_in_french_with_french_dates(french_client):
    with time_machine.travel(TUESDAY, tick=False):
        page = _text(french_client.get("/"))
    assert '<html lang="fr">' in page
    assert "Bienvenue, Françoise" in page and "Réserver une réunion" in page
    assert "Aller au contenu" in page and "Se déconnecter" in page and ">Réunions</a>" in page
    assert "mardi 6 juillet 2027, 11:00 heure de Nairobi (EAT)" in page  # the user's zone, in French
    assert "Welcome" not in page and "Tue 6 Jul" not in page


def test_an_english_user_reads_the_english_start_page(staff_client):
    with time_machine.travel(TUESDAY, tick=False):
        page = _text(staff_client.get("/"))
    assert '<html lang="en">' in page
    assert "Welcome, " in page and "Book a meeting" in page and ">Meetings</a>" in page
    assert "Tue 6 Jul 2027, 11:00 Nairobi (EAT) · 10:00 Geneva (CEST)" in page


def test_a_french_browser_without_a_choice_gets_french_sign_in_and_account(app, staff_user):
    client = app.test_client()
    page = _text(client.get("/login", headers=FRENCH_BROWSER))
    assert '<html lang="fr">' in page and "Se connecter à engage" in page and "Mot de passe" in page
    assert staff_user.language is None
    login(client, staff_user)
    page = _text(client.get("/account", headers=FRENCH_BROWSER))
    assert "Votre compte" in page and "Langue des pages" in page and "Celle de mon navigateur" in page
    page = _text(client.get("/account", headers={"Accept-Language": "en-GB"}))
    assert "Your account" in page and '<html lang="en">' in page


def test_a_form_error_and_a_flash_in_french(app, french_user):
    client = app.test_client()
    refused = client.post("/login", data={"email": "", "password": ""}, headers=FRENCH_BROWSER)
    assert "Ce champ est obligatoire." in _text(refused)
    wrong = client.post("/login", data={"email": "nobody@example.org", "password": "not it"}, headers=FRENCH_BROWSER)
    assert "Cette adresse et ce mot de passe ne correspondent à aucun compte actif." in _text(wrong)
    login(client, french_user)
    bye = client.post("/logout", follow_redirects=True)
    assert "Vous êtes déconnecté." in _text(bye)


def test_the_error_pages_in_french(french_client):
    missing = french_client.get("/no-such-page")
    assert missing.status_code == 404
    assert "Introuvable" in _text(missing) and "Il n’y a rien ici." in _text(missing)
    refused = french_client.get("/admin/users")
    assert refused.status_code == 403 and "Votre rôle ne le permet pas." in _text(refused)


def test_pydantic_messages_by_type_in_the_page_language(app):
    class Sample(BaseModel):
        code: str = Field(max_length=3)
        name: Text(length=5)

    def message(field):
        with pytest.raises(ValidationError) as refused:
            check(Sample, {"code": "abcd", "name": "abcdef"})
        return refused.value.fields[field][0]

    assert message("code") == "String should have at most 3 characters"
    assert message("name") == "At most 5 characters."
    with app.test_request_context("/"), in_language("fr"):
        assert message("code") == "Le texte doit compter au plus 3 caractères"
        assert message("name") == "5 caractères au maximum."


def test_the_api_answers_in_english_to_a_french_user(app, french_user):
    from tests.conftest import _api_for

    api = _api_for(app, french_user)
    refused = api.post("/api/v1/organisations", json={"name": ""}, headers=FRENCH_BROWSER)
    assert refused.status_code == 422
    body = refused.get_json()["error"]
    assert "This is required." in str(body["fields"]) or "Give" in str(body["fields"])
    assert not re.search(r"[éèà]|obligatoire", str(body))
    assert api.get("/api/v1/organisations/999999", headers=FRENCH_BROWSER).get_json()["error"]["message"] \
        == "No organisation with id 999999."


def test_dates_in_a_french_page_and_an_english_one(app):
    from flask_babel import refresh

    from engage.i18n import page_clock

    with app.test_request_context("/", headers=FRENCH_BROWSER):
        refresh()  # the tests' app context outlives a request, and Flask-Babel keeps its choice there
        assert page_clock.format_date(date(2027, 7, 6)) == "6 juil. 2027"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        refresh()
        assert page_clock.format_date(date(2027, 7, 6)) == "6 Jul 2027"
        assert page_clock.format_in_zone(TUESDAY, "Europe/Zurich") == "Tue 6 Jul 2027, 10:00 Geneva (CEST)"


def _script_words(page: str) -> dict:
    import html
    import json

    return json.loads(html.unescape(re.search(r'<body data-words="([^"]*)"', page).group(1)))


def test_the_scripts_words_come_from_the_page(french_client, staff_client):
    french = _script_words(_text(french_client.get("/account")))
    assert french["counter"] == "{used} caractères sur {max}" and french["pickerSearch"] == "Tapez pour rechercher…"
    english = _script_words(_text(staff_client.get("/account")))
    assert english["counter"] == "{used} of {max} characters"


def test_the_sign_in_prompt_and_the_history_words_in_french(app):
    from engage.history import action_words

    prompt = app.test_client().get("/meetings", headers=FRENCH_BROWSER, follow_redirects=True)
    assert "Veuillez vous connecter pour voir cette page." in _text(prompt)
    with app.test_request_context("/"), in_language("fr"):
        assert action_words("updated") == "a modifié" and action_words("answer") == "a répondu"
        assert action_words("some_new_action") == "some new action"
    with app.test_request_context("/"), in_language("en"):
        assert action_words("updated") == "updated" and action_words("answer") == "answered"


def test_the_admin_pages_in_french(app):
    admin = make_user(role="admin", email="admin.fr@example.org", full_name="Amina")
    admin.language, admin.is_dpo = "fr", True
    db.session.commit()
    client = login(app.test_client(), admin)
    for url, words in (("/admin/users", "Ajouter un utilisateur"), ("/access/groups", "Nouveau groupe"),
                       ("/access/officers", "En nommer un autre"), ("/audit/", "Journal d’audit"),
                       ("/audit/?object_id=abc", "Filtrer"), ("/search?q=zzz", "Rien ne correspond à « zzz »"),
                       ("/admin/organisation", "Qui invite"), ("/account/two-step", "Connexion en deux étapes")):
        page = client.get(url)
        assert page.status_code in (200, 400), url
        assert words in _text(page), url
    assert "Connexion" in _text(client.get("/audit/"))  # the actions' names, as the filter offers them
    refused = _text(client.get("/audit/?object_id=abc&since=2027-01-05&until=2027-01-01"))
    assert "La date de fin précède la date de début." in refused  # engage's own check
    assert "un entier valide" in refused  # WTForms' own words, in French through Flask-WTF
