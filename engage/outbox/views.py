"""The admins' Outbox: every message with its status, one message as its recipient sees it, resend."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from engage.auth.permissions import export_confirmed, require_role_for_blueprint
from engage.clock import now_utc
from engage.boundary import refused_redirect
from engage.errors import NotFoundError
from engage.extensions import db
from engage.spreadsheets import csv_text

from . import services
from .forms import OutboxFilterForm, ResendForm
from .models import OUTBOX_STATUSES, OutboxMessage
from .preview import preview_message

bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")
require_role_for_blueprint(bp, "admin")

EXPORT_COLUMNS = ("id", "kind", "meeting_id", "to", "subject", "status", "attempts", "last_error",
                  "created_at", "sent_at", "message_id")


def _filtered_query():
    """The list query from the filter form; a bad filter shows its error and is ignored."""
    form = OutboxFilterForm(request.args)
    form.validate()
    value = lambda f: None if f.errors else (f.data or None)  # noqa: E731
    query = services.outbox_query(current_user, status=value(form.status), kind=value(form.kind),
                                  meeting_id=value(form.meeting), recipient=value(form.recipient))
    return form, query


def _message_or_404(message_id: int) -> OutboxMessage:
    try:
        return services.get_message(current_user, message_id)
    except NotFoundError:
        abort(404)


@bp.route("/")
def index():
    form, query = _filtered_query()
    page = request.args.get("page", 1, type=int) or 1
    pagination = db.paginate(query.options(selectinload(OutboxMessage.meeting)), page=max(page, 1),
                             per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("outbox/index.html", form=form, pagination=pagination,
                           counts=services.outbox_counts(current_user), statuses=OUTBOX_STATUSES, mail_server=current_app.config.get("MAIL_SERVER"),
                           filtered=any(request.args.get(k) for k in ("status", "kind", "meeting", "recipient")))


@bp.route("/export.csv")
@export_confirmed("outbox")
def export():
    _, query = _filtered_query()
    text = csv_text(EXPORT_COLUMNS, ([m.id, m.kind, m.meeting_id, m.recipient, m.subject, m.status, m.attempts,
                                      m.last_error, m.created_at, m.sent_at, m.message_id]
                                     for m in db.session.scalars(query)))
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="outbox.csv"'})


@bp.route("/<int:message_id>")
def view(message_id):
    message = _message_or_404(message_id)
    return render_template("outbox/view.html", message=message, preview=preview_message(message.raw),
                           resend_form=ResendForm())


@bp.route("/<int:message_id>.eml")
def download(message_id):
    message = _message_or_404(message_id)
    return Response(message.raw, mimetype="message/rfc822",
                    headers={"Content-Disposition": f'attachment; filename="outbox-{message.id}.eml"'})


@bp.route("/<int:message_id>/resend", methods=["POST"])
def resend(message_id):
    message = _message_or_404(message_id)
    if not ResendForm().validate_on_submit():
        flash(_("The form expired. Reload the page and try again."), "danger")
        return redirect(url_for("outbox.view", message_id=message.id))
    back = refused_redirect(url_for("outbox.view", message_id=message.id))
    services.resend_message(current_user, now_utc(), message)
    if current_app.config.get("MAIL_SERVER"):
        flash(_("The message to %(recipient)s is queued again; the dispatcher sends it within seconds.",
                recipient=message.recipient), "success")
    else:
        flash(_("The message to %(recipient)s is queued again; it goes out once MAIL_SERVER is configured.",
                recipient=message.recipient), "success")
    return redirect(back)
