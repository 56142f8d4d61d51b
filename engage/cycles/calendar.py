"""The milestones of every cycle as a calendar: all-day events for staff calendars (a private feed)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engage.extensions import db
from engage.ical import DayEventData, build_calendar
from engage.urls import absolute_url

from .models import Milestone


def milestone_event(milestone: Milestone, page_url: str = "") -> DayEventData:
    """One milestone as an all-day event named "Cycle 4: Working Group review (UPR 49)"."""
    lines = [milestone.kind_label]
    if milestone.note:
        lines.append(milestone.note)
    if page_url:
        lines.append(page_url)
    return DayEventData(uid=f"milestone-{milestone.id}@engage", summary=f"Cycle {milestone.cycle.number}: {milestone.name}",
                        day=milestone.due_on, description="\n".join(lines), url=page_url,
                        last_modified=milestone.updated_at)


def milestones_ics(_owner, now: datetime) -> bytes:
    """Every cycle's milestones as a METHOD:PUBLISH calendar (a feed of scope "milestones"; milestones
    are not restricted records, so every owner sees the same)."""
    milestones = db.session.scalars(select(Milestone).options(selectinload(Milestone.cycle))
                                    .order_by(Milestone.due_on, Milestone.id)).all()
    events = [milestone_event(m, absolute_url("cycles.show", number=m.cycle.number)) for m in milestones]
    return build_calendar(events, "PUBLISH", now, name="engage: UPR cycle milestones")
