"""The morning mail for staff: a daily digest, and notices about follow-ups due today or overdue."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _, ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from engage.access.services import can_see, is_restricted, visible
from engage.auth.models import User
from engage.extensions import db
from engage.i18n import current_language, format_day, in_language, page_clock, staff_language
from engage.meetings.models import Attendee, Meeting
from engage.outbox.models import OutboxMessage
from engage.outcomes.services import follow_ups_due_on, overdue_follow_ups

from .mail import queue_plain
from .milestones import coming_for
from .models import FollowUpNotice

DIGEST_MEETINGS = 25  # meetings listed in one digest; "and N more" links to the rest


def _morning(config) -> tuple[ZoneInfo, time]:
    # Both checked at start-up (engage/settings.py): a zone that exists, a time as HH:MM.
    return ZoneInfo(config["ENGAGE_DIGEST_TIMEZONE"]), time.fromisoformat(config["ENGAGE_DIGEST_AT"])


def follow_ups_for(user: User, day: date) -> tuple[list, list]:
    """The follow-ups `user` owns that are due on `day`, and those overdue, that they may still see."""
    # Actions on outcomes the reader may no longer see (restricted since) are left out.
    return ([f for f in follow_ups_due_on(day, owner_id=user.id) if can_see(user, f.outcome)],
            [f for f in overdue_follow_ups(day, owner_id=user.id) if can_see(user, f.outcome)])


def digest_for(user: User, day: date, zone: ZoneInfo) -> dict:
    """What one person's digest says for `day`: today's and tomorrow's meetings, missing answers, follow-ups."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = start + timedelta(days=2)
    mine = select(Attendee.meeting_id).where(Attendee.user_id == user.id)
    theirs = (Meeting.status == "scheduled", Meeting.starts_at >= start, Meeting.starts_at < end,
              (Meeting.organiser_id == user.id) | Meeting.id.in_(mine), visible(user, Meeting))
    # A mail lists the first few; the rest are a link away (and memory stays flat however busy the day).
    meetings = db.session.scalars(
        select(Meeting).where(*theirs).options(selectinload(Meeting.attendees).selectinload(Attendee.contact))
        .order_by(Meeting.starts_at, Meeting.id).limit(DIGEST_MEETINGS)).all()
    more = 0
    if len(meetings) == DIGEST_MEETINGS:
        more = db.session.scalar(select(func.count()).select_from(Meeting).where(*theirs)) - DIGEST_MEETINGS
    waiting = [(m, _waiting_for(user, m)) for m in meetings if m.organiser_id == user.id]
    due, overdue = follow_ups_for(user, day)
    return {
        "coming": coming_for(user, start),
        "user": user, "day": format_day(day, current_language()),
        "meetings": [(m, page_clock.format_in_zone(m.starts_at, m.timezone)) for m in meetings], "more_meetings": more,
        "waiting": [(m, people) for m, people in waiting if people],
        "due": due, "overdue": overdue,
        "base_url": current_app.config.get("ENGAGE_BASE_URL", "").rstrip("/"),
    }


def _waiting_for(user: User, meeting: Meeting) -> list[str]:
    """Who has not answered yet, as the digest names them: restricted contacts only counted (mail leaves
    engage, and an admin reading the outbox may not see them)."""
    pending = [a for a in meeting.attendees if a.response == "needs_action" and a.contact_id is not None
               and can_see(user, a.contact)]
    names = [a.name for a in pending if not is_restricted(a.contact)]
    if hidden := len(pending) - len(names):
        names.append(ngettext("%(num)s restricted contact", "%(num)s restricted contacts", hidden))
    return names


def _restricted_follow_ups(follow_ups) -> set[int]:
    # Mail leaves the building: actions on restricted outcomes are named only inside engage.
    return {f.id for f in follow_ups if is_restricted(f.outcome)}


def _digest_key(user: User, day: date) -> str:
    return f"digest:{user.id}:{day.isoformat()}"


def queue_morning_messages(now: datetime, config) -> dict[str, int]:
    """After the morning hour (default 07:00 Nairobi): each person's digest and follow-up notices, once a day."""
    zone, at = _morning(config)
    local = now.astimezone(zone)
    if local.time() < at:
        return {"digests": 0, "notices": 0}
    day = local.date()
    digests = notices = 0
    users = db.session.scalars(select(User).where(User.is_disabled.is_(False))).all()
    # The job runs every few minutes all day: build a digest only for those not yet sent theirs.
    sent = set(db.session.scalars(select(OutboxMessage.dedupe_key).where(
        OutboxMessage.dedupe_key.in_([_digest_key(u, day) for u in users]))))
    for user in users:
        with in_language(staff_language(user)):  # each person's mail in their language
            if _digest_key(user, day) in sent:
                due, overdue = follow_ups_for(user, day)
            else:
                content = digest_for(user, day, zone)
                due, overdue = content["due"], content["overdue"]
                content["restricted_ids"] = _restricted_follow_ups(due + overdue)
                if content["meetings"] or due or overdue or content["coming"]:
                    subject = _("engage: your day, %(day)s", day=page_clock.format_date(day))
                    if queue_plain(now, "digest", user, subject, "digest", content, _digest_key(user, day)):
                        digests += 1
            for follow_up in due:
                notices += _notice(now, day, user, follow_up, "due")
            for follow_up in overdue:
                notices += _notice(now, day, user, follow_up, "overdue")
    db.session.commit()
    return {"digests": digests, "notices": notices}


def _notice(now: datetime, day: date, user: User, follow_up, kind: str) -> int:
    """One follow-up notice (due today, or overdue — each only once per follow-up)."""
    if db.session.scalar(select(FollowUpNotice.id).where(FollowUpNotice.follow_up_id == follow_up.id,
                                                         FollowUpNotice.kind == kind)):
        return 0
    restricted = is_restricted(follow_up.outcome)
    what = _("an action on a restricted outcome") if restricted else follow_up.description[:80]
    due_on = page_clock.format_date(follow_up.due_on)  # in the reader's language (the caller's in_language)
    subject = (_("Follow-up due today: %(what)s", what=what) if kind == "due"
               else _("Follow-up overdue since %(day)s: %(what)s", day=due_on, what=what))
    context = {"user": user, "follow_up": follow_up, "kind": kind, "due": due_on,
               "restricted": restricted, "base_url": current_app.config.get("ENGAGE_BASE_URL", "").rstrip("/")}
    queue_plain(now, "reminder", user, subject, "follow_up", context, f"follow-up:{follow_up.id}:{kind}")
    db.session.add(FollowUpNotice(follow_up_id=follow_up.id, kind=kind, sent_on=day, created_at=now))
    db.session.flush()
    return 1
