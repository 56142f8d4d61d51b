"""The engagement log's table rows as HTML, written in Python.

The log shows 50 rows of seven cells; written by the template (macros, filters and a lookup per
value) they were the largest part of the page's time. This writes exactly what
templates/outcomes/index.html wrote for them, escaping every value as the template's autoescape did.
"""
from __future__ import annotations

from datetime import date

from flask import current_app
from jinja2.filters import do_truncate
from markupsafe import Markup, escape

from engage.access.views import restricted_badge
from engage.clock import format_date, format_multi_zone
from engage.urls import id_url

from .log import LogRow
from .models import FOLLOW_UP_COLOURS, POSITION_COLOURS, POSITIONS


def position_badge(position: str | None) -> Markup:
    """An outcome's position as its coloured badge, or a dash when none was recorded."""
    if not position:
        return Markup('<span class="text-body-secondary">—</span>')
    return Markup(f'<span class="badge text-bg-{escape(POSITION_COLOURS.get(position, "light"))}">'
                  f'{escape(POSITIONS.get(position, position))}</span>')


def follow_up_badge(follow_up, today: date) -> Markup:
    """A follow-up's state as of `today` as its coloured badge."""
    return Markup(f'<span class="badge text-bg-{escape(FOLLOW_UP_COLOURS.get(follow_up.state(today), "secondary"))}">'
                  f'{escape(follow_up.state_label(today))}</span>')


def log_rows_html(rows: list[LogRow], today: date) -> Markup:
    """The <tr>s of the engagement log table for these rows (follow-up states as of `today`)."""
    env = current_app.jinja_env
    meeting_url, timeline_url, view_url = (_escaped(id_url("outcomes.meeting", "meeting_id")),
                                           _escaped(id_url("outcomes.timeline", "rec_id")),
                                           _escaped(id_url("outcomes.view", "outcome_id")))
    out = []
    for o in rows:
        m, org, rec = o.meeting, o.organisation, o.recommendation
        when = format_multi_zone(m.starts_at, m.timezone) if m.starts_at else ""
        if org is None:
            org_cell = "—"
        else:
            org_cell = str(escape(org.name))  # a str: adding to a Markup would escape the HTML added
            if org.city:
                org_cell += f'<br><span class="small text-body-secondary">{escape(org.city)}</span>'
        if rec is None:
            rec_cell = '<span class="text-body-secondary">Overall</span>'
        else:
            rec_cell = (f'<a href="{timeline_url[0]}{rec.id}{timeline_url[1]}" '
                        f'title="{escape(do_truncate(env, rec.text, 200))}">{escape(rec.reference)}</a>\n'
                        f'    <span class="text-body-secondary">{escape(rec.state_name)}</span>')
            if rec.themes:
                rec_cell += f'<br><span class="small text-body-secondary">{escape(rec.theme_names)}</span>'
        position_cell = position_badge(o.position)
        badge = restricted_badge(o) if o.is_restricted else ""
        commitment = (f'<br><span class="badge text-bg-success">Commitment</span> '
                      f'{escape(do_truncate(env, o.commitment, 140))}') if o.commitment else ""
        follow_ups = "".join(f'{follow_up_badge(fu, today)} {escape(format_date(fu.due_on))}<br>'
                             for fu in o.follow_ups) or "—"
        author = escape(o.created_by.display_name) if o.created_by else ""
        out.append(
            f'\n    <tr>\n'
            f'      <td><a href="{meeting_url[0]}{m.id}{meeting_url[1]}">{escape(m.title)}</a><br>'
            f'<span class="small">{escape(when)}</span></td>\n'
            f'      <td>{org_cell}</td>\n'
            f'      <td>{rec_cell}</td>\n'
            f'      <td>{position_cell}</td>\n'
            f'      <td><a href="{view_url[0]}{o.id}{view_url[1]}">{escape(do_truncate(env, o.summary, 140))}</a> '
            f'{badge}\n'
            f'        {commitment}</td>\n'
            f'      <td class="small">{follow_ups}</td>\n'
            f'      <td class="small">{author}</td>\n'
            f'    </tr>\n  ')
    return Markup("".join(out))


def _escaped(parts: tuple[str, str]) -> tuple[str, str]:
    return str(escape(parts[0])), str(escape(parts[1]))
