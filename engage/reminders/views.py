"""The admin's view of the scheduler: heartbeat, lag, reminders due, outbox queue and failures."""
from datetime import timedelta

from flask import Blueprint, render_template
from sqlalchemy import func, select

from engage.auth.permissions import require_role_for_blueprint
from engage.clock import now_utc
from engage.extensions import db
from engage.outbox.models import OutboxMessage

from . import services  # registers the meeting-change listener

bp = Blueprint("scheduler", __name__, url_prefix="/admin/scheduler")
require_role_for_blueprint(bp, "admin")


@bp.route("/")
def index():
    now = now_utc()
    queue = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    failures = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")
                                  .order_by(OutboxMessage.created_at.desc()).limit(20)).all()
    return render_template("reminders/scheduler.html", now=now, processes=services.scheduler_processes(now),
                           lag=services.reminder_lag(now), due=services.due_reminders(now, timedelta(hours=24)),
                           queue=queue, failures=failures, describe=services.describe)
