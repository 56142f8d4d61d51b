"""Languages: which one a recipient or a page gets, the catalogues' words, and dates in that language.

A core helper (docs/architecture.md, "Languages"). Recipients (invitations, updates, cancellations,
reminders, the RSVP pages) get their contact's language when engage has a catalogue for it, else
English; app pages get the user's choice (`User.language`), else the browser's.

Python code that words a message for a recipient asks `translator(language)` for explicit gettext
functions, so what it builds depends on its arguments only (no request, no forced locale); Jinja
templates are rendered inside `in_language(language)`, Flask-Babel's forced locale.
"""
from __future__ import annotations

import functools
import os
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_date, get_timezone_location
from babel.support import NullTranslations, Translations

from engage import clock

def N_(message: str) -> str:
    """Marks `message` for the catalogues where it is defined; it is translated where it is used."""
    return message


ENGLISH = "en"
# What a recipient may read: a catalogue exists for each (English is the source text).
RECIPIENT_LANGUAGES = ("en", "fr", "es")
# What an app page may be shown in (the account setting offers these).
APP_LANGUAGES = ("en", "fr")
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "sw": "Kiswahili"}
# The languages staff may give a meeting's invitation title in, beside the English one: a recipient
# whose language has no catalogue (Kiswahili) still reads the title staff wrote for them.
TITLE_LANGUAGES = ("fr", "es", "sw")
# engage's two reference zones are named by their cities (clock.ZONE_LABELS), in the reader's language.
ZONE_CITY_WORDS = (N_("Geneva"), N_("Nairobi"))
TRANSLATIONS_DIR = os.path.join(os.path.dirname(__file__), "translations")
DOMAIN = "messages"


def primary_subtag(tag: str | None) -> str:
    """'fr' for 'fr-CH', 'FR', 'fr_CH'; '' for nothing."""
    return (tag or "").strip().replace("_", "-").split("-", 1)[0].lower()


def recipient_language(tag: str | None) -> str:
    """The language a recipient's messages and pages are in: their BCP 47 tag's language when engage
    has a catalogue for it ('fr-CH' → 'fr'), else English (Kiswahili too, until a catalogue exists)."""
    language = primary_subtag(tag)
    return language if language in RECIPIENT_LANGUAGES else ENGLISH


@functools.cache
def _translations(language: str) -> NullTranslations:
    if language == ENGLISH:
        return NullTranslations()  # the source text is English
    return Translations.load(TRANSLATIONS_DIR, [language], DOMAIN)


class Translator:
    """gettext and ngettext for one language, with %-style named values: `t.gettext("When: %(when)s", when=…)`."""

    def __init__(self, language: str):
        self.language = language
        self._catalogue = _translations(language)

    def gettext(self, message: str, **values) -> str:
        text = self._catalogue.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, num: int, **values) -> str:
        text = self._catalogue.ngettext(singular, plural, num)
        return text % {"num": num, **values}


@functools.cache
def translator(language: str | None) -> Translator:
    """The words of `language` (a recipient language; anything else is English)."""
    return Translator(language if language in RECIPIENT_LANGUAGES else ENGLISH)


@contextmanager
def in_language(language: str):
    """Render Jinja templates (and Flask-Babel's gettext) in `language` for the block; needs an app context."""
    from flask_babel import force_locale  # Flask-Babel's context manager; engage's templates install its gettext

    with force_locale(language):
        yield


# ---- dates and times in a language ----

def zone_city(zone: str, language: str) -> str:
    """The city a zone is named by, in `language`: 'Genève' for engage's Geneva zone in French, 'Nueva York'."""
    if language == ENGLISH:
        return clock.zone_label(zone)
    if zone in clock.ZONE_LABELS:  # Europe/Zurich is shown as Geneva, where the missions are
        return translator(language).gettext(clock.ZONE_LABELS[zone])
    return get_timezone_location(ZoneInfo(zone), locale=language, return_city=True)


def format_day(value: date, language: str) -> str:
    """'6 Jul 2027' in English (clock.format_date), 'mardi 6 juillet 2027', 'martes, 6 de julio de 2027'."""
    if language == ENGLISH:
        return clock.format_date(value)
    return babel_date(value, "full", locale=Locale.parse(language))


def format_short_day(value: date, language: str) -> str:
    """A day in a list or a line of an app page: '6 Jul 2027' in English (clock.format_date), '6 juil. 2027'."""
    if language == ENGLISH:
        return clock.format_date(value)
    return babel_date(value, "medium", locale=Locale.parse(language))


