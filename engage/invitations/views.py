"""The RSVP landing page: an attendee answers from a signed link, with no login."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField

from engage.clock import now_utc
from engage.errors import ServiceError
from engage.extensions import db
from engage.meetings.models import RESPONSES, Attendee

from . import services  # noqa: F401  (registers the meeting-change listener)
from .rsvp import RsvpTokenError, read_rsvp_token

bp = Blueprint("rsvp", __name__, url_prefix="/rsvp")
ANSWERS = {"accepted": "Accept", "tentative": "Maybe", "declined": "Decline"}


class AnswerForm(FlaskForm):
    answer = HiddenField()


def _scope(token):
    try:
        return read_rsvp_token(current_app.config["SECRET_KEY"], token, now_utc()), None
    except RsvpTokenError as exc:
        return None, str(exc)


@bp.route("/<token>", methods=["GET", "POST"])
def answer(token):
    scope, problem = _scope(token)
    if scope is None:
        return render_template("invitations/rsvp_invalid.html", message=problem), 400
    attendee = db.session.get(Attendee, scope.attendee_id)
    if attendee is None or attendee.meeting_id != scope.meeting_id:
        return render_template("invitations/rsvp_invalid.html",
                               message="You are no longer on this meeting's list."), 404
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            services.answer_by_link(scope, form.answer.data, now_utc())
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(f"Thank you — your answer is recorded: {RESPONSES[attendee.response]}.", "success")
        return redirect(url_for("rsvp.answer", token=token))
    proposed = request.args.get("answer")
    return render_template("invitations/rsvp.html", attendee=attendee, meeting=attendee.meeting,
                           proposed=proposed if proposed in ANSWERS else None, answers=ANSWERS,
                           responses=RESPONSES, form=form)
