"""The RSVP landing page (an attendee answers from a signed link, with no login), and staff uploading
a reply that a calendar client sent to someone's own mailbox and they forwarded.

The RSVP pages are in the attendee's language (engage.i18n.recipient_language of their contact's);
a link that cannot be read is answered in the browser's."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField

from engage import downloads, i18n
from engage.auth.permissions import require_role_for_blueprint
from engage.boundary import on_refusal, refused_redirect
from engage.clock import is_valid_timezone, now_utc
from engage.extensions import db
from engage.i18n import N_, RECIPIENT_LANGUAGES, in_language, recipient_language, translator
from engage.meetings.models import RESPONSES, Attendee
from engage.meetings.services import can_change, get_meeting

from . import services  # noqa: F401  (registers the meeting-change listener)
from .ingest import MAX_REPLY_BYTES, apply_forwarded_reply
from .rsvp import RsvpTokenError, read_rsvp_token
from .schemas import NOTE_LENGTH

bp = Blueprint("rsvp", __name__, url_prefix="/rsvp")
replies_bp = Blueprint("replies", __name__, url_prefix="/meetings")
require_role_for_blueprint(replies_bp, "staff")
ANSWERS = {"accepted": N_("Accept"), "tentative": N_("Maybe"), "declined": N_("Decline")}


class AnswerForm(FlaskForm):
    answer = HiddenField()


class ProposalForm(FlaskForm):
    """Only the CSRF token: the fields are read by the write schema (TimeProposal), which names a bad one."""


def _browser_language() -> str:
    """The reader's language before their link is read: the browser's best among the recipient languages."""
    return i18n.browser_language(request.accept_languages, RECIPIENT_LANGUAGES)


def _invalid(message: str, language: str, status: int):
    with in_language(language):
        return render_template("invitations/rsvp_invalid.html", message=message, language=language), status


def _scope(token, language):
    try:
        return read_rsvp_token(current_app.config["SECRET_KEY"], token, now_utc(), language=language), None
    except RsvpTokenError as exc:
        return None, str(exc)


def _attendee(token):
    """(scope, attendee, None) for a usable link, else (None, None, the page saying why)."""
    language = _browser_language()
    scope, problem = _scope(token, language)
    if scope is None:
        return None, None, _invalid(problem, language, 400)
    attendee = db.session.get(Attendee, scope.attendee_id)
    if attendee is None or attendee.meeting_id != scope.meeting_id:
        return None, None, _invalid(translator(language).gettext("You are no longer on this meeting's list."),
                                    language, 404)
    return scope, attendee, None


def _language(attendee) -> str:
    return recipient_language(attendee.language)


def _proposal_zone(attendee) -> str:
    """The zone a suggested time is typed in: the attendee's own, else the meeting's."""
    zone = attendee.timezone
    return zone if zone and is_valid_timezone(zone) else attendee.meeting.timezone


def _page(token, attendee, form, status=200, errors=None, proposal=None):
    proposed = request.args.get("answer")
    meeting, language = attendee.meeting, _language(attendee)
    t = translator(language)
    # The write schemas' messages for this page are in the catalogue; the shared text checks' are not yet.
    errors = {name: [t.gettext(message) for message in messages] for name, messages in (errors or {}).items()}
    with in_language(language):
        return render_template(
            "invitations/rsvp.html", attendee=attendee, meeting=meeting, token=token,
            proposed=proposed if proposed in ANSWERS else None, form=form, errors=errors or {},
            answers={value: t.gettext(label) for value, label in ANSWERS.items()},
            responses={value: t.gettext(label) for value, label in RESPONSES.items()},
            proposal=proposal or {}, note=request.form.get("note", attendee.answer_note or "") if errors else
            attendee.answer_note or "", proposal_zone=i18n.zone_city(_proposal_zone(attendee), language),
            note_length=NOTE_LENGTH, language=language, title=meeting.title_for_invitations_in(attendee.language),
            when=i18n.format_multi_zone(meeting.starts_at, meeting.timezone, language),
            answered_at=i18n.format_in_zone(attendee.responded_at, attendee.timezone, language)
            if attendee.responded_at else ""), status


def _fields(*names) -> dict:
    """The named form fields that were sent (a field left out is not the same as one sent blank)."""
    return {name: request.form[name] for name in names if name in request.form}


@bp.route("/<token>", methods=["GET", "POST"])
def answer(token):
    scope, attendee, refused = _attendee(token)
    if refused:
        return refused
    form = AnswerForm()
    if form.validate_on_submit():
        # A bad value (a note too long, a control character) is shown beside its field, with the status saying so.
        on_refusal(lambda exc: _page(token, attendee, form, 422, exc.fields or {"answer": [exc.message]}))
        services.answer_from_page(scope, _fields("answer", "note"), now_utc())
        t = translator(_language(attendee))
        flash(t.gettext("Thank you — your answer is recorded: %(answer)s.",
                        answer=t.gettext(RESPONSES[attendee.response])), "success")
        return redirect(url_for("rsvp.answer", token=token))
    expired = translator(_language(attendee)).gettext("The page had expired: send your answer again.")
    return _page(token, attendee, form, 400 if request.method == "POST" else 200,
                 {"answer": [expired]} if request.method == "POST" else None)


@bp.post("/<token>/another-time")
def propose(token):
    scope, attendee, refused = _attendee(token)
    if refused:
        return refused
    form = ProposalForm()
    t = translator(_language(attendee))
    if not form.validate_on_submit():
        return _page(token, attendee, AnswerForm(), 400,
                     {"date": [t.gettext("The page had expired: send it again.")]})
    sent = _fields("date", "time", "comment")
    on_refusal(lambda exc: _page(token, attendee, AnswerForm(), 422, exc.fields or {"date": [exc.message]}, sent))
    services.propose_time_by_link(scope, sent, now_utc(), _proposal_zone(attendee))
    flash(t.gettext("Thank you — your suggested time is sent to the organiser, who will confirm or keep the "
                    "meeting as it is."), "success")
    return redirect(url_for("rsvp.answer", token=token), 303)


@bp.get("/<token>/invitation.ics")
def add_to_calendar(token):
    scope, _attendee_row, refused = _attendee(token)
    if refused:
        return refused
    body = services.invitation_ics(scope, now_utc())
    return downloads.calendar_file(body, "invitation.ics")


class ReplyUploadForm(FlaskForm):
    # Staff pages: the page's language (the answer pages above use the attendee's).
    file = FileField(_l("Forwarded reply (.ics or .eml)"), validators=[FileRequired(_l("Choose the .ics or .eml file."))])


@replies_bp.route("/<int:meeting_id>/replies", methods=["POST"])
def upload_reply(meeting_id):
    meeting = get_meeting(meeting_id)  # a meeting the uploader may not see: 404
    form = ReplyUploadForm()
    if not form.validate_on_submit():
        problem = next(iter(form.errors.values()))[0]
        return render_template("invitations/reply_refused.html", meeting=meeting, problem=problem), 400

    def refused(exc):
        problem = "; ".join(msg for msgs in (exc.fields or {}).values() for msg in msgs) or exc.message
        return render_template("invitations/reply_refused.html", meeting=meeting, problem=problem), 422
    on_refusal(refused)
    # One byte past the limit, so an oversized file is refused rather than cut short.
    raw = form.file.data.read(MAX_REPLY_BYTES + 1)
    results = apply_forwarded_reply(meeting, raw, now_utc())
    for r in results:
        if r.outcome == "applied":
            flash(_("%(email)s: %(answer)s recorded from the forwarded reply.", email=r.attendee_email,
                    answer=_(RESPONSES[r.response])), "success")
        elif r.outcome == "held":
            flash(f"{r.attendee_email}: {r.reason}.", "warning")  # the reason is held as it is (English)
        else:
            flash(_("%(email)s: nothing changed — %(reason)s.", email=r.attendee_email, reason=r.reason), "info")
    return redirect(url_for("meetings.show", meeting_id=meeting.id) + "#people", 303)


class HeldReplyForm(FlaskForm):
    trust = BooleanField(_l("Trust this address for their future replies"))


def _held(meeting_id: int, held_id: int):
    """The meeting (one the user may see and change) and the reply held on it."""
    meeting = get_meeting(meeting_id, current_user)
    if not can_change(current_user, meeting):
        abort(403)
    return meeting, services.get_held_reply(meeting, held_id)


def _back(meeting) -> str:
    return url_for("meetings.show", meeting_id=meeting.id) + "#held-replies"


@replies_bp.post("/<int:meeting_id>/held-replies/<int:held_id>/<action>")
def act_on_held_reply(meeting_id, held_id, action):
    meeting, held = _held(meeting_id, held_id)
    form = HeldReplyForm()
    if not form.validate_on_submit():
        abort(400)
    back = refused_redirect(_back(meeting))
    now, who = now_utc(), held.attendee.name
    if action == "confirm":
        result = services.confirm_held_reply(current_user, now, held, trust_sender=bool(form.trust.data))
        flash(_("%(name)s: %(answer)s recorded.", name=who, answer=_(RESPONSES[result.response]))
              if result.outcome == "applied"
              else _("%(email)s: nothing changed — %(reason)s.", email=who, reason=result.reason), "success")
    elif action == "discard":
        services.discard_held_reply(current_user, now, held)
        flash(_("The reply for %(name)s is discarded; their answer is unchanged.", name=who), "success")
    elif action == "accept":
        services.accept_counter(current_user, now, held)
        flash(_("Moved to the time %(name)s proposed; everyone is sent the update.", name=who), "success")
    elif action == "decline":
        services.decline_counter(current_user, now, held)
        flash(_("%(name)s is told the proposed time is declined; the meeting stays as it is.", name=who), "success")
    else:
        abort(404)
    return redirect(back, 303)


def held_replies_for(meeting, people):
    """The replies held on a meeting for the attendees its page shows (a query; a template global)."""
    return services.held_replies(meeting, [a.id for a in people.shown])


def init_app(app) -> None:
    """Give the meeting page its held replies and their form."""
    app.add_template_global(held_replies_for)
    app.add_template_global(HeldReplyForm, "HeldReplyForm")
