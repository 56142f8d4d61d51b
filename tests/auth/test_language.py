"""A user picks the language of their pages on the account page; without a choice the browser's is used."""
from werkzeug.datastructures import LanguageAccept

from engage.i18n import page_language


class _User:
    is_authenticated = True

    def __init__(self, language):
        self.language = language


def test_the_choice_wins_over_the_browser_and_the_browser_over_english():
    french_browser = LanguageAccept([("fr-CH", 1), ("en", 0.5)])
    assert page_language(_User(None), french_browser) == "fr"
    assert page_language(_User("en"), french_browser) == "en"
    assert page_language(_User("fr"), LanguageAccept([("en", 1)])) == "fr"
    assert page_language(_User(None), LanguageAccept([("es", 1)])) == "en"  # the app is in English and French only


def test_the_account_page_keeps_the_language_and_the_pages_follow_it(staff_client, staff_user):
    page = staff_client.get("/account").get_data(as_text=True)
    assert 'id="language-form"' in page and "Skip to content" in page
    saved = staff_client.post("/account/language", data={"lang-language": "fr"}, follow_redirects=True)
    assert saved.status_code == 200 and staff_user.language == "fr"
    assert "Aller au contenu" in saved.get_data(as_text=True)  # the words marked so far follow the choice
    staff_client.post("/account/language", data={"lang-language": "de"}, follow_redirects=True)
    assert staff_user.language == "fr"  # not a language the pages come in: refused, nothing changed
    staff_client.post("/account/language", data={"lang-language": ""})
    assert staff_user.language is None
    page = staff_client.get("/account", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Aller au contenu" in page
