"""Reminders: plan them from meetings, move and cancel them with the meeting, and turn due ones into mail.

Rows are the truth (docs/architecture.md, the outbox and the scheduler); the scheduler only calls queue_due_reminders() and the
digest. A row is claimed with a conditional UPDATE whose rowcount says who won, so two scheduler
processes never queue the same reminder twice, on SQLite or PostgreSQL.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import gettext as _, ngettext
from sqlalchemy import and_, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from engage.access.services import hidden_ids
from engage.claims import claim_due_rows
from engage.clock import format_in_zone
from engage.directory.models import Contact
from engage.extensions import db
from engage.invitations.services import PARTSTAT, queue_rendered, render_meeting_message
from engage.meetings.models import Attendee, Meeting
from engage.meetings.changes import AttendeeSnapshot, MeetingChange

from .models import Reminder, SchedulerHeartbeat

log = logging.getLogger(__name__)
DEFAULT_LEASE_SECONDS = 300
ACTIVE = ("pending", "claimed")


def _wants_reminders(attendee: Attendee) -> bool:
    return attendee.response != "declined"


def plan_reminders(meeting: Meeting, now: datetime) -> None:
    """Bring the meeting's reminder rows in line with its time, offsets, status and attendees' answers."""
    existing = {(r.attendee_id, r.offset_minutes): r for r in db.session.scalars(
        select(Reminder).where(Reminder.meeting_id == meeting.id))}
    offsets = sorted({int(m) for m in (meeting.reminder_offsets or [])})
    live = meeting.status == "scheduled"
    wanted = set()
    for attendee in meeting.attendees:
        if attendee.id is None:
            continue
        for offset in offsets:
            key = (attendee.id, offset)
            due = meeting.starts_at - timedelta(minutes=offset)
            row = existing.get(key)
            eligible = live and _wants_reminders(attendee)
            if eligible:
                wanted.add(key)
            if row is None:
                # An attendee added late gets only the reminders still ahead.
                if eligible and due > now:
                    db.session.add(Reminder(meeting_id=meeting.id, attendee_id=attendee.id, offset_minutes=offset,
                                            due_at=due, status="pending", created_at=now))
                continue
            if not eligible:
                _cancel(row, now, "declined" if live else f"meeting {meeting.status}")
            elif row.due_at != due:
                if due > now:
                    # Moved: a reminder already sent for the old time is due again for the new one.
                    row.due_at, row.status, row.sent_at, row.lease_until, row.claimed_by = due, "pending", None, None, None
                    row.cancelled_at, row.note = None, "moved with the meeting"
                else:
                    # Never sent late for a time that has already passed.
                    _cancel(row, now, "the new time had already passed")
            elif row.status == "cancelled" and due > now:
                row.status, row.cancelled_at, row.note = "pending", None, "planned again"
    on_meeting = {a.id for a in meeting.attendees}
    for key, row in existing.items():
        if key[0] not in on_meeting:
            db.session.delete(row)  # the attendee was removed (SQLite does not cascade by itself)
        elif key not in wanted and key[1] not in offsets:
            _cancel(row, now, "offset removed")
    db.session.flush()


def _cancel(row: Reminder, now: datetime, why: str) -> None:
    if row.status in ACTIVE:
        row.status, row.cancelled_at, row.note = "cancelled", now, why
        row.lease_until = row.claimed_by = None


def on_change(change: MeetingChange, _actor, now: datetime) -> None:
    """Every meeting change re-plans its reminders (idempotent)."""
    plan_reminders(change.meeting, now)



def mark_missed(now: datetime) -> int:
    """Reminders that came due while nobody ran them and whose meeting has already started: missed, not sent."""
    started = select(Meeting.id).where(Meeting.starts_at <= now).scalar_subquery()
    result = db.session.execute(
        update(Reminder)
        .where(Reminder.status == "pending", Reminder.due_at <= now, Reminder.meeting_id.in_(started))
        .values(status="missed", note="the meeting had started before it could be sent", lease_until=None)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def _claimable(now: datetime):
    return or_(Reminder.status == "pending",
               and_(Reminder.status == "claimed", Reminder.lease_until < now))


def claim_due_reminders(now: datetime, worker_id: str, limit: int,
                        lease_seconds: int = DEFAULT_LEASE_SECONDS) -> list[int]:
    """Claim up to `limit` due reminders for this worker; returns the ids it won (committed by the caller)."""
    table = Reminder.__table__
    won = claim_due_rows(table, and_(Reminder.due_at <= now, _claimable(now)), (table.c.due_at, table.c.id), limit,
                         "claimed", worker_id, now + timedelta(seconds=lease_seconds), (table.c.id,))
    return [row[0] for row in won]


def _offset_phrase(offset_minutes: int) -> str:
    if offset_minutes % 1440 == 0:
        return ngettext("%(num)d day", "%(num)d days", offset_minutes // 1440)
    if offset_minutes % 60 == 0:
        return ngettext("%(num)d hour", "%(num)d hours", offset_minutes // 60)
    return ngettext("%(num)d minute", "%(num)d minutes", offset_minutes)


def render_reminder(reminder: Reminder, now: datetime):
    """One reminder's message (with the current .ics), rendered but not queued; None for "do not contact"."""
    attendee, meeting = reminder.attendee, reminder.meeting
    key = f"reminder:{reminder.id}:{reminder.due_at:%Y%m%dT%H%M%SZ}:{attendee.email.lower()}"
    return render_meeting_message(meeting, AttendeeSnapshot.of(attendee), "reminder", now, dedupe_key=key,
                                  partstat=PARTSTAT.get(attendee.response, "NEEDS-ACTION"),
                                  until=meeting.starts_at - now)


