"""Outcome pages: the engagement log, logging a meeting's outcome, editing, follow-up actions."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select
from werkzeug.routing import BuildError

from engage.access.services import VISIBILITY_APPLIED
from engage.asks.services import agenda_choices
from engage.auth.models import User
from engage.auth.permissions import require_role_for_blueprint
from engage.boundary import on_refusal, status_page
from engage.clock import now_utc
from engage.countries import country_name
from engage.directory.models import Contact, Organisation
from engage.errors import ValidationError
from engage.extensions import db
from engage.implementation import services as implementation
from engage.implementation.models import RESPONSIBLE_KINDS
from engage.history import history_for
from engage.i18n import said
from engage.meetings.models import Meeting
from engage.meetings.services import get_meeting
from engage.recommendations.models import Recommendation, shown_reference
from engage.urls import page_urls

from . import log as engagement_log, services
from .log_html import follow_up_badge, log_rows_html, position_badge
from .forms import FollowUpForm, LogOutcomeForm, OutcomeAssessmentForm, OutcomeForm, has_errors, place_errors
from .models import ASK_POSITIONS, FOLLOW_UP_STATUSES, POSITIONS

bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")
require_role_for_blueprint(bp, "staff")

# Where the other issues put their pages; linked only once they exist.
PAGES = {
    "meeting": (("meetings.detail", "meeting_id"), ("meetings.view", "meeting_id"), ("meetings.show", "meeting_id")),
    "organisation": (("directory.organisation", "org_id"), ("directory.organisation", "organisation_id")),
    "contact": (("directory.contact", "contact_id"),),
    "recommendation": (("upr.detail", "rec_id"), ("upr.detail", "recommendation_id")),
}


def page_url(kind: str, obj_id) -> str | None:
    """The URL of another package's page for `kind` (meeting, organisation, contact, recommendation), if it exists."""
    for endpoint, param in PAGES[kind]:
        if endpoint in current_app.view_functions:
            try:
                return url_for(endpoint, **{param: obj_id})
            except BuildError:
                continue
    return None


def _today():
    return services.today(now_utc())


def init_app(app) -> None:
    """Give every template the outcome helpers, including those other packages' pages include."""
    # Globals (not a context processor) so that imported macros see them too.
    for name, value in {"outcome_page_url": page_url,
                        "country_name": country_name, "position_badge_html": position_badge,
                        "follow_up_badge_html": follow_up_badge}.items():
        app.add_template_global(value, name)
    # For other packages' pages: {% include "outcomes/_meeting_outcomes.html" %} and
    # "outcomes/_outcome_list.html" call these, so the including views (lower layers) need not
    # import outcomes. Pages list the outcomes the signed-in user may see.
    app.add_template_global(lambda meeting_id: services.outcomes_for_meeting(meeting_id, actor=current_user),
                            "meeting_outcomes_for")
    app.add_template_global(lambda org_id: services.outcomes_for_organisation(org_id, actor=current_user),
                            "organisation_outcomes_for")
    app.add_template_global(lambda contact_id: services.outcomes_for_contact(contact_id, actor=current_user),
                            "contact_outcomes_for")
    app.add_template_global(lambda rec_id: services.position_timeline(rec_id, actor=current_user),
                            "recommendation_timeline_for")
    app.add_template_global(lambda ask_id: services.ask_timeline(ask_id, actor=current_user), "ask_timeline_for")
    app.add_template_global(_today, "outcome_today")


# ---- choices ----

def _staff_choices(blank: str | None = None) -> list[tuple[str, str]]:
    # Columns, not records: only the id and the name (User.display_name: the full name, else the email).
    u = User.__table__.c
    users = db.session.execute(select(u.id, u.full_name, u.email).where(u.is_disabled.is_(False))
                               .order_by(u.full_name, u.email).execution_options(**VISIBILITY_APPLIED))
    return ([("", blank)] if blank else []) + [(str(uid), name or email) for uid, name, email in users]


def _recommendation_choices(blank: str) -> list[tuple[str, str]]:
    rows = db.session.execute(select(Recommendation.id, shown_reference(Recommendation.__table__),
                                     Recommendation.recommending_state, Recommendation.cycle)
                              .order_by(Recommendation.cycle.desc(), Recommendation.reference_sort,
                                        Recommendation.sub_item))
    return [("", blank)] + [(str(i), _("%(reference)s — %(state)s (cycle %(cycle)s)", reference=ref, state=country_name(state), cycle=cycle))
                          for i, ref, state, cycle in rows]


def _ask_choices(meeting: Meeting, current_id: int | None = None) -> list[tuple[str, str]]:
    # The latest cycle's asks, those on the meeting's agenda first, then those for the states met.
    on_agenda = {a.id for a in meeting.asks}
    states = {o.country for o in meeting.organisations if o.country}
    options = agenda_choices(states, on_agenda | ({current_id} if current_id else set()))
    options.sort(key=lambda option: option[0] not in on_agenda)
    return [("", _("— none —"))] + [(str(ask_id), text) for ask_id, text, _unused in options]


