"""Access pages: named groups, and the sensitivity and grants of one contact, meeting or outcome."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from flask_babel import gettext as _

from engage.auth.models import User
from engage.auth.permissions import password_confirmed_within, require_role_for_blueprint
from engage.auth import sessions
from engage.auth.services import set_dpo
from engage.boundary import error_page, on_refusal, refused_form, status_page
from engage.clock import now_utc
from engage.errors import NotFoundError
from engage.extensions import db, model_for
from engage.members.models import SHARING
from engage.members.services import coalition_mode
from engage.schemas import check

from . import services
from .forms import ConfirmForm, GrantForm, GroupForm, MemberForm, OfficerForm, SensitivityForm, SharingForm
from .guard import current_actor
from .models import RECORD_TYPES, SENSITIVITIES, AccessGrant
from .schemas import GrantWrite, OfficerChange

bp = Blueprint("access", __name__, url_prefix="/access")
require_role_for_blueprint(bp, "staff")

RECORD_PAGES = {"contact": ("directory.contact", "contact_id"), "meeting": ("meetings.show", "meeting_id"),
                "outcome": ("outcomes.view", "outcome_id"),
                "assessment": ("implementation.assessment", "assessment_id")}


def _record(record_type: str, record_id: int):
    """The record, or 404 when it does not exist for the signed-in user."""
    # By table name: contacts, meetings and outcomes are defined by domains above access.
    if record_type not in RECORD_TYPES or not 0 < record_id < 2**31:
        abort(404)
    model = model_for(record_type)
    # A select, not session.get: in a request the access guard hides what the user may not see.
    record = db.session.scalar(select(model).where(model.id == record_id))
    try:
        return services.require_visible(current_user, record)
    except NotFoundError:
        abort(404)


def record_page(record) -> str:
    """The URL of a record's own page."""
    endpoint, arg = RECORD_PAGES[services.record_type_of(record)]
    return url_for(endpoint, **{arg: record.id})


def _back(record):
    return redirect(record_page(record) + "#access")


def _refused_back_to(url: str) -> None:
    """A refusal answers 404 or 403 as those pages do; any other is flashed on the way back to `url`."""
    def answer(exc):
        if exc.status in (403, 404):
            return status_page(exc.status)
        flash(exc.message, "danger")
        return redirect(url)
    on_refusal(answer)


# ---- one record ----

@bp.post("/<record_type>/<int:record_id>/sensitivity")
def set_sensitivity(record_type, record_id):
    record = _record(record_type, record_id)
    form = SensitivityForm()
    if not form.validate_on_submit():
        flash(_("Sensitivity: choose internal or restricted."), "danger")
        return _back(record)
    _refused_back_to(record_page(record) + "#access")
    changed = services.set_sensitivity(current_user, now_utc(), record, form.sensitivity.data)
    flash(_("Now %(sensitivity)s.", sensitivity=_(SENSITIVITIES[form.sensitivity.data]).lower()) if changed
          else _("Nothing was changed."), "success" if changed else "info")
    return _back(record)


@bp.post("/meeting/<int:meeting_id>/sharing")
def set_sharing(meeting_id):
    meeting = _record("meeting", meeting_id)
    form = SharingForm()
    if not form.validate_on_submit():  # its CSRF token
        abort(400)
    _refused_back_to(record_page(meeting) + "#access")
    changed = services.set_sharing(current_user, now_utc(), meeting, form.sharing.data)
    flash(_("Other member organisations now see: %(sharing)s.", sharing=_(SHARING[form.sharing.data]).lower())
          if changed else _("Nothing was changed."), "success" if changed else "info")
    return _back(meeting)


@bp.post("/<record_type>/<int:record_id>/grants")
def add_grant(record_type, record_id):
    record = _record(record_type, record_id)
    form = GrantForm().setup()

    def not_one(_exc=None):
        # The panel offers only its own people and groups, so every problem with the choice reads the same.
        flash(_("Grant: choose one person or one group."), "danger")
        return _back(record)
    on_refusal(not_one)
    if not form.validate_on_submit():  # its CSRF token
        return not_one()
    body = check(GrantWrite, form.values())
    user = db.session.get(User, body.user_id) if body.user_id else None
    if body.user_id and (user is None or user.is_disabled):  # not one of the panel's people
        return not_one()
    group = services.get_group(body.group_id) if body.group_id else None  # unknown: NotFoundError, as above
    _refused_back_to(record_page(record) + "#access")
    services.grant(current_user, now_utc(), record, user=user, group=group)
    flash(_("Granted to %(grantee)s.", grantee=user.display_name if user else group.name), "success")
    return _back(record)


@bp.post("/<record_type>/<int:record_id>/grants/<int:grant_id>/revoke")
def revoke_grant(record_type, record_id, grant_id):
    record = _record(record_type, record_id)
    found = db.session.get(AccessGrant, grant_id)
    if found is None or not ConfirmForm().validate_on_submit():
        abort(404 if found is None else 400)
    label = found.grantee_label
    _refused_back_to(record_page(record) + "#access")
    services.revoke(current_user, now_utc(), record, found)
    flash(_("%(grantee)s no longer has access.", grantee=label), "success")
    if not services.can_see(current_user, record):
        return redirect(url_for("main.home"))  # they revoked their own access
    return _back(record)


def access_panel(record) -> Markup:
    """The "Sensitivity and access" panel for a record's page; empty for those who may not manage it."""
    if record is None or not current_user.is_authenticated or not services.can_manage(current_user, record):
        return Markup("")
    return Markup(render_template(
        "access/_panel.html", record=record, record_type=services.record_type_of(record),
        grants=services.grants_for(record), sensitivity_form=SensitivityForm(sensitivity=record.sensitivity),
        grant_form=GrantForm().setup(), confirm_form=ConfirmForm(), restricted=services.is_restricted(record),
        # Only in a coalition, and only a meeting: what the other members see of it.
        sharing_form=SharingForm(sharing=record.sharing)
        if record.__tablename__ == "meeting" and coalition_mode() else None))


