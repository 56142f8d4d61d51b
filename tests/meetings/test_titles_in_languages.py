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


@pytest.mark.parametrize("code, kind, french, spanish", [
    ("FR", "embassy", "l’Ambassade de France", "la Embajada de Francia"),
    ("FR", MISSION, "la Mission permanente de la France", "la Misión Permanente de Francia"),
    ("GB", MISSION, "la Mission permanente du Royaume-Uni", "la Misión Permanente del Reino Unido"),
    ("GB", "high_commission", "le Haut-Commissariat du Royaume-Uni", "la Alta Comisión del Reino Unido"),
    ("NL", "embassy", "l’Ambassade des Pays-Bas", "la Embajada de los Países Bajos"),
    ("NL", MISSION, "la Mission permanente des Pays-Bas", "la Misión Permanente de los Países Bajos"),
    ("IR", "embassy", "l’Ambassade d’Iran", "la Embajada de Irán"),
    ("IR", MISSION, "la Mission permanente de l’Iran", "la Misión Permanente de Irán"),
    ("US", "embassy", "l’Ambassade des États-Unis", "la Embajada de los Estados Unidos"),
    ("US", MISSION, "la Mission permanente des États-Unis", "la Misión Permanente de los Estados Unidos"),
    ("DE", "embassy", "l’Ambassade d’Allemagne", "la Embajada de Alemania"),
    ("DO", "embassy", "l’Ambassade de la République dominicaine", "la Embajada de la República Dominicana"),
    ("SV", "embassy", "l’Ambassade du Salvador", "la Embajada de El Salvador"),
])
def test_real_missions_are_named_with_their_country_s_article(code, kind, french, spanish):
    # An embassy drops the article of a feminine or vowel-initial name ("Ambassade de France"); a permanent
    # mission keeps it, as the UN's list does; Spanish keeps only the article of a name made of a noun.
    organisation = ("Held name", kind, code)
    assert default_invitation_title_in("fr", [organisation]) == f"Réunion avec {french}"
    assert default_invitation_title_in("es", [organisation]) == f"Reunión con {spanish}"


def test_titles_in_french_and_spanish():
    kenya = ("Permanent Mission of Kenya", MISSION, "KE")
    france = ("Embassy of France, Nairobi", "embassy", "FR")
    unaids = ("UNAIDS", "un_agency", None)
    assert default_invitation_title_in("fr", [kenya]) == "Réunion avec la Mission permanente du Kenya"
    assert default_invitation_title_in("es", [kenya]) == "Reunión con la Misión Permanente de Kenia"
    assert default_invitation_title_in("fr", [kenya, france, unaids]) == \
        "Réunion avec la Mission permanente du Kenya, l’Ambassade de France et UNAIDS"
    four = [kenya, france, unaids, ("Ministry of Health", "ministry", "KE")]
    assert default_invitation_title_in("es", four) == \
        "Reunión con la Misión Permanente de Kenia, la Embajada de Francia y 2 más"
    assert default_invitation_title_in("fr", [], "Kenya Health Rights Coalition") == \
        "Réunion avec Kenya Health Rights Coalition"
    assert default_invitation_title_in("fr", []) == "Réunion"
    # English is the title engage always gave.
    assert default_invitation_title_in("en", [kenya, france]) == \
        "Meeting with the Permanent Mission of Kenya and the Embassy of France, Nairobi"