def _organisation_choices(meeting: Meeting, current_id: int | None = None) -> list[tuple[str, str]]:
    orgs = {o.id: o for o in meeting.organisations}
    if current_id and current_id not in orgs:
        org = db.session.get(Organisation, current_id)
        if org is not None:
            orgs[org.id] = org
    return [("", _("— none —"))] + [(str(o.id), o.name) for o in orgs.values()]


# ---- the engagement log ----

CITIES = ("Nairobi", "Geneva")  # the same words as engage.i18n.ZONE_CITY_WORDS (translated there)


def _filter_choices(f: engagement_log.LogFilters) -> dict:
    """For the log's filter selects (by field): what each offers, as (value, label)s, and the value chosen
    ("" for none), read in one statement. The template writes them with `select_options`."""
    lists = engagement_log.filter_lists()
    choices = {"cycle": [(c, _("Cycle %(number)s", number=c)) for c in lists.cycles],
               "theme": [(name, name) for name in lists.themes],
               "state": lists.states, "city": [(c, _(c)) for c in CITIES], "staff_id": lists.staff,
               "position": position_choices()}
    chosen = {name: "" if value is None else value
              for name, value in (("cycle", f.cycle), ("theme", f.theme), ("state", f.state),
                                  ("staff_id", f.staff_id), ("position", f.position))}
    chosen["city"] = next((c for c in CITIES if c.lower() == (f.city or "").lower()), "")
    return {"choices": choices, "chosen": chosen, "sorts": engagement_log.LOG_SORTS}


def position_choices() -> list:
    """The log's position filter: the positions on recommendations (and on overall summaries), then
    those only an outcome on an ask takes, grouped "On asks" ("Not discussed" is the same key for both),
    in the page's language."""
    on_asks = tuple((key, _(label)) for key, label in ASK_POSITIONS.items() if key not in POSITIONS)
    return [*((key, _(label)) for key, label in POSITIONS.items()), (_("On asks"), on_asks)]


def _chips(f: engagement_log.LogFilters) -> dict[str, str]:
    """Names for the filters given by id (from links on other pages), to show what the log is narrowed to."""
    chips = {}
    for name, model, label in (("organisation_id", Organisation, lambda o: o.name),
                               ("contact_id", Contact, lambda c: c.full_name),
                               ("meeting_id", Meeting, lambda m: m.title),
                               ("recommendation_id", Recommendation, lambda r: r.label)):
        value = getattr(f, name)
        if value:
            row = db.session.get(model, value)
            chips[name] = label(row) if row is not None else _("#%(id)s (not found)", id=value)
    return chips


@bp.route("/")
def index():
    try:
        f = engagement_log.parse_log_filters(request.args)
        errors = {}
    except ValidationError as exc:
        f, errors = engagement_log.LogFilters(), exc.fields
    page_number = request.args.get("page", "1")
    page_number = int(page_number) if page_number.isdigit() and 0 < int(page_number) < 10**6 else 1
    page = engagement_log.engagement_log_page(f, page_number, current_app.config.get("PER_PAGE", 50),
                                       actor=current_user) if not errors \
        else engagement_log.Page([], 1, 50, 0)
    awaiting = services.meetings_awaiting_outcome(
        now_utc(), staff_id=None if current_user.has_role("lead") else current_user.id, limit=5, actor=current_user)
    return render_template("outcomes/index.html", page=page, filters=f, errors=errors, chips=_chips(f),
                           today=_today(), awaiting=awaiting, log_rows_html=log_rows_html, page_href=page_urls(),
                           **_field_marks(errors),
                           **_filter_choices(f)), 400 if errors else 200


def _field_marks(errors: dict) -> dict:
    """For the log's filter form: each field's class (" is-invalid" added when refused) and its error
    lines. Functions, not template macros: a macro call costs more than the rest of a field."""
    def field_class(name: str, base: str = "form-control") -> str:
        return f"{base} is-invalid" if errors.get(name) else base

    def field_errors(name: str) -> Markup:
        return Markup("".join(f'<div class="invalid-feedback d-block">{escape(e)}</div>'
                              for e in errors.get(name, [])))

    return {"field_class": field_class, "field_errors": field_errors}


@bp.route("/<int:outcome_id>")
def view(outcome_id):
    outcome = services.get_outcome(outcome_id, current_user)
    return render_template("outcomes/view.html", outcome=outcome, history=history_for(outcome),
                           follow_up_history={f.id: history_for(f) for f in outcome.follow_ups},
                           can_edit=services.can_edit(current_user, outcome), today=_today(),
                           form=_follow_up_form(default_owner=current_user.id))


