"""What a meeting is called where it has no title of its own: "Meeting with the Permanent Mission of Germany".

Words, no database: the meeting record and the list row both name themselves through
`meeting_with`, and invitations and reminders read that.
"""
from __future__ import annotations

import functools

from babel import Locale
from flask import current_app, has_app_context

from engage.i18n import N_, translator


# Names read as "the Permanent Mission of Germany", "the Ministry of Health"; others ("UNAIDS") as they are.
_NEEDS_THE = ("permanent mission", "mission", "embassy", "high commission", "ministry", "office", "delegation",
              "department", "state department", "consulate", "commission", "national", "secretariat",
              "directorate", "council", "committee", "senate", "parliament", "world", "united nations")
_DEFAULT_OUR_NAME = "the organisation"


def _with_article(name: str) -> str:
    lowered = name.lower()
    if lowered.startswith("the ") or not lowered.startswith(_NEEDS_THE):
        return name
    return f"the {name}"


def default_invitation_title(organisation_names, our_name: str = "") -> str:
    """'Meeting with the Permanent Mission of Germany', '… with A and B', '… with A, B and 2 others', or
    'Meeting with <our organisation>' / 'Meeting' when no outside organisation takes part."""
    names = [n.strip() for n in organisation_names if n and n.strip()]
    names = [_with_article(n) for n in dict.fromkeys(names)]
    if not names:
        our_name = (our_name or "").strip()
        return f"Meeting with {our_name}" if our_name and our_name.lower() != _DEFAULT_OUR_NAME else "Meeting"
    if len(names) == 1:
        return f"Meeting with {names[0]}"
    if len(names) == 2:
        return f"Meeting with {names[0]} and {names[1]}"
    if len(names) == 3:
        return f"Meeting with {names[0]}, {names[1]} and {names[2]}"
    return f"Meeting with {names[0]}, {names[1]} and {len(names) - 2} others"


def meeting_with(organisation_names) -> str:
    """The title of a meeting without an invitation title of its own, this organisation's configured
    name included (the caller passes only organisations every attendee may read)."""
    ours = current_app.config.get("ENGAGE_ORGANISATION_NAME") if has_app_context() else ""
    return _titled(tuple(organisation_names), ours or "")


@functools.lru_cache(maxsize=4096)
def _titled(organisation_names: tuple, ours: str) -> str:
    # Words only, so kept per process: a list of 50 meetings names the same few organisations.
    return default_invitation_title(organisation_names, ours)


# ---- in a recipient's language ----

# A mission or embassy is named in the recipient's language from its kind and country (its held name is
# English: "Permanent Mission of Ghana"); any other organisation keeps the name it is held under.
_KIND_PHRASES = {
    "permanent_mission": N_("the Permanent Mission of %(country)s"),
    "embassy": N_("the Embassy of %(country)s"),
    "high_commission": N_("the High Commission of %(country)s"),
}


def organisation_in(language: str, name: str, kind: str | None = None, country: str | None = None) -> str:
    """'la Mission permanente du Kenya'-style naming in `language`, or the name held."""
    phrase = _KIND_PHRASES.get(kind or "")
    if not phrase or not country:
        return name
    territory = Locale.parse(language).territories.get(country.upper())
    if not territory:
        return name
    named = translator(language).gettext(phrase, country=territory)
    # The catalogue says "de <country>"; French and Spanish want the country's article with it.
    if language == "fr":
        of = french_of(country.upper(), territory, bilateral=kind != "permanent_mission")
    elif language == "es":
        of = spanish_of(territory)
    else:
        return named
    return named.replace(f"de {territory}", of, 1)


