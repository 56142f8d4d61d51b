"""Charts as SVG drawn on the server: no script, no CDN; each page shows the same numbers as a table.

Each function returns markup for an <svg role="img"> with a <title> and <desc> so a screen reader
announces what it shows; the figures themselves are in the table beside it. Their words (titles,
legends, descriptions) are in the page's language: the callers pass translated labels, and the words
drawn here are translated here.
"""
from __future__ import annotations

from flask_babel import format_date, gettext as _, ngettext, pgettext
from markupsafe import Markup, escape

FONT = 'font-family="system-ui, sans-serif" font-size="12"'
PAST_FILL = "#0b5394"
AHEAD_FILL = "#9fc5e8"


def _svg(width: int, height: int, title: str, desc: str, body: list[str], chart_id: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'class="chart" style="max-width:{width}px">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def _nice_max(value: int) -> int:
    """A round axis maximum at or above `value`."""
    if value <= 5:
        return max(value, 1)
    for step in (1, 2, 5):
        magnitude = 10 ** (len(str(value)) - 1)
        top = step * magnitude
        if top >= value:
            return top
    return 10 ** len(str(value))


def week_columns(weeks, title: str, chart_id: str = "weeks") -> Markup:
    """Columns per week: meetings already started (dark) and still ahead (light), stacked; each week
    named by its Monday in the page's language ("6 Jul", "6 juil.")."""
    width, height, left, bottom, top = 640, 230, 34, 40, 24
    n = max(len(weeks), 1)
    top_value = _nice_max(max((w.past + w.scheduled for w in weeks), default=0))
    plot_h = height - bottom - top
    slot = (width - left - 8) / n
    bar = max(slot * 0.7, 2)
    body = [f'<g {FONT} fill="#333">']
    # (Translated outside the f-strings, where the catalogue's extractor reads them.)
    # "Scheduled" here counts meetings ("Prévues"); a meeting's status badge is one ("Prévue").
    held_words, ahead_words = _("Held or started"), pgettext("meetings counted", "Scheduled")
    for tick in (0, top_value // 2, top_value):
        y = top + plot_h - plot_h * tick / top_value
        body.append(f'<line x1="{left}" x2="{width - 4}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                    f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    for i, w in enumerate(weeks):
        x = left + i * slot + (slot - bar) / 2
        base = top + plot_h
        week = format_date(w.starts_on, "d MMM")
        for value, fill, words in ((w.past, PAST_FILL, held_words), (w.scheduled, AHEAD_FILL, ahead_words)):
            if value:
                h = plot_h * value / top_value
                base -= h
                tip = _("Week of %(week)s: %(count)s %(what)s", week=week, count=value, what=words.lower())
                body.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{fill}">'
                            f'<title>{escape(tip)}</title></rect>')
        if i % 2 == 0 or n <= 10:
            body.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle">'
                        f'{escape(week)}</text>')
    legend_y = height - 8
    # The second key starts after the first's words, however long they are in the page's language.
    second = left + 24 + 7 * len(held_words)
    body.append(f'<rect x="{left}" y="{legend_y - 10}" width="12" height="12" fill="{PAST_FILL}"/>'
                f'<text x="{left + 16}" y="{legend_y}">{escape(held_words)}</text>'
                f'<rect x="{second}" y="{legend_y - 10}" width="12" height="12" fill="{AHEAD_FILL}"/>'
                f'<text x="{second + 16}" y="{legend_y}">{escape(ahead_words)}</text></g>')
    total_past = sum(w.past for w in weeks)
    total_ahead = sum(w.scheduled for w in weeks)
    desc = ngettext("%(num)s week: %(past)s meetings held or started, %(ahead)s scheduled.",
                    "%(num)s weeks: %(past)s meetings held or started, %(ahead)s scheduled.", len(weeks),
                    past=total_past, ahead=total_ahead)
    return _svg(width, height, title, desc, body, chart_id)


def stacked_bars(rows, segments, title: str, chart_id: str) -> Markup:
    """One horizontal bar per row, split into segments.

    rows: [(label, {segment key: count})]; segments: [(key, label, fill)].
    """
    label_w, bar_w, row_h = 170, 430, 24
    height = 30 + row_h * max(len(rows), 1) + 28
    width = label_w + bar_w + 40
    top_value = max((sum(values.values()) for _label, values in rows), default=0) or 1
    body = [f'<g {FONT} fill="#333">']
    for i, (label, values) in enumerate(rows):
        y = 10 + i * row_h
        short = label if len(label) <= 26 else label[:25] + "…"
        body.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(short)}'
                    f'<title>{escape(label)}</title></text>')
        x = label_w
        for key, seg_label, fill in segments:
            value = values.get(key, 0)
            if not value:
                continue
            w = bar_w * value / top_value
            body.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{fill}">'
                        f'<title>{escape(label)}: {value} {escape(seg_label.lower())}</title></rect>')
            x += w
        body.append(f'<text x="{x + 4:.1f}" y="{y + 15}">{sum(values.values())}</text>')
    legend_y = height - 10
    x = 4
    for key, seg_label, fill in segments:
        body.append(f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" fill="{fill}"/>'
                    f'<text x="{x + 16}" y="{legend_y}">{escape(seg_label)}</text>')
        x += 24 + 7 * len(seg_label)
    body.append("</g>")
    desc = "; ".join(f"{label}: " + ", ".join(f"{values.get(k, 0)} {l.lower()}" for k, l, _fill in segments)
                     for label, values in rows[:20]) or _("No data yet.")
    return _svg(width, height, title, desc, body, chart_id)


def bars(rows, title: str, chart_id: str) -> Markup:
    """Plain horizontal bars, each its own colour: rows [(label, value, fill)]."""
    label_w, bar_w, row_h = 170, 430, 26
    height = 16 + row_h * max(len(rows), 1)
    width = label_w + bar_w + 50
    top_value = max((v for _label, v, _fill in rows), default=0) or 1
    body = [f'<g {FONT} fill="#333">']
    for i, (label, value, fill) in enumerate(rows):
        y = 8 + i * row_h
        w = bar_w * value / top_value
        body.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
                    f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{fill}">'
                    f'<title>{escape(label)}: {value}</title></rect>'
                    f'<text x="{label_w + w + 4:.1f}" y="{y + 15}">{value}</text>')
    body.append("</g>")
    desc = "; ".join(f"{label}: {value}" for label, value, _fill in rows) or _("No data yet.")
    return _svg(width, height, title, desc, body, chart_id)
