"""Ask pages: list with filters, detail, add, edit, delete, CSV import and CSV/XLSX exports.
Staff read; leads and admins write (the services refuse anyone else too)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engage import downloads
from engage.auth.permissions import export_confirmed, require_role_for_blueprint, role_required
from engage.boundary import form_page, refused_redirect
from engage.clock import now_utc
from engage.extensions import db
from engage.history import history_for

from . import exports, matches, services
from .forms import AskForm, DeleteForm, FilterForm, ImportForm, MatchesFilterForm, MatchForm, UndoMatchForm
from .imports import import_asks_bytes, template_csv
from .models import MATCH_VERDICTS, PRIORITY_COLOURS

bp = Blueprint("asks", __name__, url_prefix="/asks")
require_role_for_blueprint(bp, "staff")


@bp.context_processor
def _page_helpers():
    return {"priority_colours": PRIORITY_COLOURS, "match_verdicts": MATCH_VERDICTS}


def _filter_form() -> FilterForm:
    form = FilterForm(formdata=request.args)
    form.fill_choices()
    return form


def _query(form: FilterForm):
    return services.ask_query(**form.filters())


@bp.route("/")
def index():
    form = _filter_form()
    pagination = db.paginate(_query(form), per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("asks/index.html", form=form, pagination=pagination,
                           filtered=any(v for k, v in request.args.items() if k != "page"))


@bp.route("/export.csv")
@export_confirmed("asks")
def export():
    produced = downloads.produce(exports.asks_csv(_query(_filter_form())))
    return downloads.send(produced, "text/csv; charset=utf-8", "asks.csv")


@bp.route("/export.xlsx")
@export_confirmed("asks", "xlsx")
def export_xlsx():
    produced = downloads.produce(exports.asks_xlsx(_query(_filter_form())))
    return downloads.send(produced, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "asks.xlsx")


@bp.route("/<int:ask_id>")
def detail(ask_id):
    ask = services.get_ask(ask_id)
    confirmed, rejected = matches.split_matches(ask)
    pool = matches.CyclePool(ask.cycle)
    suggestions = matches.suggest_matches(ask, pool)
    # What a lead may link by hand: the cycle's recommendations neither decided nor suggested.
    offered = {m.recommendation_id for m in ask.matches} | {s.recommendation.id for s in suggestions}
    by_hand = [r for r in pool.recommendations.values() if r.id not in offered]
    return render_template("asks/detail.html", ask=ask, history=history_for(ask), delete_form=DeleteForm(),
                           confirmed=confirmed, rejected=rejected, suggestions=suggestions, by_hand=by_hand)


def _matches_cycle() -> tuple[MatchesFilterForm, int | None]:
    form = MatchesFilterForm(formdata=request.args)
    form.fill_choices()
    return form, form.chosen()


@bp.route("/matches")
def matches_index():
    form, cycle = _matches_cycle()
    asks, pending, pool = matches.cycle_asks_with_pending(cycle) if cycle is not None else ([], {}, None)
    return render_template("asks/matches.html", form=form, cycle=cycle, asks=asks, pending=pending,
                           split=matches.split_matches, pool=pool)


@bp.route("/matches.csv")
@export_confirmed("ask_matches")
def matches_export():
    _form, cycle = _matches_cycle()
    produced = downloads.produce(exports.matches_csv(matches.confirmed_query(cycle)))
    return downloads.send(produced, "text/csv; charset=utf-8", "ask-matches.csv")


@bp.route("/matches.xlsx")
@export_confirmed("ask_matches", "xlsx")
def matches_export_xlsx():
    _form, cycle = _matches_cycle()
    produced = downloads.produce(exports.matches_xlsx(matches.confirmed_query(cycle)))
    return downloads.send(produced, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          "ask-matches.xlsx")


@bp.route("/<int:ask_id>/matches", methods=["POST"])
@role_required("lead")
def decide_match(ask_id):
    ask = services.get_ask(ask_id)
    back = url_for(".detail", ask_id=ask.id, _anchor="matches")
    form = MatchForm()
    refused_redirect(back, form)
    # The form only carries the token: MatchDecision checks the fields, and names the one refused.
    if not form.validate_on_submit():
        flash(_("The form expired; try again."), "warning")
        return redirect(back)
    match, _changed = matches.decide_match(current_user, now_utc(), ask, form.service_data())
    flash(_("Recommendation %(recommendation)s: %(verdict)s.", recommendation=match.recommendation.label,
            verdict=_(match.verdict_label).lower()), "success")
    return redirect(back)


@bp.route("/<int:ask_id>/matches/<int:recommendation_id>/undo", methods=["POST"])
@role_required("lead")
def undo_match(ask_id, recommendation_id):
    ask = services.get_ask(ask_id)
    back = url_for(".detail", ask_id=ask.id, _anchor="matches")
    refused_redirect(back)
    if not UndoMatchForm().validate_on_submit():
        flash(_("The form expired; try again."), "warning")
        return redirect(back)
    matches.undo_match(current_user, now_utc(), ask, recommendation_id)
    flash(_("The verdict is undone; the recommendation may be suggested again."), "success")
    return redirect(back)


@bp.route("/new", methods=["GET", "POST"])
@role_required("lead")
def new():
    form = AskForm()
    page = form_page(form, "asks/form.html", 422, ask=None)
    if form.validate_on_submit():
        ask = services.create_ask(current_user, now_utc(), form.service_data())
        flash(_("Ask %(id)s is saved.", id=ask.id), "success")
        return redirect(url_for(".detail", ask_id=ask.id))
    return page()


@bp.route("/<int:ask_id>/edit", methods=["GET", "POST"])
@role_required("lead")
def edit(ask_id):
    ask = services.get_ask(ask_id)
    form = AskForm(ask=ask)
    page = form_page(form, "asks/form.html", 422, ask=ask)
    if form.validate_on_submit():
        changed = services.update_ask(current_user, now_utc(), ask, form.service_data())
        flash(_("Ask %(id)s is saved.", id=ask.id) if changed else _("Nothing changed."), "success" if changed else "info")
        return redirect(url_for(".detail", ask_id=ask.id))
    return page()


@bp.route("/<int:ask_id>/delete", methods=["POST"])
@role_required("lead")
def delete(ask_id):
    ask = services.get_ask(ask_id)
    refused_redirect(url_for(".detail", ask_id=ask.id))
    if not DeleteForm().validate_on_submit():
        flash(_("The form expired; try again."), "warning")
        return redirect(url_for(".detail", ask_id=ask.id))
    services.delete_ask(current_user, now_utc(), ask)
    flash(_("Ask %(id)s is deleted.", id=ask_id), "success")
    return redirect(url_for(".index"))


@bp.route("/import", methods=["GET", "POST"])
@role_required("lead")
def import_csv():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        report = import_asks_bytes(form.file.data.read(), current_user, now_utc())
        if report.ok and not form.dry_run.data:
            flash(_("Imported %(file)s: %(summary)s.", file=form.file.data.filename, summary=report.summary()), "success")
            return redirect(url_for(".index"))
        db.session.rollback()  # a dry run or a refused file keeps nothing, though a dry run answers 200
    status = 422 if (report and not report.ok) or form.errors else 200
    return render_template("asks/import.html", form=form, report=report), status


@bp.route("/import/template.csv")
@role_required("lead")
def import_template():
    return Response(template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="engage-asks-template.csv"'})
