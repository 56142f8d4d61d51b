"""Recommendation pages: list and search, detail with inline edit, import, target planning."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy.orm import lazyload, with_expression
from werkzeug.routing import BuildError

from engage.auth.permissions import export_confirmed, require_role_for_blueprint, role_required
from engage.boundary import on_refusal
from engage.clock import now_utc
from engage.countries import country_name
from engage.csvfiles import ImportProblem
from engage.cycles.services import Window, engagement_window
from engage.errors import NotFoundError, ValidationError
from engage.extensions import db
from engage.forms import apply_errors
from engage.i18n import ENGLISH, LANGUAGE_NAMES, page_language, primary_subtag, said, said_refusal
from engage.importjobs import services as import_jobs
from engage.members.services import all_members, coalition_mode, is_secretariat
from engage.implementation import queries as implementation
from engage.recommendations import queries as catalogue
from engage.recommendations import vocabulary
from engage.recommendations.models import SDG_GOALS, Recommendation, text_in_language_sql
from engage.recommendations.schemas import KEEP

from engage.asks import services as ask_services
from engage.clusters.queries import clusters_of

from . import asks_plan as asks_plan_service
from . import exports, planning, previews, services, sources
from .forms import AskPlanForm, EditForm, FilterForm, ImportForm, PlanForm
from .imports import import_recommendations_bytes, template_csv
from .ohchr import looks_like_word

bp = Blueprint("upr", __name__, url_prefix="/recommendations")
require_role_for_blueprint(bp, "staff")


# The services word refusals in English, as the API gives them; these pages say them in their reader's language.
def _said_on_form(form, render):
    """Declare that a refusal puts the service's field errors on `form`, said, then answers `render()`."""
    def answer(exc):
        apply_errors(form, said_refusal(exc))
        return render()
    on_refusal(answer)
    return render


def _said_and_back(url: str) -> str:
    """Declare that a refusal flashes the service's message, said, and redirects to `url`; returns `url`."""
    def answer(exc):
        said_refusal(exc)
        field = next(iter(exc.fields), None)
        flash(exc.fields[field][0] if field and exc.fields[field] else exc.message, "danger")
        return redirect(url)
    on_refusal(answer)
    return url

# Where the Meetings and Directory issues put their pages; linked only once they exist.
MEETING_PAGES = (("meetings.show", "meeting_id"), ("meetings.detail", "meeting_id"))
ORGANISATION_PAGES = (("directory.organisation", "org_id"),)
BOOKING_PAGE = "meetings.new"


def _link(candidates, value) -> str | None:
    for endpoint, param in candidates:
        if endpoint in current_app.view_functions:
            try:
                return url_for(endpoint, **{param: value})
            except BuildError:
                continue
    return None


def _window() -> Window:
    """The cycle whose engagement the page shows: ?engaged_in=<number>, or the current cycle (kept per request)."""
    # Kept on the request, not on g: g lives as long as the app context, which a test may hold across requests.
    if not hasattr(request, "engagement_window"):
        request.engagement_window = engagement_window(now_utc(), request.args.get("engaged_in", type=int))
    return request.engagement_window


@bp.context_processor
def _page_helpers():
    try:
        engagement = _window()
    except NotFoundError:  # the error page for an unknown ?engaged_in= is rendered here too
        engagement = None
    return {"meeting_url": lambda m: _link(MEETING_PAGES, m.id),
            "organisation_url": lambda o: _link(ORGANISATION_PAGES, o.id),
            "engagement": engagement}


def _filter_form() -> FilterForm:
    form = FilterForm(formdata=request.args)
    form.cycle.choices = [("", _("All cycles"))] + [(str(c), _("Cycle %(number)s", number=c)) for c in catalogue.cycles_in_use()]
    form.state.choices = [("", _("All states"))] + catalogue.states_in_use()
    form.theme.choices = [("", _("All themes"))] + [(t.name, t.name) for t in catalogue.all_themes()]
    form.group.choices = [("", _("Any group"))] + [(g.key, g.name) for g in catalogue.theme_groups()]
    return form