def _refused_form(form, render, renames=None, forbidden_page=True):
    """A refused save shows the form again with the service's errors; a refusal of the role is a 403."""
    def answer(exc):
        if exc.status == 403 and forbidden_page:
            return status_page(403)
        place_errors(form, exc, **({"renames": renames} if renames else {}))
        return render()
    on_refusal(answer)
    return render


@bp.route("/<int:outcome_id>/edit", methods=["GET", "POST"])
def edit(outcome_id):
    outcome = services.get_outcome(outcome_id, current_user)
    form = OutcomeForm(obj=None if request.method == "POST" else outcome)
    form.recommendation_id.choices = _recommendation_choices(_("— none (overall summary) —"))
    form.ask_id.choices = _ask_choices(outcome.meeting, outcome.ask_id)
    form.organisation_id.choices = _organisation_choices(outcome.meeting, outcome.organisation_id)
    if request.method == "GET":
        form.recommendation_id.data = str(outcome.recommendation_id or "")
        form.ask_id.data = str(outcome.ask_id or "")
        form.organisation_id.data = str(outcome.organisation_id or "")
        form.position.data = outcome.position or ""
    page = _refused_form(form, lambda: (render_template("outcomes/edit.html", form=form, outcome=outcome),
                                        422 if has_errors(form) else 200), forbidden_page=False)
    if form.validate_on_submit():
        changed = services.update_outcome(current_user, now_utc(), outcome, form.values())
        flash(_("Outcome saved.") if changed else _("Nothing had changed."), "success" if changed else "info")
        return redirect(url_for(".view", outcome_id=outcome.id))
    return page()


# ---- a meeting's outcomes ----

@bp.route("/meetings/<int:meeting_id>")
def meeting(meeting_id):
    meeting = get_meeting(meeting_id, current_user)
    return render_template("outcomes/meeting.html", meeting=meeting,
                           outcomes=services.outcomes_for_meeting(meeting.id, actor=current_user), today=_today(),
                           can_log=services.can_log(current_user, meeting))


def _log_form(meeting: Meeting) -> LogOutcomeForm:
    form = LogOutcomeForm()
    if not form.is_submitted():
        for rec in meeting.recommendations:
            form.items.append_entry({"recommendation_id": str(rec.id)})
        orgs = meeting.organisations
        form.organisation_id.data = str(orgs[0].id) if orgs else ""
        for row in form.follow_ups:
            row.form.owner_id.data = str(current_user.id)
    form.organisation_id.choices = _organisation_choices(meeting)
    form.other_recommendation_id.choices = _recommendation_choices(_("— none —"))
    owners = _staff_choices(_("— choose —"))
    for row in form.follow_ups:
        row.form.owner_id.choices = owners
    return form


@bp.route("/meetings/<int:meeting_id>/log", methods=["GET", "POST"])
def log(meeting_id):
    meeting = get_meeting(meeting_id, current_user)
    form = _log_form(meeting)

    def page():
        recs = {str(r.id): r for r in meeting.recommendations}
        extra = [e.form.recommendation_id.data for e in form.items if e.form.recommendation_id.data not in recs]
        if extra:
            recs.update({str(r.id): r for r in db.session.scalars(
                select(Recommendation).where(Recommendation.id.in_(
                    [int(x) for x in extra if str(x).isdigit() and int(x) <= services.MAX_ID])))})
        failed = has_errors(form)
        return render_template("outcomes/log.html", form=form, meeting=meeting, recs=recs, form_has_errors=failed,
                               can_log=services.can_log(current_user, meeting)), 422 if failed else 200
    _refused_form(form, page, renames={f"items-{len(form.items)}-": "other_"})
    if form.validate_on_submit():
        services.log_meeting_outcomes(current_user, now_utc(), meeting, form.summary.data,
                                      form.organisation_id.data or None, form.item_values(),
                                      form.follow_up_values())
        flash(_("Outcome logged; the meeting is marked held."), "success")
        return redirect(url_for(".meeting", meeting_id=meeting.id))
    return page()


