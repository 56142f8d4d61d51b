"""The engagement log's table rows as HTML, written in Python.

The log shows 50 rows of seven cells; written by the template (macros, filters and a lookup per
value) they were the largest part of the page's time. This writes exactly what
templates/outcomes/index.html wrote for them, escaping every value as the template's autoescape did.
"""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from types import SimpleNamespace

from flask import current_app
from flask_babel import get_locale, gettext as _
from jinja2.filters import do_truncate
from markupsafe import Markup, escape

from engage.access.views import restricted_badge
from engage.countries import country_name
from engage.urls import id_url

from .log import LogRow
from .models import ASK_POSITION_COLOURS, ASK_POSITIONS, FOLLOW_UP_COLOURS, POSITION_COLOURS, POSITIONS

# Any record restricted by its own mark: the access views' badge is the same for every restricted row.
_RESTRICTED = SimpleNamespace(sensitivity="restricted")


def position_badge(position: str | None) -> Markup:
    """An outcome's position as its coloured badge in the page's language, or a dash when none was recorded."""
    return _position_badge(position, str(get_locale()))


@lru_cache(maxsize=64)
def _position_badge(position: str | None, language: str) -> Markup:
    # Keyed by the language too: the badge's word is translated (the stored position is English).
    del language  # the cache's key only: _() reads the page's locale
    if not position:
        return Markup('<span class="text-body-secondary">—</span>')
    # An outcome on an ask has the ask's positions ("Will make it"): their keys are not the others'.
    colour = POSITION_COLOURS.get(position) or ASK_POSITION_COLOURS.get(position, "light")
    word = _(POSITIONS.get(position) or ASK_POSITIONS.get(position, position))
    return Markup(f'<span class="badge text-bg-{escape(colour)}">'
                  f'{escape(word)}</span>')


def follow_up_badge(follow_up, today: date) -> Markup:
    """A follow-up's state as of `today` as its coloured badge."""
    word = _(follow_up.state_label(today))
    return Markup(f'<span class="badge text-bg-{escape(FOLLOW_UP_COLOURS.get(follow_up.state(today), "secondary"))}">'
                  f'{escape(word)}</span>')


def _text(value: str) -> str:
    # What markupsafe.escape writes for a str (the template's autoescape), as a plain str so that
    # adding HTML to it escapes nothing; most values have nothing to escape, and are returned as they are.
    if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
        return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace('"', "&#34;").replace("'", "&#39;"))
    return value


@lru_cache(maxsize=4096)
def _when(starts_at: datetime, zone: str, language: str, multi_zone) -> str:
    # A meeting's time in its zone and the reference zones, escaped, as the templates' `multi_zone`
    # filter writes it in the page's language: the log shows each meeting's time on every row of its
    # outcomes, page after page.
    del language  # the cache's key only: the filter reads the page's locale
    return _text(str(multi_zone(starts_at, zone)))