def format_in_zone(value: datetime, zone: str, language: str, with_date: bool = True, seconds: bool = False) -> str:
    """clock.format_in_zone in `language`: 'mardi 6 juillet 2027, 10:00 heure de Genève (CEST)'."""
    if language == ENGLISH:
        return clock.format_in_zone(value, zone, with_date=with_date, seconds=seconds)
    local = value.astimezone(ZoneInfo(zone))
    # computed apart: the catalogue's extractor reads every argument
    clock_time = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    at = translator(language).gettext("%(time)s %(city)s (%(abbreviation)s)", time=clock_time,
                                      city=zone_city(zone, language), abbreviation=local.tzname())
    if with_date:
        return f"{format_day(local.date(), language)}, {at}"
    return at


@functools.lru_cache(maxsize=4096)
def format_multi_zone(value: datetime, zone: str, language: str) -> str:
    """clock.format_multi_zone in `language`: the meeting's zone with its date, then Nairobi and Geneva."""
    if language == ENGLISH:
        return clock.format_multi_zone(value, zone)
    parts = [format_in_zone(value, zone, language)]
    own_day = value.astimezone(ZoneInfo(zone)).date()
    for other in clock.display_zones(zone)[1:]:
        local = value.astimezone(ZoneInfo(other))
        parts.append(format_in_zone(value, other, language, with_date=local.date() != own_day))
    return " · ".join(parts)


def _range_in_zone(starts_at: datetime, ends_at: datetime, zone: str, language: str, with_date: bool) -> str:
    tz = ZoneInfo(zone)
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    t, city = translator(language), zone_city(zone, language)
    if start.date() != end.date():  # over midnight: both ends carry their day and abbreviation
        first, last = (f"{format_day(v.date(), language)}, {v:%H:%M} {v.tzname()}" for v in (start, end))
        return t.gettext("%(start)s – %(end)s %(city)s", city=city, start=first, end=last)
    abbreviation = start.tzname() if start.tzname() == end.tzname() else f"{start.tzname()}–{end.tzname()}"
    times = f"{start:%H:%M}–{end:%H:%M}"
    at = t.gettext("%(time)s %(city)s (%(abbreviation)s)", time=times, city=city, abbreviation=abbreviation)
    return f"{format_day(start.date(), language)}, {at}" if with_date else at


def format_range_in_zone(starts_at: datetime, ends_at: datetime, zone: str, language: str,
                         with_date: bool = True) -> str:
    """clock.format_range_in_zone in `language`: 'mardi 6 juillet 2027, 10:00–11:00 heure de Genève (CEST)'."""
    if language == ENGLISH:
        return clock.format_range_in_zone(starts_at, ends_at, zone, with_date=with_date)
    return _range_in_zone(starts_at, ends_at, zone, language, with_date)


def format_range(starts_at: datetime, ends_at: datetime, zone: str, language: str) -> str:
    """clock.format_multi_zone_range in `language` (a calendar entry's 'When:' line):
    'mardi 6 juillet 2027, 10:00–11:00 heure de Genève (CEST) · 11:00–12:00 heure de Nairobi (EAT)'."""
    if language == ENGLISH:
        return clock.format_multi_zone_range(starts_at, ends_at, zone)
    parts = [_range_in_zone(starts_at, ends_at, zone, language, True)]
    own_day = starts_at.astimezone(ZoneInfo(zone)).date()
    for other in clock.display_zones(zone)[1:]:
        local = starts_at.astimezone(ZoneInfo(other))
        parts.append(_range_in_zone(starts_at, ends_at, other, language, local.date() != own_day))
    return " · ".join(parts)


def format_duration(minutes: int, language: str) -> str:
    """'45 minutes', '1 hour', '2 hours 30 minutes' in `language`."""
    t = translator(language)
    hours, minutes = divmod(max(0, minutes), 60)
    parts = []
    if hours:
        parts.append(t.ngettext("%(num)d hour", "%(num)d hours", hours))
    if minutes or not hours:
        parts.append(t.ngettext("%(num)d minute", "%(num)d minutes", minutes))
    return " ".join(parts)


# ---- the app's pages ----

def browser_language(accept_languages, offered) -> str:
    """The first language of an Accept-Language header (by quality) that is `offered`, by its language
    subtag ('fr-CH' is French); English when none is."""
    for tag, _quality in accept_languages or ():
        if primary_subtag(tag) in offered:
            return primary_subtag(tag)
    return ENGLISH


def page_language(user, accept_languages) -> str:
    """The language of an app page: the signed-in user's choice, else the browser's among APP_LANGUAGES."""
    chosen = getattr(user, "language", None) if getattr(user, "is_authenticated", False) else None
    if chosen in APP_LANGUAGES:
        return chosen
    return browser_language(accept_languages, APP_LANGUAGES)