@bp.route("/meetings/<int:meeting_id>/add", methods=["GET", "POST"])
def add(meeting_id):
    meeting = get_meeting(meeting_id, current_user)
    # A meeting with a ministry or agency (the directory's "ministry" and "other") may show how far a
    # recommendation is implemented: its form records that assessment with the outcome.
    with_ministry = any(org.kind in RESPONSIBLE_KINDS for org in meeting.organisations)
    form = OutcomeAssessmentForm() if with_ministry else OutcomeForm()
    form.recommendation_id.choices = _recommendation_choices(_("— none (overall summary) —"))
    form.ask_id.choices = _ask_choices(meeting)
    form.organisation_id.choices = _organisation_choices(meeting)
    if not form.is_submitted():
        orgs = meeting.organisations
        form.organisation_id.data = str(orgs[0].id) if orgs else ""
        form.position.data = "supportive"
        ask_id = request.args.get("ask_id", "")
        if ask_id.isdigit() and any(value == ask_id for value, _ in form.ask_id.choices):
            form.ask_id.data, form.position.data = ask_id, "will_make"
    page = _refused_form(form, lambda: (render_template("outcomes/edit.html", form=form, meeting=meeting,
                                                       outcome=None), 422 if has_errors(form) else 200))
    if form.validate_on_submit():
        outcome = services.create_outcome(current_user, now_utc(), meeting, form.values())
        assessed = with_ministry and implementation.assess_from_outcome(current_user, now_utc(), outcome,
                                                                         form.assessment_values())
        flash(_("Outcome and assessment added.") if assessed else _("Outcome added."), "success")
        return redirect(url_for(".view", outcome_id=outcome.id))
    return page()


@bp.route("/recommendations/<int:rec_id>")
def timeline(rec_id):
    rec = db.session.get(Recommendation, rec_id)
    if rec is None:
        abort(404)
    return render_template("outcomes/timeline.html", rec=rec, outcomes=services.position_timeline(rec.id, actor=current_user))


# ---- follow-ups ----

def _follow_up_form(follow_up=None, default_owner=None) -> FollowUpForm:
    form = FollowUpForm(obj=follow_up if request.method == "GET" else None)
    form.owner_id.choices = _staff_choices()
    if request.method == "GET":
        owner = follow_up.owner_id if follow_up is not None else default_owner
        form.owner_id.data = str(owner) if owner else ""
    return form


@bp.route("/<int:outcome_id>/follow-ups", methods=["POST"])
def add_follow_up(outcome_id):
    outcome = services.get_outcome(outcome_id, current_user)
    form = _follow_up_form()
    page = _refused_form(form, lambda: (render_template(
        "outcomes/view.html", outcome=outcome, history=history_for(outcome),
        follow_up_history={f.id: history_for(f) for f in outcome.follow_ups},
        can_edit=services.can_edit(current_user, outcome), today=_today(), form=form), 422))
    if form.validate_on_submit() and not form.asks_about_past_due(_today()):
        services.add_follow_up(current_user, now_utc(), outcome, form.values(with_status=False))
        flash(_("Follow-up action added."), "success")
        return redirect(url_for(".view", outcome_id=outcome.id))
    return page()


@bp.route("/follow-ups")
def follow_ups():
    state = request.args.get("state", "open")
    if state not in ("open", "overdue", "done", "cancelled", "all"):
        state = "open"
    owner = request.args.get("owner", "")
    owner_id = current_user.id if owner == "me" else (int(owner) if owner.isdigit() and int(owner) < 2**31 else None)
    today = _today()
    query = services.follow_up_query(today, owner_id, None if state == "all" else state, actor=current_user)
    page = db.paginate(query, per_page=current_app.config.get("PER_PAGE", 50), error_out=False)
    return render_template("outcomes/follow_ups.html", page=page, state=state, owner=owner, today=today,
                           staff=_staff_choices(), counts=services.follow_up_counts(current_user, today),
                           statuses=FOLLOW_UP_STATUSES)


@bp.route("/follow-ups/<int:follow_up_id>/status", methods=["POST"])
def follow_up_status(follow_up_id):
    follow_up = services.get_follow_up(follow_up_id, current_user)
    status = request.form.get("status", "")

    def refused(exc):
        if exc.status == 403:
            return status_page(403)
        flash(said(exc.message), "danger")
        return redirect(url_for(".follow_ups")), 303
    on_refusal(refused)
    changed = services.set_follow_up_status(current_user, now_utc(), follow_up, status)
    if changed:
        flash(_("“%(action)s” is now %(status)s.", action=follow_up.description,
                status=_(FOLLOW_UP_STATUSES[status]).lower()), "success")
    target = request.form.get("next") or ""
    return redirect(target if target.startswith("/") and not target.startswith("//") else url_for(".follow_ups"))


@bp.route("/follow-ups/<int:follow_up_id>/edit", methods=["GET", "POST"])
def edit_follow_up(follow_up_id):
    follow_up = services.get_follow_up(follow_up_id, current_user)
    form = _follow_up_form(follow_up)
    page = _refused_form(form, lambda: (render_template("outcomes/follow_up_edit.html", form=form,
                                                       follow_up=follow_up), 422 if has_errors(form) else 200))
    if form.validate_on_submit() and not form.asks_about_past_due(_today(), unchanged=follow_up.due_on):
        services.update_follow_up(current_user, now_utc(), follow_up, form.values())
        flash(_("Follow-up action saved."), "success")
        return redirect(url_for(".view", outcome_id=follow_up.outcome_id))
    return page()