def queue_rendered_reminders(rendered: list, now: datetime) -> None:
    """Put (reminder, rendered message) pairs in the outbox and mark each sent, or refused when it has no message."""
    rows = iter(queue_rendered([message for _, message in rendered if message is not None], now))
    for reminder, message in rendered:
        reminder.lease_until = None
        if message is None:  # a "do not contact" person: refused and recorded, nothing queued
            reminder.status, reminder.cancelled_at, reminder.note = "cancelled", now, "refused: do not contact"
        else:
            reminder.status, reminder.sent_at, reminder.outbox_message_id = "sent", now, next(rows).id


# Everything a reminder message reads, in one query per relationship for the whole chunk: each
# chunk's commit expires what the last one loaded, and lazy loads cost a query per meeting.
_WHAT_A_MESSAGE_READS = (
    selectinload(Reminder.attendee).options(selectinload(Attendee.contact), selectinload(Attendee.user)),
    selectinload(Reminder.meeting).options(
        selectinload(Meeting.organiser), selectinload(Meeting.recommendations),
        selectinload(Meeting.attendees).options(
            selectinload(Attendee.contact).selectinload(Contact.organisation), selectinload(Attendee.user))),
)


def queue_due_reminders(now: datetime, worker_id: str, limit: int = 500,
                        lease_seconds: int = DEFAULT_LEASE_SECONDS, chunk: int = 50) -> dict[str, int]:
    """Mark missed ones, claim due ones and queue their messages; commits as it goes (a scheduler job)."""
    missed = mark_missed(now)
    claimed = claim_due_reminders(now, worker_id, limit, lease_seconds)
    db.session.commit()
    queued = superseded = 0
    for start in range(0, len(claimed), chunk):
        rows = db.session.scalars(select(Reminder).where(
            Reminder.id.in_(claimed[start:start + chunk]), Reminder.status == "claimed",
            Reminder.claimed_by == worker_id).order_by(Reminder.offset_minutes)
            .options(*_WHAT_A_MESSAGE_READS)).all()
        seen, has_nearer, rendered = set(), _with_nearer_reminder_due(rows, now), []
        # Render the whole chunk before writing any of it: on SQLite the first write takes the one
        # write lock until the commit, and the dispatcher's per-message commits must not wait for
        # fifty renderings (bench/reminders.py).
        with db.session.no_autoflush:
            for reminder in rows:
                if reminder.meeting.status != "scheduled" or reminder.meeting.starts_at <= now:
                    reminder.status, reminder.note, reminder.lease_until = "missed", "meeting started or changed", None
                    continue
                # After downtime several may be due at once: the nearest one is enough.
                if reminder.attendee_id in seen or reminder.id in has_nearer:
                    reminder.status, reminder.lease_until = "superseded", None
                    reminder.note = "a nearer reminder was due at the same time"
                    superseded += 1
                    continue
                seen.add(reminder.attendee_id)
                rendered.append((reminder, render_reminder(reminder, now)))
        queue_rendered_reminders(rendered, now)
        queued += len(rendered)
        db.session.commit()
    if missed or queued or superseded:
        log.info("reminders: %s queued, %s missed, %s superseded (worker %s)", queued, missed, superseded, worker_id)
    return {"missed": missed, "claimed": len(claimed), "queued": queued, "superseded": superseded}


