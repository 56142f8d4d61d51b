"""Reports for leads: the dashboard, coverage, exports and printable summaries."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from engage import downloads
from engage.pdf import html_to_pdf, pdf_available
from engage.access.guard import audit_export
from engage.auth.permissions import export_confirmed, require_role_for_blueprint
from engage.clock import now_utc
from engage.countries import country_code, country_name
from engage.cycles.services import engagement_window
from engage.errors import ValidationError
from engage.extensions import db
from engage.members.services import all_members, coalition_mode, is_secretariat, member_arg, short_names
from engage.outcomes import log
from engage.outcomes import services as outcome_services
from engage.outcomes.models import POSITION_FILLS, POSITIONS, FollowUp, Outcome
from engage.recommendations.models import MAX_CYCLE, RESPONSES, SDG_TITLES, Theme
from engage.recommendations.queries import (all_themes, cycles_in_use, recommendations_by_sdg, states_in_use,
                                            theme_groups)
from engage.spreadsheets import XLSX_MIMETYPE

from . import charts, exports, queries, uptake

bp = Blueprint("reports", __name__, url_prefix="/reports")
# The responses' colours in charts (with their words beside them: never colour alone).
RESPONSE_FILLS = {"supported": "#198754", "noted": "#ffc107", "pending": "#adb5bd"}
require_role_for_blueprint(bp, "lead")


def _bad(errors: dict, template: str, **context):
    return render_template(template, errors=errors, **context), 400


def _download(chunks, mimetype: str, filename: str, audited=None) -> Response:
    """The export made in full (engage.downloads), then `audited` (the restricted rows it holds), then sent."""
    produced = downloads.produce(chunks)
    if audited is not None:
        audit_export(*audited)
    return downloads.send(produced, mimetype, filename, {"X-Content-Type-Options": "nosniff",
                                                         "Cache-Control": "no-store"})


# ---- the dashboard ----

@bp.route("/")
def index():
    now = now_utc()
    data = dashboard_data(now, current_user, _engaged_in())
    return render_template("reports/index.html", **data)


def _engaged_in() -> int | None:
    """?engaged_in=<cycle number>: the cycle whose engagement a page counts (default: the current one)."""
    return request.args.get("engaged_in", type=int)


def dashboard_data(now, actor, cycle: int | None = None) -> dict:
    """Every figure on the dashboard that `actor` may see, with its chart, for cycle `cycle` (default: the current one)."""
    window = engagement_window(now, cycle)
    since = window.counts_from
    today = outcome_services.today(now)
    weeks = queries.meetings_per_week(now, actor=actor)
    # One aggregate of commitments for both the themes and the total (each is a walk of the cycle's outcomes).
    commitments = queries.commitments_by_recommendation(since, actor=actor)
    themes = queries.positions_by_theme(since, actor=actor, commitments=commitments)[:12]
    engaged, not_engaged = queries.states_engaged(now, since, actor, window.until)
    overdue_query = outcome_services.follow_up_query(today, state="overdue", actor=actor)
    overdue = list(db.session.scalars(overdue_query.limit(10)))
    overdue_total = db.session.scalar(select(func.count()).select_from(overdue_query.order_by(None).subquery()))
    segments = [(k, _(label), POSITION_FILLS[k]) for k, label in POSITIONS.items()]
    return {
        "since": since, "engagement": window, "today": today, "weeks": weeks, "themes": themes,
        "positions": translated(POSITIONS),
        "engaged": engaged, "not_engaged": not_engaged, "commitments": queries.commitments_secured(since, commitments=commitments),
        "commitments_on_asks": queries.commitments_on_asks(since, actor=actor),
        "overdue": overdue, "overdue_total": overdue_total,
        "week_chart": charts.week_columns(weeks, _("Meetings per week (Nairobi weeks, Monday first)")),
        "theme_chart": charts.stacked_bars([(t.name, t.positions) for t in themes], segments,
                                           _("Positions by theme this cycle"), "positions"),
        "commitment_chart": charts.bars([(t.name, t.commitments, "#198754") for t in themes],
                                        _("Commitments secured by theme this cycle"), "commitments"),
        "states_chart": charts.bars([(_("Engaged"), engaged, "#0b5394"),
                                     (_("Not yet engaged"), not_engaged, "#adb5bd")],
                                    _("Recommending states engaged this cycle"), "states"),
    }


def translated(words: dict) -> dict:
    """{key: label} with each label (marked with N_ where it is defined) in the page's language; the keys,
    and the stored values and exports, stay English."""
    return {key: _(label) for key, label in words.items()}


# ---- coverage ----

def theme_group_choices() -> dict[str, tuple[str, list[str]]]:
    """Presets for the matrix's theme filter, the theme groups: {key: (its name, its themes' names)}."""
    return {g.key: (g.name, [t.name for t in g.themes]) for g in theme_groups()}


def coverage_args(args) -> dict:
    """The coverage page's choices from the query string; a ValidationError names every bad one."""
    errors: dict[str, list[str]] = {}
    names = [n.strip() for n in args.getlist("theme") if n and n.strip()]
    group = args.get("group", "").strip()
    groups = theme_group_choices() if group else {}
    if group and group not in groups:
        errors["group"] = [_("Choose a theme group from the list.")]
    elif group:
        group_names = groups[group][1]
        if not group_names:
            errors["group"] = [_("The group %(group)s has no themes yet: choose themes instead.", group=groups[group][0])]
        names += [n for n in group_names if n not in names]
    themes = []
    if names:
        found = {t.name.lower(): t for t in db.session.scalars(
            select(Theme).where(func.lower(Theme.name).in_([n.lower()[:200] for n in names])))}
        missing = [n for n in names if n.lower() not in found]
        if missing:
            errors["theme"] = [_("No theme called %(name)s.", name=repr(missing[0][:60]))]
        themes = list({t.id: t for t in found.values()}.values())
    cycle = args.get("cycle", "").strip()
    if cycle and not (cycle.isascii() and cycle.isdigit() and 1 <= int(cycle) <= MAX_CYCLE):
        errors["cycle"] = [_("Choose a cycle from 1 to %(last)s.", last=MAX_CYCLE)]
    dates = {}
    for name in ("since", "until"):
        raw = args.get(name, "").strip()
        if raw:
            try:
                dates[name] = date.fromisoformat(raw)
            except ValueError:
                errors[name] = [_("Not a date; write it as YYYY-MM-DD (got %(value)s).", value=repr(raw[:40]))]
    by = args.get("by", "theme")
    if by not in ("theme", "recommendation"):
        errors["by"] = [_("Choose theme or recommendation.")]
    if by == "recommendation" and len(themes) != 1 and "theme" not in errors:
        errors["by"] = [_("Choose exactly one theme to see its recommendations.")]
    sort = args.get("sort", "").strip() or "recommendations"
    if sort not in queries.COVERAGE_SORTS:
        errors["sort"] = [_("Sort by one of: %(choices)s.", choices=", ".join(queries.COVERAGE_SORTS))]
    member_id = None
    member = args.get("member", "").strip()
    if member and coverage_members():  # only the secretariat chooses, only in a coalition
        member_id = int(member) if member.isascii() and member.isdigit() and len(member) < 10 else None
        if member_id not in {m.id for m in coverage_members()}:
            errors["member"] = [_("Choose the whole coalition or a member from the list.")]
    if errors:
        raise ValidationError.for_fields(errors)
    return {"theme_ids": [t.id for t in themes], "cycle": int(cycle) if cycle else None,
            "since": dates.get("since"), "until": dates.get("until"), "by": by, "sort": sort,
            "member_id": member_id}


