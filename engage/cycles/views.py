"""Cycle pages: the list, one cycle's timeline and standing, and the forms that keep cycles and milestones."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engage.auth.permissions import require_role_for_blueprint, role_required
from engage.boundary import form_page, on_refusal, refused_redirect
from engage.clock import now_utc
from engage.countries import country_name
from engage.forms import apply_errors
from engage.i18n import page_clock, said_refusal

from . import services
from .forms import CycleForm, MilestoneForm

bp = Blueprint("cycles", __name__, url_prefix="/cycles")
require_role_for_blueprint(bp, "staff")


def _said_on_form(form, render):
    """Declare that a refusal puts the service's field errors on `form`, said in the page's language,
    then answers `render()` (the services word them in English, as the API gives them)."""
    def answer(exc):
        apply_errors(form, said_refusal(exc))
        return render()
    on_refusal(answer)
    return render


@bp.route("/")
def index():
    now = now_utc()
    cycles = services.all_cycles()
    current = services.current_cycle(now, cycles)
    return render_template("cycles/index.html", cycles=cycles, current=current,
                           next_due={c.id: services.next_milestone(c, now) for c in cycles})


@bp.route("/new", methods=["GET", "POST"])
@role_required("lead")
def new():
    form = CycleForm()
    page = _said_on_form(form, form_page(form, "cycles/form.html", cycle=None))
    if form.validate_on_submit():
        cycle = services.create_cycle(current_user, now_utc(), form.values())
        flash(_("Cycle %(number)s is saved. Add its milestones below.", number=cycle.number), "success")
        return redirect(url_for(".show", number=cycle.number))
    return page()


def _show(cycle, milestone_form: MilestoneForm, status: int = 200):
    now = now_utc()
    met, not_met = services.standing(cycle, now, current_user)
    meetings = services.cycle_meetings(cycle, current_user)
    # One timeline: milestones and meetings by day (a milestone first on a day it shares).
    timeline = sorted([(m.due_on, 0, "milestone", m) for m in cycle.milestones]
                      + [(services.today_in_nairobi(m.starts_at), 1, "meeting", m) for m in meetings],
                      key=lambda item: (item[0], item[1]))
    return render_template("cycles/show.html", cycle=cycle, window=services.window_of(cycle), timeline=timeline,
                           met=[country_name(s) for s in met], not_met=[country_name(s) for s in not_met],
                           next_due=services.next_milestone(cycle, now), today=services.today_in_nairobi(now),
                           is_current=services.current_cycle(now) is cycle, form=milestone_form,
                           meetings_capped=len(meetings) == services.TIMELINE_MEETINGS,
                           asks=services.cycle_asks(cycle, now, current_user)), status


@bp.route("/<int:number>")
def show(number):
    return _show(services.get_cycle(number), MilestoneForm(formdata=None))


@bp.route("/<int:number>/edit", methods=["GET", "POST"])
@role_required("lead")
def edit(number):
    cycle = services.get_cycle(number)
    form = CycleForm()
    if not form.is_submitted():
        for name in ("wg_session", "state_under_review", "window_starts_on", "window_ends_on"):
            value = getattr(cycle, name)
            form[name].data = str(value) if isinstance(value, int) else value
        form.number.data = str(cycle.number)
    form.number.render_kw = {"readonly": True}
    page = _said_on_form(form, form_page(form, "cycles/form.html", cycle=cycle))
    if form.validate_on_submit():
        changed = services.update_cycle(current_user, now_utc(), cycle, form.values(editing=True))
        flash(_("Cycle %(number)s is saved.", number=cycle.number) if changed else _("Nothing changed."),
              "success" if changed else "info")
        return redirect(url_for(".show", number=cycle.number))
    return page()


@bp.post("/<int:number>/milestones")
@role_required("lead")
def add_milestone(number):
    cycle = services.get_cycle(number)
    form = MilestoneForm()
    _said_on_form(form, lambda: _show(cycle, form, 422))
    if form.validate_on_submit():
        milestone = services.add_milestone(current_user, now_utc(), cycle, form.values())
        flash(_("%(milestone)s on %(day)s is added.", milestone=milestone.shown_name, day=page_clock.format_date(milestone.due_on)),
              "success")
        return redirect(url_for(".show", number=cycle.number))
    return _show(cycle, form, 400)


@bp.route("/<int:number>/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
@role_required("lead")
def edit_milestone(number, milestone_id):
    cycle = services.get_cycle(number)
    milestone = services.get_milestone(cycle, milestone_id)
    form = MilestoneForm()
    if not form.is_submitted():
        form.fill(milestone)
    page = _said_on_form(form, form_page(form, "cycles/milestone_form.html", cycle=cycle, milestone=milestone))
    if form.validate_on_submit():
        changed = services.update_milestone(current_user, now_utc(), milestone, form.values())
        flash(_("%(milestone)s is saved.", milestone=milestone.shown_name) if changed else _("Nothing changed."),
              "success" if changed else "info")
        return redirect(url_for(".show", number=cycle.number))
    return page()


@bp.post("/<int:number>/milestones/<int:milestone_id>/delete")
@role_required("lead")
def delete_milestone(number, milestone_id):
    cycle = services.get_cycle(number)
    milestone = services.get_milestone(cycle, milestone_id)
    refused_redirect(url_for(".show", number=cycle.number))
    name = milestone.shown_name
    services.delete_milestone(current_user, now_utc(), milestone)
    flash(_("%(milestone)s is removed.", milestone=name), "success")
    return redirect(url_for(".show", number=cycle.number))
