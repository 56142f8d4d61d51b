"""Pure iCalendar builders (RFC 5545/5546): plain data in, bytes out. No database, no clock.

Interface (implemented by the invitations work; meetings use it for .ics downloads and feeds):

    build_calendar(events: list[EventData], method: str, now: datetime, name: str | None = None) -> bytes

One-off meetings carry their times in UTC ("...Z") and no VTIMEZONE (see DESIGN.md rule 6).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class AttendeeData:
    email: str
    name: str
    role: str = "required"          # required | optional
    partstat: str = "NEEDS-ACTION"  # NEEDS-ACTION | ACCEPTED | TENTATIVE | DECLINED
    rsvp: bool = True


@dataclass(frozen=True)
class EventData:
    uid: str
    sequence: int
    summary: str
    starts_at: datetime             # aware
    ends_at: datetime               # aware
    organiser_email: str
    organiser_name: str = ""
    description: str = ""
    location: str = ""
    url: str = ""
    status: str = "CONFIRMED"       # CONFIRMED | CANCELLED
    attendees: tuple[AttendeeData, ...] = field(default_factory=tuple)
    created: datetime | None = None
    last_modified: datetime | None = None
    classification: str = "PUBLIC"  # PUBLIC | PRIVATE