def coverage_members() -> list:
    """The members whose meetings coverage may count alone: for the secretariat in a coalition; else none
    (the choice is not offered and `?member=` is ignored, so a single organisation sees no change)."""
    if not (coalition_mode() and is_secretariat(current_user)):
        return []
    return all_members()


def _coverage():
    args = coverage_args(request.args)
    if args["since"] is None:  # the chosen cycle's window (?engaged_in=), else the current cycle's
        window = engagement_window(now_utc(), _engaged_in())
        args["since"], args["until"] = window.counts_from, args["until"] or window.until
    return queries.coverage(now_utc(), **args, actor=current_user)


@bp.route("/coverage")
def coverage():
    choices = {"all_themes": all_themes(), "cycles": cycles_in_use(), "args": request.args,
               "chosen": request.args.getlist("theme"),
               "engagement": engagement_window(now_utc(), _engaged_in()),
               "theme_groups": theme_group_choices(),
               "sorts": {key: (_(link), _(explained)) for key, (link, explained) in queries.COVERAGE_SORTS.items()},
               "members": coverage_members()}
    try:
        cov = _coverage()
    except ValidationError as exc:
        return _bad(exc.fields, "reports/coverage.html", cov=None, **choices)
    return render_template("reports/coverage.html", cov=cov, errors={}, log_link=_log_link(), **choices)


