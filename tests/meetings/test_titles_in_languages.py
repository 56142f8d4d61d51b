"""The default invitation title in a recipient's language: missions named from their kind and country,
French with the country's article, lists joined as each language joins them."""
import pytest

from engage.meetings.titles import default_invitation_title_in, french_of

MISSION = "permanent_mission"


@pytest.mark.parametrize("code, name, expected", [
    ("FR", "France", "de la France"), ("DE", "Allemagne", "de l’Allemagne"), ("KE", "Kenya", "du Kenya"),
    ("US", "États-Unis", "des États-Unis"), ("IL", "Israël", "d’Israël"), ("CU", "Cuba", "de Cuba"),
    ("MX", "Mexique", "du Mexique"), ("IQ", "Irak", "de l’Irak"), ("HN", "Honduras", "du Honduras"),
    ("HT", "Haïti", "d’Haïti"),
])
def test_french_names_a_country_with_its_article(code, name, expected):
    assert french_of(code, name) == expected


def test_titles_in_french_and_spanish():
    kenya = ("Permanent Mission of Kenya", MISSION, "KE")
    france = ("Embassy of France, Nairobi", "embassy", "FR")
    unaids = ("UNAIDS", "un_agency", None)
    assert default_invitation_title_in("fr", [kenya]) == "Réunion avec la Mission permanente du Kenya"
    assert default_invitation_title_in("es", [kenya]) == "Reunión con la Misión Permanente de Kenia"
    assert default_invitation_title_in("fr", [kenya, france, unaids]) == \
        "Réunion avec la Mission permanente du Kenya, l’Ambassade de la France et UNAIDS"
    four = [kenya, france, unaids, ("Ministry of Health", "ministry", "KE")]
    assert default_invitation_title_in("es", four) == \
        "Reunión con la Misión Permanente de Kenia, la Embajada de Francia y 2 más"
    assert default_invitation_title_in("fr", [], "Kenya Health Rights Coalition") == \
        "Réunion avec Kenya Health Rights Coalition"
    assert default_invitation_title_in("fr", []) == "Réunion"
    # English is the title engage always gave.
    assert default_invitation_title_in("en", [kenya, france]) == \
        "Meeting with the Permanent Mission of Kenya and the Embassy of France, Nairobi"