def _with_nearer_reminder_due(reminders: list[Reminder], now: datetime) -> set[int]:
    """Ids of those reminders whose attendee has a nearer one also due now (or already sent for this time)."""
    if not reminders:
        return set()
    nearest = dict(db.session.execute(
        select(Reminder.attendee_id, func.min(Reminder.offset_minutes))
        .where(Reminder.attendee_id.in_({r.attendee_id for r in reminders}), Reminder.due_at <= now,
               Reminder.status.in_(("pending", "claimed", "sent")))
        .group_by(Reminder.attendee_id)).all())
    return {r.id for r in reminders if nearest.get(r.attendee_id, r.offset_minutes) < r.offset_minutes}


EVERYONE = object()  # the command line's view: every reminder, whoever it concerns


def _visible_reminders(actor):
    """Reminders of restricted meetings, or to restricted contacts, the actor may not see: absent."""
    if actor is EVERYONE:
        return true()
    hidden_attendees = select(Attendee.__table__.c.id).where(
        Attendee.__table__.c.contact_id.in_(hidden_ids(actor, Contact)))
    return and_(Reminder.meeting_id.not_in(hidden_ids(actor, Meeting, True)),
                Reminder.attendee_id.not_in(hidden_attendees))


def due_reminders(now: datetime, within: timedelta = timedelta(hours=24), actor=EVERYONE) -> list[Reminder]:
    """Pending reminders due before now + within that the actor may see, soonest first (admin page, CLI)."""
    return list(db.session.scalars(
        select(Reminder).where(Reminder.status.in_(ACTIVE), Reminder.due_at <= now + within,
                               _visible_reminders(actor))
        .order_by(Reminder.due_at, Reminder.id)))


def reminder_lag(now: datetime, actor=EVERYONE) -> timedelta | None:
    """How late the oldest due, unsent reminder the actor may see is (None when nothing is waiting)."""
    oldest = db.session.scalar(select(func.min(Reminder.due_at)).where(
        Reminder.status.in_(ACTIVE), Reminder.due_at <= now, _visible_reminders(actor)))
    return (now - oldest) if oldest else None


def describe(reminder: Reminder) -> str:
    """'Kofi Mensah — HIV key populations, Tue 6 Jul 2027, 10:00 Geneva (CEST) (1 hour before)'."""
    return _("%(name)s — %(title)s, %(when)s (%(offset)s before)", name=reminder.attendee.name,
             title=reminder.meeting.title, when=format_in_zone(reminder.meeting.starts_at, reminder.meeting.timezone),
             offset=_offset_phrase(reminder.offset_minutes))


# ---- the scheduler's heartbeat ----

def beat(worker_id: str, now: datetime, job: str, error: str | None = None) -> None:
    """Record that this scheduler process just ran `job` (and how it ended); commits."""
    # The jobs start together, so two may both find no row and both insert: the loser updates.
    for attempt in (1, 2):
        row = db.session.scalar(select(SchedulerHeartbeat).where(SchedulerHeartbeat.worker_id == worker_id))
        if row is None:
            row = SchedulerHeartbeat(worker_id=worker_id, started_at=now, last_beat_at=now)
            db.session.add(row)
        row.last_beat_at, row.last_job, row.stopped_at = now, job, None
        row.last_error = error[:2000] if error else None
        try:
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise


def stop_beating(worker_id: str, now: datetime) -> None:
    """Note that this scheduler process stopped cleanly."""
    db.session.execute(update(SchedulerHeartbeat).where(SchedulerHeartbeat.worker_id == worker_id)
                       .values(stopped_at=now))
    db.session.commit()


def scheduler_processes(now: datetime, alive_within: timedelta = timedelta(minutes=2)):
    """Every scheduler process seen, newest first, each with whether it looks alive."""
    rows = db.session.scalars(select(SchedulerHeartbeat).order_by(SchedulerHeartbeat.last_beat_at.desc())).all()
    return [(row, row.stopped_at is None and now - row.last_beat_at <= alive_within) for row in rows]
