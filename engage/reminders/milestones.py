"""Milestone reminders to staff, and the milestones the digest says are coming.

A reminder row (cycles.models.MilestoneReminder, planned by the cycles services) is claimed with
engage/claims.claim_due_rows like a meeting reminder, so two scheduler processes never queue it
twice, on SQLite or PostgreSQL; each staff member's message has its own dedupe key besides.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _, ngettext
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from engage.auth.models import User
from engage.claims import claim_due_rows
from engage.cycles.models import Milestone, MilestoneReminder
from engage.cycles.services import standing, today_in_nairobi, upcoming_milestones
from engage.extensions import db
from engage.i18n import in_language, page_clock, staff_language

from .mail import queue_plain

log = logging.getLogger(__name__)
COMING_WITHIN = timedelta(weeks=8)  # how far ahead the digest looks for milestones
DEFAULT_LEASE_SECONDS = 300


def how_far(days: int) -> str:
    """'today', 'tomorrow', 'in 5 days', 'in 6 weeks'."""
    if days <= 0:
        return _("today")
    if days == 1:
        return _("tomorrow")
    if days < 14:
        return ngettext("in %(num)s day", "in %(num)s days", days)
    return ngettext("in %(num)s week", "in %(num)s weeks", round(days / 7))


def coming_for(user: User, now: datetime) -> list[dict]:
    """What the digest says is coming: each milestone in the next eight weeks, how far off it is, and
    how many states with recommendations nobody has met in its cycle yet (as `user` may see)."""
    today = today_in_nairobi(now)
    unmet: dict[int, int] = {}
    out = []
    for milestone in upcoming_milestones(now, COMING_WITHIN):
        cycle = milestone.cycle
        if cycle.id not in unmet:
            unmet[cycle.id] = len(standing(cycle, now, user)[1])
        out.append({"milestone": milestone, "when": how_far((milestone.due_on - today).days),
                    "on": page_clock.format_date(milestone.due_on), "not_met": unmet[cycle.id], "cycle": cycle.number})
    return out


def _claimable(now: datetime):
    return or_(MilestoneReminder.status == "pending",
               and_(MilestoneReminder.status == "claimed", MilestoneReminder.lease_until < now))


def claim_due_milestone_reminders(now: datetime, worker_id: str, limit: int,
                                  lease_seconds: int = DEFAULT_LEASE_SECONDS) -> list[int]:
    """Claim up to `limit` due milestone reminders for this worker; the ids it won (the caller commits)."""
    table = MilestoneReminder.__table__
    won = claim_due_rows(table, and_(table.c.due_at <= now, _claimable(now)), (table.c.due_at, table.c.id), limit,
                         "claimed", worker_id, now + timedelta(seconds=lease_seconds), (table.c.id,))
    return [row[0] for row in won]


def _subject(milestone: Milestone, today: date) -> str:
    return _("Cycle %(cycle)s: %(milestone)s %(when)s (%(day)s)", cycle=milestone.cycle.number, milestone=milestone.name,
             when=how_far((milestone.due_on - today).days), day=page_clock.format_date(milestone.due_on))


def queue_due_milestone_reminders(now: datetime, worker_id: str, limit: int = 100,
                                  lease_seconds: int = DEFAULT_LEASE_SECONDS) -> dict[str, int]:
    """Claim due milestone reminders and mail each active staff member once; a reminder for a milestone
    already past is missed, never sent late. Commits (a scheduler job)."""
    claimed = claim_due_milestone_reminders(now, worker_id, limit, lease_seconds)
    db.session.commit()
    if not claimed:
        return {"claimed": 0, "sent": 0, "missed": 0, "messages": 0}
    today = today_in_nairobi(now)
    rows = db.session.scalars(select(MilestoneReminder).where(
        MilestoneReminder.id.in_(claimed), MilestoneReminder.status == "claimed",
        MilestoneReminder.claimed_by == worker_id)
        .options(selectinload(MilestoneReminder.milestone).selectinload(Milestone.cycle))
        .order_by(MilestoneReminder.due_at, MilestoneReminder.id)).all()
    users = db.session.scalars(select(User).where(User.is_disabled.is_(False)).order_by(User.id)).all()
    base_url = current_app.config.get("ENGAGE_BASE_URL", "").rstrip("/")
    sent = missed = messages = 0
    for reminder in rows:
        milestone = reminder.milestone
        reminder.lease_until = None
        if milestone.due_on < today:
            reminder.status, reminder.note = "missed", "the milestone had passed before it could be sent"
            missed += 1
            continue
        unmet: dict[int, int] = {}
        for user in users:
            with in_language(staff_language(user)):  # each person's mail in their language
                context = {"user": user, "milestone": milestone, "cycle": milestone.cycle,
                           "on": page_clock.format_date(milestone.due_on),
                           "when": how_far((milestone.due_on - today).days), "base_url": base_url}
                if user.id not in unmet:
                    unmet[user.id] = len(standing(milestone.cycle, now, user)[1])
                context["not_met"] = unmet[user.id]
                key = f"milestone:{milestone.id}:{reminder.lead_days}:{milestone.due_on.isoformat()}:{user.id}"
                messages += queue_plain(now, "reminder", user, _subject(milestone, today), "milestone", context, key)
        reminder.status, reminder.sent_at = "sent", now
        sent += 1
    db.session.commit()
    if sent or missed:
        log.info("milestone reminders: %s sent (%s messages), %s missed (worker %s)", sent, messages, missed, worker_id)
    return {"claimed": len(claimed), "sent": sent, "missed": missed, "messages": messages}
