"""The audit log page for admins and the data-protection officer: filters, pages, CSV export."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from engage import downloads
from engage.audit import services
from engage.audit.forms import AuditFilterForm
from engage.audit.models import AUDIT_ACTIONS, COALITION_ACTIONS
from engage.clock import NAIROBI, now_utc, start_of_day
from engage.extensions import db, login_manager
from engage.members.services import coalition_mode

from .permissions import password_confirmed_within

bp = Blueprint("audit", __name__, url_prefix="/audit")
FILTERS = ("actor", "action", "object_type", "object_id", "since", "until")


@bp.before_request
def _admins_and_dpo_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not (current_user.has_role("admin") or current_user.is_dpo):
        abort(403)
    return None


def _filtered():
    """The filter form and the query it describes; a bad filter shows its error and is ignored."""
    form = AuditFilterForm(request.args)
    if not coalition_mode():
        form.action.choices = [(key, label) for key, label in form.action.choices if key not in COALITION_ACTIONS]
    form.validate()
    value = lambda f: None if f.errors else (f.data if f.data not in ("", None) else None)  # noqa: E731
    since, until = value(form.since), value(form.until)
    query = services.events_query(
        actor=value(form.actor), action=value(form.action), object_type=value(form.object_type),
        object_id=value(form.object_id),
        since=start_of_day(since, NAIROBI) if since else None,
        until=start_of_day(until + timedelta(days=1), NAIROBI) if until else None)
    return form, query


@bp.route("/")
def index():
    form, query = _filtered()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    pagination = db.paginate(query, page=page, per_page=current_app.config["PER_PAGE"], error_out=False)
    filtered = any(request.args.get(k) for k in FILTERS)
    status = 400 if form.errors else 200
    return render_template("audit/index.html", form=form, pagination=pagination, filtered=filtered,
                           actions=AUDIT_ACTIONS, object_types=services.object_types()), status


@bp.route("/export.csv")
@password_confirmed_within(5)
def export():
    form, query = _filtered()
    produced = downloads.produce(services.events_csv(query))  # before its own row: the file does not hold it
    services.record_export(current_user, now_utc(), "audit_event")  # committed before the file is sent
    return downloads.send(produced, "text/csv; charset=utf-8", "audit-log.csv",
                          {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