def _log_link():
    """A fast link builder for the matrix's thousands of cells: the log's URL with some filters."""
    base = url_for("outcomes.index")
    return lambda **args: f"{base}?{urlencode({k: v for k, v in args.items() if v is not None})}"


@bp.route("/coverage.csv")
@export_confirmed("coverage")
def coverage_csv():
    try:
        cov = _coverage()
    except ValidationError as exc:
        abort(400, exc.message)
    return _download(exports.coverage_csv(cov), "text/csv; charset=utf-8",
                     exports.export_filename("coverage", now_utc(), "csv"))


@bp.route("/coverage.xlsx")
@export_confirmed("coverage", "xlsx")
def coverage_xlsx():
    try:
        cov = _coverage()
    except ValidationError as exc:
        abort(400, exc.message)
    return _download(exports.coverage_xlsx(cov), XLSX_MIMETYPE,
                     exports.export_filename("coverage", now_utc(), "xlsx"))


# ---- the engagement log, exported ----

def _log_filters() -> log.LogFilters:
    try:
        return log.parse_log_filters(request.args)
    except ValidationError as exc:
        abort(400, exc.message)


@bp.route("/log.csv")
@export_confirmed("engagement_log")
def log_csv():
    filters = _log_filters()
    return _download(exports.log_csv(filters, current_user), "text/csv; charset=utf-8",
                     exports.export_filename("engagement-log", now_utc(), "csv"),
                     audited=(Outcome, log.engagement_log_query(filters, current_user)))


@bp.route("/log.xlsx")
@export_confirmed("engagement_log", "xlsx")
def log_xlsx():
    filters = _log_filters()
    return _download(exports.log_xlsx(filters, current_user), XLSX_MIMETYPE,
                     exports.export_filename("engagement-log", now_utc(), "xlsx"),
                     audited=(Outcome, log.engagement_log_query(filters, current_user)))


# ---- follow-up actions, exported ----

FOLLOW_UP_STATES = ("open", "overdue", "done", "cancelled", "all")


def _follow_ups():
    """The follow-up actions the query string asks for (`state`, `owner`, in a coalition `member`) that
    the reader may see, with the coalition's member names (None outside a coalition); or a 400."""
    state = request.args.get("state", "open")
    if state not in FOLLOW_UP_STATES:
        abort(400, f"state: choose one of {', '.join(FOLLOW_UP_STATES)}.")
    owner = request.args.get("owner", "")
    owner_id = current_user.id if owner == "me" else (int(owner) if owner.isascii() and owner.isdigit()
                                                      and int(owner) < 2**31 else None)
    try:
        member_id = member_arg(request.args.get("member"))
    except ValidationError as exc:
        abort(400, exc.message)
    query = outcome_services.follow_up_query(outcome_services.today(now_utc()), owner_id,
                                             None if state == "all" else state, actor=current_user)
    if member_id is not None:  # one member's actions, of those the reader may see
        query = query.where(FollowUp.member_id == member_id)
    follow_ups = list(db.session.scalars(query))
    audited = (Outcome, select(Outcome).where(Outcome.id.in_([f.outcome_id for f in follow_ups])))
    return follow_ups, (short_names() if coalition_mode() else None), audited


@bp.route("/follow-ups.csv")
@export_confirmed("follow_ups")
def follow_ups_csv():
    follow_ups, members, audited = _follow_ups()
    return _download(exports.follow_ups_csv(follow_ups, members), "text/csv; charset=utf-8",
                     exports.export_filename("follow-ups", now_utc(), "csv"), audited=audited)