# French names a country with its article, and "de" contracts with it: "de la France", "de l’Allemagne",
# "du Kenya", "des États-Unis" (as the missions' own names do). The article follows the name's gender,
# which CLDR does not give: a name ending in "e" is feminine but for these; islands and city-states
# take none; these are plural.
_FRENCH_MASCULINE_IN_E = {"MX", "KH", "MZ", "ZW", "BZ", "SR"}
_FRENCH_NO_ARTICLE = {"CU", "IL", "SG", "MC", "MT", "CY", "MG", "HT", "BH", "OM", "DJ", "MU", "ST", "LC", "SM",
                      "WS", "NR", "TV", "TO", "VU", "KI", "PW", "AG", "KN", "TT", "VC", "BN"}
_FRENCH_PLURAL = {"US", "NL", "PH", "AE", "KM", "MV", "SC", "BS", "FJ", "MH", "SB"}
_FRENCH_VOWELS = tuple("AEIOUÉÈÊÂÎÔ")


def french_of(code: str, name: str, bilateral: bool = False) -> str:
    """'de la France', 'de l’Inde', 'du Kenya', 'des États-Unis', 'd’Israël', 'de Cuba' (a mute h only in Haïti).

    `bilateral`: an embassy's or high commission's complement, where usage drops the article of a
    feminine or vowel-initial name ("Ambassade de France", "d’Allemagne", "d’Iran") and keeps the
    others' ("du Royaume-Uni", "des Pays-Bas", "de la République dominicaine"); a permanent mission
    keeps it always, as the UN's list names them ("Mission permanente de la France")."""
    vowel = name.startswith(_FRENCH_VOWELS) or code == "HT"
    if code in _FRENCH_PLURAL:
        return f"des {name}"
    feminine = name.rstrip().endswith("e") and code not in _FRENCH_MASCULINE_IN_E
    if code in _FRENCH_NO_ARTICLE or (bilateral and (vowel or feminine) and not name.startswith("République")):
        return f"d’{name}" if vowel else f"de {name}"
    if vowel:
        return f"de l’{name}"
    return f"de la {name}" if feminine else f"du {name}"


# Spanish names most countries bare ("de Francia", "de Kenia"), but those made of a common noun keep
# their article, contracted after "de" where it is "el": "del Reino Unido", "de los Países Bajos".
_SPANISH_ARTICLES = {"Reino": "el", "Estados": "los", "Emiratos": "los", "Países": "los", "República": "la",
                     "Islas": "las"}


def spanish_of(name: str) -> str:
    """'de Francia', 'del Reino Unido', 'de los Países Bajos', 'de los Estados Unidos', 'de El Salvador'."""
    article = _SPANISH_ARTICLES.get(name.split(" ", 1)[0])
    if article == "el":
        return f"del {name}"
    return f"de {article} {name}" if article else f"de {name}"


def default_invitation_title_in(language: str, organisations, our_name: str = "") -> str:
    """default_invitation_title in `language`, from (name, kind, country) of each organisation:
    'Réunion avec la Mission permanente du Kenya', '… avec A et B', '… avec A, B et 2 autres'."""
    if language == "en":
        return default_invitation_title([name for name, _kind, _country in organisations], our_name)
    t = translator(language)
    names = list(dict.fromkeys(organisation_in(language, *o) for o in organisations if o[0] and o[0].strip()))
    if not names:
        our_name = (our_name or "").strip()
        if our_name and our_name.lower() != _DEFAULT_OUR_NAME:
            return t.gettext("Meeting with %(names)s", names=our_name)
        return t.gettext("Meeting")
    if len(names) == 1:
        joined = names[0]
    elif len(names) <= 3:
        joined = t.gettext("%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])
    else:
        joined = t.ngettext("%(first)s and %(num)d other", "%(first)s and %(num)d others", len(names) - 2,
                            first=", ".join(names[:2]))
    return t.gettext("Meeting with %(names)s", names=joined)


def titled_in(language: str, organisations: tuple) -> str:
    """default_invitation_title_in with this organisation's configured name (as meeting_with)."""
    ours = current_app.config.get("ENGAGE_ORGANISATION_NAME") if has_app_context() else ""
    return default_invitation_title_in(language, organisations, ours or "")