def _query(form: FilterForm):
    window = _window()
    return services.recommendation_query(**form.filters(), engaged_since=window.counts_from,
                                         engaged_until=window.until, actor=current_user, now=now_utc())


def _text_language() -> str | None:
    """The language recommendations' texts are read in: ?text=fr (or ?text=original), else the page's
    language (the user's choice, else the browser's); None for the original text."""
    asked = request.args.get("text")
    if asked is not None:
        language = primary_subtag(asked)
        return language if language != "original" and language and language != ENGLISH and language.isalpha() and len(language) <= 8 else None
    language = page_language(current_user, request.accept_languages)
    return None if language == ENGLISH else language


@bp.context_processor
def _text_helpers():
    # The switch between a translation and the original is a link (?text=…): it works without JS.
    def text_switch(language: str) -> str:
        return url_for(request.endpoint, **{**(request.view_args or {}), **request.args.to_dict(), "text": language})

    preferred = page_language(current_user, request.accept_languages)
    return {"text_language": _text_language(), "language_names": LANGUAGE_NAMES, "text_switch": text_switch,
            "preferred_text_language": None if preferred == ENGLISH else preferred}


def _csv_response(text: str, filename: str) -> Response:
    return Response(text, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/")
def index():
    form = _filter_form()
    # The list shows no goals: their eager load would be one more statement for nothing.
    # Each one's status as the reader sees it, in the page's own statement.
    query = implementation.with_latest_status(current_user, _query(form).options(lazyload(Recommendation.sdg_links)))
    if _text_language():  # the texts in the reader's language come with the rows: no statement more
        query = query.options(with_expression(Recommendation.translated_text, text_in_language_sql(_text_language())))
    pagination = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    window = _window()
    engaged = services.engaged_states(window.counts_from, now_utc(), window.until, actor=current_user)
    to_review = sources.open_disagreement_count() if current_user.has_role("lead") else None
    return render_template("upr/index.html", form=form, pagination=pagination, engaged=engaged, to_review=to_review,
                           filtered=any(v for k, v in request.args.items() if k != "page"))


@bp.route("/export.csv")
@export_confirmed("recommendations")
def export():
    return _csv_response(exports.recommendations_csv(_query(_filter_form()), current_user), "recommendations.csv")


def _edit_form(rec: Recommendation, formdata=None) -> EditForm:
    # The saved values in the shape the fields hold them (theme names), so every saved theme is ticked:
    # a save of the form as shown changes nothing. (Status and ministries: engage/implementation.)
    # Not obj=rec: WTForms prefers an object's attribute to data=, and rec.themes are Theme rows.
    form = EditForm(formdata=formdata, data=None if formdata else {
        "themes": rec.theme_names, "sdgs": [str(g) for g in rec.sdgs], "notes": rec.notes})
    current = set(rec.theme_names)
    form.themes.choices = [(t.name, t.name) for t in sorted(catalogue.all_themes(), key=lambda t: t.name not in current)]
    return form


def _detail(rec: Recommendation, form: EditForm, status: int = 200):
    return render_template("upr/detail.html", rec=rec, form=form, country_name=country_name, sdg_goals=SDG_GOALS,
                           shown_text=rec.text_in(_text_language()),
                           sources=sources.sources_of(rec),
                           disagreements=sources.disagreements_of(rec),
                           cluster=clusters_of([rec.id]).get(rec.id),
                           **services.recommendation_overview(rec, _window().counts_from, now_utc(), current_user,
                                                              _window().until)), status


@bp.route("/<int:rec_id>")
def detail(rec_id):
    rec = db.get_or_404(Recommendation, rec_id)
    return _detail(rec, _edit_form(rec))


@bp.route("/<int:rec_id>/edit", methods=["POST"])
def edit(rec_id):
    rec = db.get_or_404(Recommendation, rec_id)
    form = _edit_form(rec, request.form)
    page = _said_on_form(form, lambda: _detail(rec, form, 422))
    if form.validate_on_submit():
        changed = services.update_recommendation(current_user, now_utc(), rec, form.values())
        flash(_("Saved %(recommendation)s.", recommendation=rec.label) if changed else _("Nothing changed."),
              "success" if changed else "info")
        return redirect(url_for("upr.detail", rec_id=rec.id))
    return page()


@bp.route("/import", methods=["GET", "POST"])
@role_required("lead")
def import_csv():
    form = ImportForm()
    report = preview = None
    if form.validate_on_submit():
        raw = form.file.data.read()
        # Too long for a request: the scheduler imports it. A dry run stays here (checking alone is quick), and
        # so does an OHCHR matrix (a few hundred rows at most, and it may need the cycle chosen here).
        if not form.dry_run.data and not looks_like_word(raw) and import_jobs.runs_as_job(raw, current_app.config):
            job = import_jobs.queue_import(current_user, now_utc(), "recommendations", form.file.data.filename, raw)
            return redirect(url_for("imports.show", job_id=job.id))
        report = import_recommendations_bytes(raw, current_user, now_utc(), cycle=form.cycle.data)
        if report.ok and not form.dry_run.data:
            flash(_("Imported %(file)s: %(counts)s.", file=form.file.data.filename, counts=_summary(report))
                  + (" " + _("The file was not UTF-8; it was read as %(encoding)s.", encoding=report.encoding_label)
                     if report.assumed_encoding else ""), "success")
            if report.unknown_themes:
                names = ", ".join(report.unknown_themes[:5]) + ("…" if len(report.unknown_themes) > 5 else "")
                flash(ngettext("%(num)d theme name engage did not know was added as a new theme (%(names)s): map it "
                               "to engage's themes under Recommendations → Themes.",
                               "%(num)d theme names engage did not know were added as new themes (%(names)s): map "
                               "them to engage's themes under Recommendations → Themes.",
                               len(report.unknown_themes), names=names), "info")
            return redirect(url_for("upr.index"))
        db.session.rollback()  # a dry run or a refused file keeps nothing, though a dry run answers 200
        if report.ok:  # ... but the checked file, for its "Import" button
            preview = previews.keep_preview(current_user, now_utc(), form.file.data.filename, raw, report,
                                            form.cycle.data)
    status = 422 if (report and not report.ok) or form.errors else 200
    return render_template("upr/import.html", form=form, report=report and _said_report(report), preview=preview,
                           summary=report and _summary(report),
                           count_names=previews.COUNT_NAMES,
                           max_bytes=current_app.config.get("MAX_CONTENT_LENGTH"),
                           job_rows=current_app.config["ENGAGE_IMPORT_JOB_ROWS"],
                           state_under_review=country_name(current_app.config["ENGAGE_STATE_UNDER_REVIEW"]),
                           jobs=import_jobs.recent_jobs(current_user, ("recommendations",)),
                           all_themes=_themes_for_choice() if report and report.unknown_themes else [],
                           keep=KEEP), status


def _summary(report) -> str:
    """What an import did (ImportReport.summary) in the page's language: "166 rows: 164 created, …"."""
    text = ngettext("%(num)d row", "%(num)d rows", report.total) + ": " + _(
        "%(created)d created, %(updated)d updated, %(unchanged)d unchanged", created=report.created,
        updated=report.updated, unchanged=report.unchanged)
    if report.merged:
        text += ", " + _("%(num)d matched by their text to recommendations already held", num=report.merged)
    if report.conflicts:
        text += ", " + _("%(num)d disagreeing with what is held", num=len(report.conflicts))
    if report.skipped:
        text += "; " + _("%(num)d rows for other states under review skipped", num=report.skipped)
    if report.unattributed:
        text += "; " + _("%(num)d rows without a recommending state (\"(Unknown)\" in the source) skipped",
                         num=report.unattributed)
    return text


def _said_report(report):
    """The report's line problems and disagreements said in the page's language (the services word them in
    English, as the API and the command give them)."""
    report.errors = [ImportProblem(e.line, said(e.message)) for e in report.errors]
    report.conflicts = [ImportProblem(c.line, said(c.message)) for c in report.conflicts]
    return report


def _themes_for_choice(with_groups: bool = False) -> list:
    """The themes a name may be mapped to: engage's own first, then the others kept, each by name."""
    return sorted(catalogue.all_themes(with_groups), key=lambda t: (not t.curated, t.name.lower()))


@bp.route("/themes")
@role_required("lead")
def themes():
    """engage's themes and groups, the other themes kept, and every mapping from other vocabularies."""
    return render_template("upr/themes.html", themes=_themes_for_choice(with_groups=True), groups=catalogue.theme_groups(),
                           mappings=vocabulary.mappings(), usage=vocabulary.theme_usage(), keep=KEEP,
                           vocabularies=vocabulary.VOCABULARIES)


@bp.route("/themes/mappings", methods=["POST"])
@role_required("lead")
def map_themes():
    """Save the mappings chosen in an import's preview or on the themes page (rows left blank wait)."""
    back = _said_and_back(url_for("upr.import_csv" if request.form.get("back") == "import" else "upr.themes"))
    saved = [vocabulary.save_theme_mapping(current_user, now_utc(), {"name": name, "theme": theme})
             for name, theme in zip(request.form.getlist("name"), request.form.getlist("theme")) if theme]
    if saved:
        flash(ngettext("Saved %(num)d theme mapping; it applies from the next import.",
                       "Saved %(num)d theme mappings; they apply from the next import.", len(saved)), "success")
    else:
        flash(_("Nothing chosen, nothing saved."), "info")
    return redirect(back)


@bp.route("/themes/mappings/<int:mapping_id>/delete", methods=["POST"])
@role_required("lead")
def delete_theme_mapping(mapping_id):
    _said_and_back(url_for("upr.themes"))
    vocabulary.delete_mapping(current_user, now_utc(), mapping_id)
    flash(_("Mapping removed: that name is unknown again at the next import."), "success")
    return redirect(url_for("upr.themes"))


@bp.route("/import/checked/<int:job_id>", methods=["POST"])
@role_required("lead")
def import_checked(job_id):
    _said_and_back(url_for("upr.import_csv"))
    job = previews.get_preview(current_user, job_id)
    filename = job.filename or _("the file")
    report, queued = previews.apply_preview(current_user, now_utc(), job, current_app.config)
    if queued is not None:
        return redirect(url_for("imports.show", job_id=queued.id))
    flash(_("Imported %(file)s: %(counts)s.", file=filename, counts=_summary(report)), "success")
    return redirect(url_for("upr.review") if report.conflicts else url_for("upr.index"))


@bp.route("/review")
@role_required("lead")
def review():
    pagination = db.paginate(sources.open_disagreements(), per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("upr/review.html", pagination=pagination)


@bp.route("/disagreements/<int:disagreement_id>", methods=["POST"])
@role_required("lead")
def review_disagreement(disagreement_id):
    found = sources.get_disagreement(disagreement_id)
    back = url_for("upr.detail", rec_id=found.recommendation_id) if request.form.get("back") == "detail" \
        else url_for("upr.review")
    _said_and_back(back)
    sources.resolve_disagreement(current_user, now_utc(), found, {"choice": request.form.get("choice")})
    rec = found.recommendation
    flash(_("%(recommendation)s: %(field)s %(resolution)s.", recommendation=rec.label, field=_(found.field_label).lower(),
            resolution=_(found.resolution_label)), "success")
    return redirect(back)


@bp.route("/import/template.csv")
@role_required("lead")
def import_template():
    return Response(template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="engage-recommendations-template.csv"'})


def _plan_form() -> PlanForm:
    form = PlanForm(formdata=request.args)
    cycles = catalogue.cycles_in_use()
    groups = catalogue.theme_groups()
    chosen = set(request.args.getlist("theme"))
    group = next((g for g in groups if g.key == request.args.get("group")), None)
    if group is not None:  # a group ticks its themes, so the page shows what it stands for
        chosen |= {t.name for t in group.themes}
    # The chosen themes first, so they show at the top of the scrolling list.
    form.theme.choices = [(t.name, t.name) for t in sorted(catalogue.all_themes(), key=lambda t: t.name not in chosen)]
    form.group.choices = [("", _("None"))] + [(g.key, g.name) for g in groups]
    form.cycle.choices = [(str(c), _("Cycle %(number)s", number=c)) for c in cycles] + [("all", _("All cycles"))]
    if "cycle" not in request.args:
        form.cycle.data = str(cycles[0]) if cycles else "all"
    form.validate()
    if group is not None and not form.theme.errors:
        form.theme.data = [name for name, _ in form.theme.choices if name in chosen]
    return form


def _plan(form: PlanForm):
    themes = [] if form.theme.errors else form.theme.data or []
    cycle = None if form.cycle.errors or form.cycle.data in (None, "", "all") else int(form.cycle.data)
    response = None if form.response.errors else form.response.data or None
    window = _window()
    return planning.target_plan(themes, cycle, window.counts_from, now_utc(), response, actor=current_user,
                                engaged_until=window.until, member_id=_member_arg())


def planning_members() -> list:
    """The members whose meetings planning may count alone: for the secretariat in a coalition, as coverage
    offers; else none (the choice is not offered and `?member=` changes nothing)."""
    if not (coalition_mode() and is_secretariat(current_user)):
        return []
    return all_members()


def _member_arg() -> int | None:
    """`?member=`: the one member whose meetings count (None: the whole coalition); 4xx naming `member` for
    an id not among the members offered."""
    raw = request.args.get("member", "").strip()
    offered = planning_members()
    if not raw or not offered:
        return None
    if raw.isascii() and raw.isdigit() and len(raw) < 10 and int(raw) in {m.id for m in offered}:
        return int(raw)
    raise ValidationError.for_fields({"member": _("Choose the whole coalition or a member from the list.")})


@bp.route("/plan")
def plan():
    form = _plan_form()
    booking = BOOKING_PAGE if BOOKING_PAGE in current_app.view_functions else "upr.draft_meeting"
    health = catalogue.health_theme_names()
    return render_template("upr/plan.html", form=form, plan=_plan(form), booking=booking, health=health,
                           members=planning_members(),
                           health_url=url_for("upr.plan", group=catalogue.HEALTH_GROUP, cycle=form.cycle.data))


@bp.route("/plan.csv")
@export_confirmed("target_plan")
def plan_export():
    return _csv_response(exports.plan_csv(_plan(_plan_form())), "target-plan.csv")


@bp.route("/plan/draft")
def draft_meeting():
    """Until the Meetings issue brings the booking form: the meeting a planning row would book."""
    draft = planning.meeting_draft(request.args.get("organisation_id", type=int),
                                   request.args.getlist("contact_id", type=int),
                                   request.args.getlist("recommendation_id", type=int), actor=current_user)
    return render_template("upr/draft.html", draft=draft)


# ---- planning for the coalition's asks (its page sits beside the asks, at /asks/plan) ----

asks_plan_bp = Blueprint("asks_plan", __name__, url_prefix="/asks")
require_role_for_blueprint(asks_plan_bp, "staff")


def _asks_plan_filters() -> tuple[AskPlanForm, dict]:
    form = AskPlanForm(formdata=request.args)
    cycles = ask_services.cycles_in_use()
    form.cycle.choices = [(str(c), _("Cycle %(number)s", number=c)) for c in cycles] or [("", _("No asks yet"))]
    form.theme.choices = [("", _("All themes"))] + [(t.name, t.name) for t in catalogue.all_themes()]
    if not request.args.get("cycle"):
        form.cycle.data = str(cycles[0]) if cycles else ""
    form.validate()
    cycle = int(form.cycle.data) if not form.cycle.errors and (form.cycle.data or "").isdigit() else None
    return form, {"cycle": cycle, "theme": None if form.theme.errors else form.theme.data or None,
                  "priority": None if form.priority.errors else form.priority.data or None}


@asks_plan_bp.route("/plan")
def asks_plan():
    form, filters = _asks_plan_filters()
    plans = asks_plan_service.ask_plan(filters.pop("cycle"), now_utc(), actor=current_user, member_id=_member_arg(),
                                       **filters) if form.cycle.data else []
    show_all = request.args.get("show") == "all"
    booking = BOOKING_PAGE if BOOKING_PAGE in current_app.view_functions else "upr.draft_meeting"
    return render_template("upr/asks_plan.html", form=form, plans=plans, show_all=show_all, booking=booking,
                           members=planning_members())