@bp.route("/follow-ups.xlsx")
@export_confirmed("follow_ups", "xlsx")
def follow_ups_xlsx():
    follow_ups, members, audited = _follow_ups()
    return _download(exports.follow_ups_xlsx(follow_ups, members), XLSX_MIMETYPE,
                     exports.export_filename("follow-ups", now_utc(), "xlsx"), audited=audited)


# ---- printable summaries ----

def _summary():
    """The summary the query string asks for (theme=… or state=…), or a 400/404."""
    theme_name = request.args.get("theme", "").strip()
    state = request.args.get("state", "").strip()
    since_raw = request.args.get("since", "").strip()
    try:
        since = date.fromisoformat(since_raw) if since_raw else None
    except ValueError:
        abort(400, _("since: not a date; write it as YYYY-MM-DD (got %(value)s).", value=repr(since_raw[:40])))
    if theme_name:
        theme = db.session.scalars(select(Theme).where(func.lower(Theme.name) == theme_name.lower()[:200])).first()
        if theme is None:
            abort(404, _("No theme called %(name)s.", name=repr(theme_name[:60])))
        return queries.theme_summary(theme, now_utc(), since, actor=current_user)
    if state:
        code = country_code(state)
        if code is None:
            abort(404, _("Unknown state %(state)s.", state=repr(state[:60])))
        return queries.state_summary(code, now_utc(), since, actor=current_user)
    return None


@bp.route("/summary")
def summary():
    return render_template("reports/summary.html", summary=_summary(), themes=all_themes(),
                           states=states_in_use(), pdf_available=pdf_available(), positions=translated(POSITIONS))



@bp.route("/summary.pdf")
def summary_pdf():
    report = _summary()
    if report is None:
        abort(400, _("Choose a theme or a state for the summary."))
    if not pdf_available():
        abort(404, _("PDF output needs WeasyPrint and Pango on the server; print the HTML page instead."))
    html = render_template("reports/summary_pdf.html", summary=report, positions=translated(POSITIONS))
    pdf = html_to_pdf(html)
    name = f"engage-summary-{report.kind}-{report.title.lower().replace(' ', '-')[:40]}-{report.now:%Y%m%d}.pdf"
    safe = "".join(c if c.isalnum() or c in "-." else "-" for c in name)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{safe}"'})


# ---- the uptake report ----

def _uptake() -> uptake.UptakeReport:
    """The uptake report of ?cycle= (default: the newest cycle with asks) as the reader may see it, in a
    coalition of ?member='s meetings alone when one is chosen; a ValidationError names `cycle` when it
    is not a cycle number, `member` when it is not a member organisation's."""
    number = uptake.cycle_arg(request.args.get("cycle"))
    return uptake.uptake_report(number, now_utc(), current_user, member_arg(request.args.get("member")))


def _uptake_or_400() -> uptake.UptakeReport:
    try:
        return _uptake()
    except ValidationError as exc:
        abort(400, exc.message)


def uptake_charts(report: uptake.UptakeReport) -> dict:
    """The report's charts (server-drawn SVG, each with its numbers in a table beside it)."""
    segments = [(key, _(label), uptake.PAIR_FILLS[key]) for key, label in uptake.PAIR_KINDS.items()]
    totals = report.totals
    return {
        "asks_chart": charts.bars([(_("Taken up by a state"), totals.asks_taken_up, "#198754"),
                                   (_("Not taken up"), report.not_taken_up, "#adb5bd")],
                                  _("Asks of cycle %(number)s taken up", number=report.cycle.number), "uptake-asks"),
        "themes_chart": charts.stacked_bars([(theme_name(t.name), t.pairs) for t in report.themes], segments,
                                            _("What each pitch came to, by theme"), "uptake-themes"),
        "states_chart": charts.stacked_bars([(s.name, s.pairs) for s in report.states[:25]], segments,
                                            _("What each pitch came to, by state"), "uptake-states"),
    }


def theme_name(name: str) -> str:
    """A theme's name as the uptake report shows it: as typed, but its "No theme" row in the page's language."""
    return _(name) if name == uptake.NO_THEME else name


