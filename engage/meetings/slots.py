"""Finding a slot: free times inside the overlap of working hours in several zones (Nairobi and Geneva)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from engage.clock import REFERENCE_ZONES, UTC, is_valid_timezone, start_of_day
from engage.errors import ValidationError
from engage.extensions import db

from .models import Attendee, Meeting
from .schemas import MAX_DURATION, MIN_DURATION

WORKDAYS = (0, 1, 2, 3, 4)  # Monday to Friday
MAX_RANGE_DAYS = 62
Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime


def _wall(day: date, at: time, zone: str) -> datetime:
    # A working-hours edge that falls in a clock change is taken as zoneinfo resolves it (fold 0):
    # the edge only bounds the search, it is never shown as a meeting time.
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def working_intervals(first: date, last: date, zone: str, day_start: time, day_end: time,
                      weekdays=WORKDAYS) -> list[Interval]:
    """Working hours in `zone` on each working day from `first` to `last`, as UTC intervals."""
    out = []
    day = first
    while day <= last:
        if day.weekday() in weekdays:
            out.append((_wall(day, day_start, zone), _wall(day, day_end, zone)))
        day += timedelta(days=1)
    return out


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """The instants in both lists of sorted, non-overlapping intervals."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(free: list[Interval], busy: list[Interval]) -> list[Interval]:
    """`free` minus every busy interval (busy need not be sorted or disjoint)."""
    out = []
    busy = sorted(busy)
    for start, end in free:
        cursor = start
        for b_start, b_end in busy:
            if b_end <= cursor or b_start >= end:
                continue
            if b_start > cursor:
                out.append((cursor, b_start))
            cursor = max(cursor, b_end)
            if cursor >= end:
                break
        if cursor < end:
            out.append((cursor, end))
    return out


def busy_intervals(start: datetime, end: datetime, user_ids=(), contact_ids=(),
                   exclude_meeting_id: int | None = None) -> list[Interval]:
    """When any of these staff members or contacts takes part in a meeting that is not cancelled."""
    who = []
    if user_ids:
        who.append(Attendee.user_id.in_(list(user_ids)))
    if contact_ids:
        who.append(Attendee.contact_id.in_(list(contact_ids)))
    if not who:
        return []
    # Busy is busy: restricted meetings count (only their times are used, never shown).
    query = (select(Meeting.starts_at, Meeting.ends_at).distinct().execution_options(all_sensitivities=True)
             .join(Attendee, Attendee.meeting_id == Meeting.id)
             .where(Meeting.status != "cancelled", Meeting.starts_at < end, Meeting.ends_at > start, or_(*who)))
    if exclude_meeting_id is not None:
        query = query.where(Meeting.id != exclude_meeting_id)
    return sorted((s, e) for s, e in db.session.execute(query))


def _round_up(value: datetime, step: timedelta) -> datetime:
    seconds = step.total_seconds()
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    steps = math.ceil((value - epoch).total_seconds() / seconds)
    return epoch + timedelta(seconds=steps * seconds)


def find_slots(now: datetime, first_day: date, last_day: date, duration: timedelta, user_ids=(), contact_ids=(),
               zones=REFERENCE_ZONES, day_start: time = time(9), day_end: time = time(17),
               step: timedelta = timedelta(minutes=30), limit: int = 40,
               exclude_meeting_id: int | None = None) -> list[Slot]:
    """Free slots of `duration` in the overlap of working hours (Mon–Fri) of every zone, from
    `first_day` to `last_day` (days in the first zone), avoiding these people's meetings and the past.

    Slots start on `step` boundaries (in UTC, so on the hour and half hour in whole-hour zones).
    """
    errors = {}
    if not MIN_DURATION <= duration <= MAX_DURATION:
        errors["duration"] = ["Between 5 minutes and 12 hours."]
    if last_day < first_day:
        errors["last_day"] = ["The last day must not be before the first."]
    elif (last_day - first_day).days > MAX_RANGE_DAYS:
        errors["last_day"] = [f"Search at most {MAX_RANGE_DAYS} days at a time."]
    if not zones or not all(is_valid_timezone(z) for z in zones):
        errors["zones"] = ["Use IANA zone names such as Africa/Nairobi."]
    if day_end <= day_start:
        errors["day_end"] = ["The working day must end after it starts."]
    if errors:
        raise ValidationError.for_fields(errors)

    range_start, range_end = start_of_day(first_day, zones[0]), start_of_day(last_day + timedelta(days=1), zones[0])
    # Other zones' working days may fall on neighbouring dates: take a day either side, then clip.
    windows = [(range_start, range_end)]
    for zone in zones:
        windows = intersect(windows, working_intervals(first_day - timedelta(days=1), last_day + timedelta(days=1),
                                                       zone, day_start, day_end))
    earliest = _round_up(max(now, range_start), step)
    windows = [(max(s, earliest), e) for s, e in windows if e > earliest]
    free = subtract(windows, busy_intervals(range_start, range_end, user_ids, contact_ids, exclude_meeting_id))
    slots = []
    for start, end in free:
        cursor = _round_up(start, step)
        while cursor + duration <= end:
            slots.append(Slot(cursor, cursor + duration))
            if len(slots) >= limit:
                return slots
            cursor += step
    return slots