def staff_language(user) -> str:
    """The language of a staff member's own mail (digest, follow-up and milestone reminders): their
    choice on the account page, else English (mail has no browser to ask)."""
    chosen = getattr(user, "language", None)
    return chosen if chosen in APP_LANGUAGES else ENGLISH


def current_language() -> str:
    """The language pages and templates are rendered in now: the page's (`page_language`), or the one
    `in_language` forces; English outside an app context."""
    from flask import has_app_context
    from flask_babel import get_locale

    locale = get_locale() if has_app_context() else None
    language = locale.language if locale is not None else ENGLISH
    return language if language in RECIPIENT_LANGUAGES else ENGLISH


class PageClock:
    """`clock` as templates see it: its formats in the page's language (`current_language`), so a French
    page reads 'mardi 6 juillet 2027, 10:00 heure de Genève (CEST)' and an English one what `clock`
    writes, byte for byte. Everything else is `clock`'s own."""

    def __getattr__(self, name):
        return getattr(clock, name)

    @staticmethod
    def format_date(value: date) -> str:
        return format_short_day(value, current_language())

    @staticmethod
    def format_in_zone(value: datetime, zone: str, with_date: bool = True, seconds: bool = False) -> str:
        return format_in_zone(value, zone, current_language(), with_date=with_date, seconds=seconds)

    @staticmethod
    def format_multi_zone(value: datetime, zone: str) -> str:
        return format_multi_zone(value, zone, current_language())

    @staticmethod
    def format_range_in_zone(starts_at: datetime, ends_at: datetime, zone: str, with_date: bool = True) -> str:
        return format_range_in_zone(starts_at, ends_at, zone, current_language(), with_date=with_date)

    @staticmethod
    def format_multi_zone_range(starts_at: datetime, ends_at: datetime, zone: str) -> str:
        return format_range(starts_at, ends_at, zone, current_language())


page_clock = PageClock()


def init_app(app) -> None:
    """Bind Flask-Babel with engage's locale selector and catalogues."""
    from flask import request
    from flask_login import current_user

    from engage.extensions import babel

    def select_locale():
        if not request:
            return ENGLISH
        if request.path.startswith("/api/"):
            return ENGLISH  # the JSON API is a contract for other tools: its messages stay English
        return page_language(current_user, request.accept_languages)

    babel.init_app(app, locale_selector=select_locale, default_translation_directories=TRANSLATIONS_DIR,
                   default_domain=DOMAIN)
    app.add_template_global(current_language, "page_language")  # <html lang>

    @app.before_request
    def _choose_again():
        # Flask-Babel keeps the locale it chose in `g`, which outlives a request where an app context
        # spans several (the CLI, tests): each request chooses for itself.
        from flask_babel import refresh

        refresh()


# ---- messages built where they are raised, shown in the reader's language ----

class Phrase(str):
    """A message with values, kept as the English text it reads (what the API, exports, logs and stored
    import jobs keep: `str` itself) and as its marked template and values, so a page can say it again in
    its own language (`said`). Mark the template where it is written: `Phrase(N_("line %(n)d: …"), n=4)`.
    A value that is itself a Phrase is said in the reader's language too."""

    template: str
    values: dict
    clipped = False  # said without its full stop (a clause of another message)

    def __new__(cls, template: str, **values):
        self = super().__new__(cls, template % values if values else template)
        self.template, self.values = template, values
        return self

    def clause(self) -> "Phrase":
        """The same message without its full stop, to go inside another ("line 4: response: …; text: …");
        said, it reads as its translation does."""
        clause = str.__new__(Phrase, str(self).rstrip("."))
        clause.template, clause.values, clause.clipped = self.template, self.values, True
        return clause


def said(message) -> str:
    """`message` in the page's language (Flask-Babel's locale; English outside a request): a Phrase with
    its values said too, any other text looked up as it is (a message marked with N_ where it is defined)."""
    from flask_babel import gettext

    if not isinstance(message, str) or not message:
        return message
    if isinstance(message, Phrase):
        values = {k: said(v) if isinstance(v, Phrase) else v for k, v in message.values.items()}
        text = gettext(message.template, **values) if values else gettext(message.template)
        return text.rstrip(".") if message.clipped else text
    return gettext(message)


def said_refusal(exc):
    """A refused write's message and field messages in the page's language, for a page to show (the API
    answers the English `exc` as it is)."""
    exc.fields = {name: [said(m) for m in messages] for name, messages in (exc.fields or {}).items()}
    exc.message = said(exc.message)
    return exc
