"""Coordination in a coalition: another member met, or will meet, the same people near this meeting.

A soft warning, never a refusal: booking goes ahead. Only what the reader may see of the other
member's meetings is said (the visibility API decides: a private or restricted meeting says nothing).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from engage.access.services import only_visible
from engage.clock import format_in_zone
from engage.directory.models import Contact, Organisation
from engage.extensions import db
from engage.members.models import Member
from engage.members.services import coalition_mode

from .models import Attendee, Meeting


@dataclass(frozen=True)
class NearbyMeeting:
    """Another member's meeting with one of the same organisations, within the window."""

    meeting_id: int
    member: str  # its short name
    organisation: str
    starts_at: datetime
    timezone: str
    topics: tuple[str, ...]  # the themes of its asks (else of its recommendations)
    past: bool

    def sentence(self) -> str:
        """"KHRC met the Embassy of Germany, Nairobi on 10 Nov 2026 on HIV/AIDS asks"."""
        verb = "met" if self.past else "will meet"
        when = format_in_zone(self.starts_at, self.timezone, with_date=True).split(",")[0]
        topics = f" on {', '.join(self.topics)} asks" if self.topics else ""
        return f"{self.member} {verb} {self.organisation} on {when}{topics}"


def nearby_meetings(actor, meeting: Meeting, now: datetime) -> list[NearbyMeeting]:
    """Other members' meetings the actor may see with any organisation this meeting's contacts belong
    to, within the window around it; nothing outside a coalition (two statements, none then)."""
    if not coalition_mode():
        return []
    org_ids = {a.contact.organisation_id for a in meeting.attendees
               if a.contact is not None and a.contact.organisation_id is not None}
    if not org_ids:
        return []
    window = timedelta(days=current_app.config["ENGAGE_COALITION_WINDOW_DAYS"])
    query = only_visible(actor, select(Meeting, Organisation.name, Member.short_name)
                         .join(Attendee, Attendee.meeting_id == Meeting.id)
                         .join(Contact, Attendee.contact_id == Contact.id)
                         .join(Organisation, Contact.organisation_id == Organisation.id)
                         .join(Member, Member.id == Meeting.member_id)
                         .where(Meeting.member_id != meeting.member_id, Meeting.status != "cancelled",
                                Contact.organisation_id.in_(sorted(org_ids)),
                                Meeting.starts_at >= meeting.starts_at - window,
                                Meeting.starts_at <= meeting.starts_at + window)
                         .order_by(Meeting.starts_at, Organisation.name), Meeting, Contact)
    found, seen = [], set()
    for other, organisation, member in db.session.execute(query):
        if (other.id, organisation) in seen:
            continue
        seen.add((other.id, organisation))
        themes = sorted({t.name for ask in other.asks for t in ask.themes}) or \
            sorted({t.name for r in other.recommendations for t in r.themes})
        found.append(NearbyMeeting(other.id, member, organisation, other.starts_at, other.timezone,
                                   tuple(themes[:3]), other.starts_at <= now))
    return found