def _uptake_context() -> dict:
    return {"cycles": uptake.cycles_with_asks(), "pdf_available": pdf_available(),
            "parts": translated(exports.UPTAKE_PARTS), "pair_kinds": translated(uptake.PAIR_KINDS),
            "theme_name": theme_name, "members": all_members() if coalition_mode() else []}


def _member_part(report: uptake.UptakeReport) -> str:
    """"-member-3" in a file's name when the report counts one member's meetings alone."""
    return f"-member-{report.member_id}" if report.member_id is not None else ""


@bp.route("/uptake")
def uptake_report():
    context = _uptake_context()
    try:
        report = _uptake()
    except ValidationError as exc:
        return _bad(exc.fields, "reports/uptake.html", report=None, **context)
    return render_template("reports/uptake.html", report=report, errors={}, **uptake_charts(report), **context)


@bp.route("/uptake.csv")
@export_confirmed("uptake")
def uptake_csv():
    part = request.args.get("part", "asks")
    if part not in exports.UPTAKE_PARTS:
        abort(400, _("part: choose one of %(choices)s.", choices=", ".join(exports.UPTAKE_PARTS)))
    report = _uptake_or_400()
    return _download(exports.uptake_csv(report, part), "text/csv; charset=utf-8",
                     exports.export_filename(f"uptake-cycle-{report.cycle.number or 0}{_member_part(report)}-{part}",
                                             now_utc(), "csv"))


@bp.route("/uptake.xlsx")
@export_confirmed("uptake", "xlsx")
def uptake_xlsx():
    report = _uptake_or_400()
    return _download(exports.uptake_xlsx(report), XLSX_MIMETYPE,
                     exports.export_filename(f"uptake-cycle-{report.cycle.number or 0}{_member_part(report)}",
                                             now_utc(), "xlsx"))


@bp.route("/uptake.pdf")
def uptake_pdf():
    report = _uptake_or_400()
    if not pdf_available():
        abort(404, _("PDF output needs WeasyPrint and Pango on the server; print the HTML page instead."))
    html = render_template("reports/uptake_pdf.html", report=report, pair_kinds=translated(uptake.PAIR_KINDS),
                           theme_name=theme_name, **uptake_charts(report))
    pdf = html_to_pdf(html)
    name = f"engage-uptake-cycle-{report.cycle.number or 0}{_member_part(report)}-{report.now:%Y%m%d}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ---- recommendations by Sustainable Development Goal ----

def _sdg_cycle() -> int | None:
    raw = request.args.get("cycle", "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_CYCLE):
        raise ValidationError.for_fields({"cycle": _("Choose a cycle from 1 to %(last)s.", last=MAX_CYCLE)})
    return int(raw)


@bp.route("/sdgs")
def sdgs():
    context = {"cycles": cycles_in_use(), "responses": translated(RESPONSES), "titles": SDG_TITLES}
    try:
        cycle = _sdg_cycle()
    except ValidationError as exc:
        return _bad(exc.fields, "reports/sdgs.html", rows=None, cycle=None, **context)
    rows = recommendations_by_sdg(cycle)
    chart = charts.stacked_bars([(f"{r.goal} {r.name}", r.responses) for r in rows if r.goal and r.total],
                                [(key, _(label), RESPONSE_FILLS[key]) for key, label in RESPONSES.items()],
                                _("Recommendations by goal and Kenya's response"), "sdgs")
    return render_template("reports/sdgs.html", rows=rows, cycle=cycle, errors={}, chart=chart, **context)


@bp.route("/sdgs.csv")
@export_confirmed("recommendations_by_sdg")
def sdgs_csv():
    try:
        cycle = _sdg_cycle()
    except ValidationError as exc:
        abort(400, exc.message)
    return _download(exports.sdg_csv(recommendations_by_sdg(cycle)), "text/csv; charset=utf-8",
                     exports.export_filename(f"recommendations-by-sdg{f'-cycle-{cycle}' if cycle else ''}",
                                             now_utc(), "csv"))


@bp.app_template_global()
def state_label(code: str | None) -> str:
    return country_name(code) if code else ""
