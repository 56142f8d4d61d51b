"""The follow-up board's pages (/asks/board): who is pitching which ask to which state, claims, CSV."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import Optional

from engage import downloads
from engage.asks import services as ask_services
from engage.auth.permissions import export_confirmed, require_role_for_blueprint
from engage.boundary import refused_redirect
from engage.clock import now_utc
from engage.countries import country_code, country_name
from engage.outcomes.models import ASK_POSITIONS

from . import board as services
from .models import AskClaim

bp = Blueprint("board", __name__, url_prefix="/asks/board")
require_role_for_blueprint(bp, "staff")


class BoardFilterForm(FlaskForm):
    """Which cycle's asks, and which state, the board shows."""

    class Meta:
        csrf = False

    cycle = SelectField(_l("Cycle"), default="")
    state = SelectField(_l("State"), default="")


class ClaimForm(FlaskForm):
    """Claim an ask for a state (CSRF, and who will pitch it when a lead or the secretariat names them)."""

    ask_id = HiddenField()
    state = HiddenField()
    user_id = IntegerField(_l("Who will pitch it"), validators=[Optional()])


class ReassignForm(FlaskForm):
    """Name someone else to pitch a claimed ask."""

    user_id = IntegerField(_l("Who will pitch it"), validators=[Optional()])


class ReleaseForm(FlaskForm):
    """Take a claim back: CSRF only."""


def _filters() -> tuple[BoardFilterForm, dict]:
    form = BoardFilterForm(formdata=request.args)
    cycles = ask_services.cycles_in_use()
    form.cycle.choices = [(str(c), _("Cycle %(number)s", number=c)) for c in cycles] or [("", _("No asks yet"))]
    form.state.choices = [("", _("All states"))] + [(s, country_name(s))
                                                    for s in ask_services.target_states_in_use()]
    if not request.args.get("cycle"):
        form.cycle.data = str(cycles[0]) if cycles else ""
    form.validate()
    cycle = int(form.cycle.data) if not form.cycle.errors and (form.cycle.data or "").isdigit() else None
    state = None
    if request.args.get("state"):  # any state, not only targets: a state claimed or met off-target too
        state = country_code(request.args["state"]) or "??"
        form.state.errors = []
    return form, {"cycle": cycle, "state": state}


def _board():
    form, filters = _filters()
    found = services.board(current_user, now_utc(), **filters) if form.cycle.data else \
        services.Board(cycle=None, rows=[], coalition=False)
    return form, found


def _invalid(form) -> str:
    """What a refused form says: an expired page, or its first bad field named by its label."""
    for name, errors in form.errors.items():
        if name != "csrf_token" and errors:
            return f"{form[name].label.text}: {errors[0]}"
    return _("The page had expired; try again.")


def _back() -> str:
    where = request.form.get("next", "")
    return where if where.startswith("/asks/board") and "//" not in where else url_for(".index")


@bp.route("/")
def index():
    form, found = _board()
    return render_template("upr/board.html", form=form, board=found, statuses=services.STATUSES,
                           colours=services.STATUS_COLOURS, position_words=ASK_POSITIONS, pitchers=services.pitchers(current_user),
                           can_reassign=lambda c: services.can_reassign(current_user, c),
                           can_release=lambda c: services.can_release(current_user, c))


@bp.route("/export.csv")
@export_confirmed("ask_board")
def export():
    _form, found = _board()
    produced = downloads.produce(services.board_csv(found))
    return downloads.send(produced, "text/csv", "ask-board.csv")


@bp.route("/claims", methods=["POST"])
def claim():
    form = ClaimForm()
    back = refused_redirect(_back(), form)
    if not form.validate_on_submit():
        flash(_invalid(form), "danger")
        return redirect(back)
    ask_id = form.ask_id.data or ""
    found = services.claim(current_user, now_utc(), {
        "ask_id": int(ask_id) if ask_id.isdigit() and len(ask_id) < 10 else 0, "state": form.state.data or "",
        "user_id": form.user_id.data})
    flash(_("You pitch ask %(id)s to %(state)s: it is on the board.", id=found.ask_id,
            state=country_name(found.state)) if found.user_id == current_user.id else
          _("%(who)s pitches ask %(id)s to %(state)s: it is on the board.", who=found.user.display_name,
            id=found.ask_id, state=country_name(found.state)), "success")
    return redirect(back)


def _claim(claim_id: int) -> AskClaim:
    return services.get_claim(claim_id)


@bp.route("/claims/<int:claim_id>", methods=["POST"])
def reassign(claim_id):
    form = ReassignForm()
    back = refused_redirect(_back(), form)
    found = _claim(claim_id)
    if not form.validate_on_submit():
        flash(_invalid(form), "danger")
        return redirect(back)
    if services.reassign(current_user, now_utc(), found, {"user_id": form.user_id.data}):
        flash(_("%(who)s pitches ask %(id)s to %(state)s now.", who=found.user.display_name, id=found.ask_id,
                state=country_name(found.state)), "success")
    return redirect(back)


@bp.route("/claims/<int:claim_id>/delete", methods=["POST"])
def release(claim_id):
    form = ReleaseForm()
    back = refused_redirect(_back(), form)
    found = _claim(claim_id)
    if not form.validate_on_submit():
        flash(_invalid(form), "danger")
        return redirect(back)
    ask_id, state = found.ask_id, country_name(found.state)
    services.release(current_user, now_utc(), found)
    flash(_("Nobody pitches ask %(id)s to %(state)s now.", id=ask_id, state=state), "success")
    return redirect(back)
