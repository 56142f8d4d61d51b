"""The admin's view of the scheduler: heartbeat, lag, reminders due, outbox queue and failures."""
from datetime import timedelta

from flask import Blueprint, render_template
from flask_login import current_user

from engage.auth.permissions import require_role_for_blueprint
from engage.clock import now_utc
from engage.extensions import db
from engage.i18n import N_
from engage.outbox.services import outbox_counts, outbox_query

from . import services
from .models import REMINDER_STATUSES

bp = Blueprint("scheduler", __name__, url_prefix="/admin/scheduler")
require_role_for_blueprint(bp, "admin")

# The outbox's statuses as the queue line names them, translated where shown.
QUEUE_WORDS = {"pending": N_("pending"), "sending": N_("sending"), "sent": N_("sent"), "failed": N_("failed"),
               "not_sent": N_("not sent"), "superseded": N_("superseded"), "withheld": N_("withheld")}


@bp.route("/")
def index():
    now = now_utc()
    # The outbox's own rule: messages the admin may not see are neither counted nor listed.
    queue = {status: n for status, n in outbox_counts(current_user).items() if n}
    failures = db.session.scalars(outbox_query(current_user, status="failed").limit(20)).all()
    return render_template("reminders/scheduler.html", now=now, processes=services.scheduler_processes(now),
                           lag=services.reminder_lag(now, current_user),
                           due=services.due_reminders(now, timedelta(hours=24), current_user),
                           queue=queue, failures=failures, describe=services.describe,
                           queue_words=QUEUE_WORDS, reminder_statuses=REMINDER_STATUSES)
