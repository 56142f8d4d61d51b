"""Themes written with a record (a recommendation, an ask): names checked, resolved through engage's
vocabulary and its mappings, new ones added."""
from __future__ import annotations

from typing import Annotated, Any, Iterable

from pydantic import PlainValidator, WithJsonSchema

from engage.extensions import db
from engage.i18n import N_, Phrase
from engage.schemas import CONTROL_RE, max_length, problem

from .models import Theme
from .vocabulary import ThemeIndex

THEME_MAX = max_length(Theme.name)
MAX_THEMES = 50


def theme_names(value: Any) -> list[str]:
    """Theme names from a list or a ';'-separated string: trimmed, without repeats (ignoring case)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(";")
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise problem(N_("Must be a list of theme names."))
    names: list[str] = []
    seen: set[str] = set()
    for raw in value:
        control = CONTROL_RE.search(raw)
        if control:
            # One control character in a theme name broke every workbook that listed the theme.
            raise problem(Phrase(N_("Contains a control character (U+%(code)04X); remove it."), code=ord(control.group())))
        name = " ".join(raw.split())
        if not name:
            continue
        if len(name) > THEME_MAX:
            raise problem(Phrase(N_("A theme name has at most %(count)d characters: %(name)r…"), count=THEME_MAX,
                                 name=name[:40]))
        if name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    if len(names) > MAX_THEMES:
        raise problem(N_("At most 50 themes."))  # MAX_THEMES: a whole sentence the pages find
    return names


def theme_index() -> ThemeIndex:
    """Every theme and mapping, for resolving many names without a query each."""
    return ThemeIndex()


def resolve_themes(names: Iterable[str], index: ThemeIndex | None = None) -> list[Theme]:
    """The themes those names stand for (engage's own, or through a mapping: "HIV - Aids" is HIV/AIDS),
    adding the ones engage does not know as new themes."""
    index = theme_index() if index is None else index
    themes = []
    for name in names:
        theme = index.get(name)
        if theme is None:
            theme = Theme(name=name)
            db.session.add(theme)
            index.add(theme)
        if theme not in themes:
            themes.append(theme)
    return themes


# A write schema's `themes`: a list of names, or one ';'-separated string (a CSV cell, a form field).
ThemeNames = Annotated[list[str], PlainValidator(theme_names), WithJsonSchema(
    {"anyOf": [{"type": "array", "items": {"type": "string", "maxLength": THEME_MAX}},
               {"type": "string", "description": "names separated by ';'"}, {"type": "null"}]})]
