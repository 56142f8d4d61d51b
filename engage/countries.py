"""Country names and ISO 3166-1 alpha-2 codes, through pycountry plus the UN's own spellings."""
from __future__ import annotations

import unicodedata
from functools import lru_cache

import pycountry

# Names used at the UN, by UPR Info or in Wikidata that pycountry's fuzzy search misses or misreads.
ALIASES = {
    "united states": "US", "united states of america": "US", "usa": "US",
    "united kingdom": "GB", "uk": "GB", "britain": "GB", "great britain": "GB",
    "united kingdom of great britain and northern ireland": "GB",
    "turkey": "TR", "türkiye": "TR", "turkiye": "TR",
    "holy see": "VA", "vatican": "VA", "vatican city": "VA", "holy see (vatican city state)": "VA",
    "russia": "RU", "russian federation": "RU",
    "iran": "IR", "iran (islamic republic of)": "IR", "islamic republic of iran": "IR",
    "syria": "SY", "syrian arab republic": "SY",
    "venezuela": "VE", "venezuela (bolivarian republic of)": "VE",
    "bolivia": "BO", "bolivia (plurinational state of)": "BO",
    "tanzania": "TZ", "united republic of tanzania": "TZ",
    "moldova": "MD", "republic of moldova": "MD",
    "south korea": "KR", "korea": "KR", "republic of korea": "KR", "korea, republic of": "KR",
    "north korea": "KP", "democratic people's republic of korea": "KP",
    "laos": "LA", "lao people's democratic republic": "LA",
    "vietnam": "VN", "viet nam": "VN",
    "czech republic": "CZ", "czechia": "CZ",
    "slovak republic": "SK",
    "ivory coast": "CI", "côte d'ivoire": "CI", "cote d'ivoire": "CI", "cote divoire": "CI",
    "cape verde": "CV", "cabo verde": "CV",
    "swaziland": "SZ", "eswatini": "SZ",
    "macedonia": "MK", "north macedonia": "MK", "the former yugoslav republic of macedonia": "MK",
    "democratic republic of the congo": "CD", "dr congo": "CD", "drc": "CD", "congo, democratic republic": "CD",
    "congo": "CG", "republic of the congo": "CG", "congo-brazzaville": "CG",
    "palestine": "PS", "state of palestine": "PS",
    "micronesia": "FM", "micronesia (federated states of)": "FM",
    "brunei": "BN", "brunei darussalam": "BN",
    "east timor": "TL", "timor-leste": "TL",
    "burma": "MM", "myanmar": "MM",
    "the netherlands": "NL", "netherlands": "NL", "kingdom of the netherlands": "NL",
    "netherlands (kingdom of the)": "NL", "netherlands, kingdom of the": "NL",  # the UN's name since 2022
    "libyan arab jamahiriya": "LY",  # the UN's name until 2011, in 1st-cycle UPR documents
    "korea (republic of)": "KR", "vatican city state": "VA",
    "the gambia": "GM", "gambia": "GM",
    "sahrawi arab democratic republic": "EH", "western sahara": "EH",
    "sovereign military order of malta": None,
    "european union": None,
    "taiwan": "TW", "republic of china": "TW",
    "people's republic of china": "CN", "china": "CN",
    "kosovo": "XK",
    # UPR Info's own spellings, as its database exports write them.
    "dpr korea": "KP", "democratic republic of congo": "CD", "republic of congo": "CG", "macedonia fyr": "MK",
    "trinidad & tobago": "TT", "bosnia & herzegovina": "BA", "antigua & barbuda": "AG",
    "saint kitts & nevis": "KN", "saint vincent & the grenadines": "VC", "sao tome & principe": "ST",
    "republic of ireland": "IE", "ireland": "IE",
}

# Codes pycountry does not know but the world uses.
EXTRA_NAMES = {"XK": "Kosovo"}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return " ".join(text.replace("’", "'").split())


@lru_cache(maxsize=4096)
def country_code(name_or_code: str | None) -> str | None:
    """ISO alpha-2 for a country name in any common English form, or an alpha-2/alpha-3 code."""
    if not name_or_code or not isinstance(name_or_code, str):
        return None
    folded = _fold(name_or_code)
    if not folded or len(folded) > 120:
        return None
    if folded in ALIASES:
        return ALIASES[folded]
    if len(folded) == 2 and folded.isalpha():
        code = folded.upper()
        return code if code in EXTRA_NAMES or pycountry.countries.get(alpha_2=code) else None
    if len(folded) == 3 and folded.isalpha():
        found = pycountry.countries.get(alpha_3=folded.upper())
        if found:
            return found.alpha_2
    for attr in ("name", "official_name", "common_name"):
        for country in pycountry.countries:
            value = getattr(country, attr, None)
            if value and _fold(value) == folded:
                return country.alpha_2
    # Drop a leading "the" and try once more ("The Bahamas").
    if folded.startswith("the "):
        return country_code(folded[4:])
    return None


@lru_cache(maxsize=512)  # pycountry's lookup is slow, and lists and feeds name the same states over and over
def country_name(code: str | None) -> str:
    """The short English name for an alpha-2 code ('' for None)."""
    if not code:
        return ""
    if code in EXTRA_NAMES:
        return EXTRA_NAMES[code]
    found = pycountry.countries.get(alpha_2=code)
    if not found:
        return code
    return getattr(found, "common_name", None) or found.name


def country_choices() -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name, for pickers."""
    pairs = [(c.alpha_2, getattr(c, "common_name", None) or c.name) for c in pycountry.countries]
    pairs += list(EXTRA_NAMES.items())
    return sorted(pairs, key=lambda p: p[1])