def restricted_badge(record) -> Markup:
    """A "Restricted" badge (words, not colour alone) for restricted records; empty otherwise."""
    if record is None or not services.is_restricted(record):
        return Markup("")
    return Markup('<span class="badge text-bg-danger" title="Only people granted it, and the data-protection '
                  'officer, can see this">Restricted</span>')


def can_see_record(record) -> bool:
    """For templates: may the person this request serves see this record?"""
    return services.can_see(current_actor(), record)


@bp.app_template_filter("visible_records")
def visible_records(records):
    """For templates: only the records the person this request serves may see (for relationship lists)."""
    actor = current_actor()
    return [r for r in records if services.can_see(actor, r)]


@bp.app_context_processor
def access_helpers():
    return {"access_panel": access_panel, "restricted_badge": restricted_badge, "can_see_record": can_see_record}


# ---- groups ----

def _groups_or_403() -> None:
    if not services.can_manage_groups(current_user):
        abort(403)


@bp.route("/groups", methods=["GET", "POST"])
def groups():
    _groups_or_403()
    form = GroupForm()
    page = refused_form(form, lambda: (render_template("access/groups.html", groups=services.all_groups(), form=form),
                                       422 if form.is_submitted() else 200))
    if form.validate_on_submit():
        group = services.create_group(current_user, now_utc(), form.values())
        flash(_("Group %(name)s created. Add its members next.", name=group.name), "success")
        return redirect(url_for(".group", group_id=group.id))
    return page()


def _changeable_or_403(group) -> None:
    # An admin keeps only groups that hold no grant; the DPO keeps them all.
    if not services.can_change_group(current_user, group):
        abort(403)


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
def group(group_id):
    _groups_or_403()
    found = services.get_group(group_id)
    if request.method == "POST":
        _changeable_or_403(found)
    form = GroupForm(obj=found)
    page = refused_form(form, lambda: (render_template(
        "access/group.html", group=found, form=form, member_form=MemberForm().setup(), confirm_form=ConfirmForm(),
        can_change=services.can_change_group(current_user, found), holds_grants=services.holds_grants(found)),
        422 if form.is_submitted() else 200))
    if form.validate_on_submit():
        services.update_group(current_user, now_utc(), found, form.values())
        flash(_("Saved."), "success")
        return redirect(url_for(".group", group_id=found.id))
    return page()


@bp.post("/groups/<int:group_id>/delete")
def delete_group(group_id):
    _groups_or_403()
    found = services.get_group(group_id)
    _changeable_or_403(found)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = found.name
    services.delete_group(current_user, now_utc(), found)
    flash(_("Group %(name)s deleted; its members keep only what was granted to them by name.", name=name), "success")
    return redirect(url_for(".groups"))


@bp.post("/groups/<int:group_id>/members")
def add_member(group_id):
    _groups_or_403()
    found = services.get_group(group_id)
    _changeable_or_403(found)
    form = MemberForm().setup()
    user = db.session.get(User, form.user_id.data) if form.validate_on_submit() and form.user_id.data else None
    if user is None:
        flash(_("Choose a person to add."), "danger")
    elif services.add_member(current_user, now_utc(), found, user):
        flash(_("%(name)s added.", name=user.display_name), "success")
    else:
        flash(_("%(name)s is already a member.", name=user.display_name), "info")
    return redirect(url_for(".group", group_id=found.id))


@bp.post("/groups/<int:group_id>/members/<int:user_id>/remove")
def remove_member(group_id, user_id):
    _groups_or_403()
    found = services.get_group(group_id)
    _changeable_or_403(found)
    user = db.session.get(User, user_id)
    if user is None or not ConfirmForm().validate_on_submit():
        abort(404 if user is None else 400)
    if services.remove_member(current_user, now_utc(), found, user):
        flash(_("%(name)s removed.", name=user.display_name), "success")
    return redirect(url_for(".group", group_id=found.id))


# ---- data-protection officers ----

def _dpo_or_403() -> None:
    if not services.is_dpo(current_user):
        abort(403)


@bp.get("/officers")
def officers():
    """The data-protection officers, and the DPO's form to name another or remove one."""
    _dpo_or_403()
    users = db.session.scalars(select(User).where(User.is_disabled.is_(False)).order_by(User.full_name)).all()
    return render_template("access/officers.html", officers=[u for u in users if u.is_dpo],
                           others=[u for u in users if not u.is_dpo], form=OfficerForm())


@bp.post("/officers")
@password_confirmed_within(5)
def set_officer():
    _dpo_or_403()
    form = OfficerForm()
    if not form.validate_on_submit():  # its CSRF token
        abort(400)
    # The page offers only its own people and flags: anything else is a bad request (400), said on the error page.
    on_refusal(lambda exc: error_page(400, "bad_request", exc.message))
    body = check(OfficerChange, form.values())
    user = db.session.get(User, body.user_id)
    if user is None:
        abort(404)
    value = body.is_dpo
    back = url_for(".officers")
    _refused_back_to(back)
    set_dpo(current_user, now_utc(), user, value)
    sessions.keep(current_user)  # a DPO stepping down ends their other sessions, not this one
    flash(_("%(name)s is now a data-protection officer.", name=user.display_name) if value else
          _("%(name)s is no longer a data-protection officer.", name=user.display_name), "success")
    return redirect(back)