def log_rows_html(rows: list[LogRow], today: date) -> Markup:
    """The <tr>s of the engagement log table for these rows (follow-up states as of `today`)."""
    env = current_app.jinja_env
    leeway = env.policies["truncate.leeway"]
    meeting_url, timeline_url, view_url = (_escaped(id_url("outcomes.meeting", "meeting_id")),
                                           _escaped(id_url("outcomes.timeline", "rec_id")),
                                           _escaped(id_url("outcomes.view", "outcome_id")))
    recommendation_cells: dict[int, str] = {}  # a recommendation's cell, the same on each of its rows
    ask_url = _escaped(id_url("asks.detail", "ask_id"))
    ask_cells: dict[int, str] = {}
    restricted = ""
    # The words every row may carry, translated once per page.
    # (Called outside the f-strings, where the catalogue's extractor reads them.)
    words = escape(_("Overall")), escape(_("Commitment")), escape(_("Same summary as above"))
    overall = f'<span class="text-body-secondary">{words[0]}</span>'
    commitment_badge = f'<br><span class="badge text-bg-success">{words[1]}</span>'
    same_summary = f'<span class="text-body-secondary fst-italic">{words[2]}</span>'
    language, multi_zone, day = str(get_locale()), env.filters["multi_zone"], env.filters["date"]
    out = []
    shown: set = set()  # (meeting id, summary) already on this page
    for o in rows:
        when = _when(o.starts_at, o.timezone, language, multi_zone) if o.starts_at else ""
        if o.organisation_id is None:
            org_cell = "—"
        else:
            org_cell = _text(o.organisation_name)
            if o.organisation_city:
                org_cell += f'<br><span class="small text-body-secondary">{_text(o.organisation_city)}</span>'
        if o.ask_id is not None:
            rec_cell = ask_cells.get(o.ask_id)
            if rec_cell is None:
                rec_cell = ask_cells[o.ask_id] = _ask_cell(o, ask_url, env, leeway)
        elif o.recommendation_id is None:
            rec_cell = overall
        else:
            rec_cell = recommendation_cells.get(o.recommendation_id)
            if rec_cell is None:
                text = o.recommendation_text
                rec_cell = (f'<a href="{timeline_url[0]}{o.recommendation_id}{timeline_url[1]}" '
                            f'title="{_text(text if len(text) <= 200 + leeway else do_truncate(env, text, 200))}">'
                            f'{_text(o.reference)}</a>\n'
                            f'    <span class="text-body-secondary">{_text(country_name(o.recommending_state))}</span>')
                if o.themes:
                    rec_cell += f'<br><span class="small text-body-secondary">{_text(", ".join(o.themes))}</span>'
                recommendation_cells[o.recommendation_id] = rec_cell
        if o.is_restricted:
            badge = restricted or (restricted := str(restricted_badge(_RESTRICTED)))
        else:
            badge = ""
        commitment = o.commitment
        if commitment:
            if len(commitment) > 140 + leeway:
                commitment = do_truncate(env, commitment, 140)
            commitment = f'{commitment_badge} {_text(commitment)}'
        else:
            commitment = ""
        follow_ups = "".join(f'{follow_up_badge(fu, today)} {_text(str(day(fu.due_on)))}<br>'
                             for fu in o.follow_ups) or "—"
        # A recommendation logged without words of its own carries the meeting's overall summary: the
        # page shows that text once per meeting, and the other rows say so instead of repeating it.
        if (o.meeting_id, o.summary) in shown:
            summary = same_summary
        else:
            shown.add((o.meeting_id, o.summary))
            summary = _text(o.summary if len(o.summary) <= 140 + leeway else do_truncate(env, o.summary, 140))
        out.append(
            f'\n    <tr>\n'
            f'      <td><a href="{meeting_url[0]}{o.meeting_id}{meeting_url[1]}">{_text(o.meeting_title)}</a><br>'
            f'<span class="small">{when}</span></td>\n'
            f'      <td>{org_cell}</td>\n'
            f'      <td>{rec_cell}</td>\n'
            f'      <td>{position_badge(o.position)}</td>\n'
            f'      <td><a href="{view_url[0]}{o.id}{view_url[1]}">{summary}</a> '
            f'{badge}\n'
            f'        {commitment}</td>\n'
            f'      <td class="small">{follow_ups}</td>\n'
            f'      <td class="small">{_text(o.author) if o.author else ""}</td>\n'
            f'    </tr>\n  ')
    return Markup("".join(out))


def _ask_cell(o: LogRow, url: tuple[str, str], env, leeway: int) -> str:
    # An outcome on one of the coalition's asks: the ask (linked), not the meeting's overall summary.
    words = " ".join(o.ask_text.split())
    short = words if len(words) <= 80 else words[:80] + "…"
    # (Called outside the f-string, where the catalogue's extractor reads them.)
    ask, number = escape(_("Ask")), escape(_("Ask %(number)s", number=o.ask_id))
    cycle = escape(_("cycle %(number)s", number=o.ask_cycle))
    return (f'<span class="badge text-bg-info">{ask}</span> '
            f'<a href="{url[0]}{o.ask_id}{url[1]}" '
            f'title="{_text(words if len(words) <= 200 + leeway else do_truncate(env, words, 200))}">'
            f'{number}</a>\n'
            f'    <span class="text-body-secondary">{cycle}</span>'
            f'<br><span class="small text-body-secondary">{_text(short)}</span>')


def _escaped(parts: tuple[str, str]) -> tuple[str, str]:
    return _text(parts[0]), _text(parts[1])
