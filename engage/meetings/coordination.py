"""Coordination in a coalition: another member met, or will meet, the same people near this meeting.

A soft warning, never a refusal: booking goes ahead. Only what the reader may see of the other
member's meetings is said (the visibility API decides: a private or restricted meeting says nothing).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from engage.access.services import only_visible, select_visible
from engage.i18n import page_clock
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
    same_ask: bool = False  # its agenda shares an ask with the meeting being booked or shown

    def sentence(self) -> str:
        """"KHRC met the Embassy of Germany, Nairobi on 10 Nov 2026 on HIV/AIDS asks — on the same ask"."""
        # The day in the page's language ("Tue 10 Nov 2026", "mardi 10 novembre 2026").
        when = page_clock.format_in_zone(self.starts_at, self.timezone, with_date=True).split(",")[0]
        values = {"member": self.member, "organisation": self.organisation, "day": when,
                  "topics": ", ".join(self.topics)}
        # Whole sentences, so each language can order them: past or to come, with topics, on the same ask.
        if self.past:
            if self.topics:
                return _("%(member)s met %(organisation)s on %(day)s on %(topics)s asks — on the same ask", **values) \
                    if self.same_ask else _("%(member)s met %(organisation)s on %(day)s on %(topics)s asks", **values)
            return _("%(member)s met %(organisation)s on %(day)s on the same ask", **values) if self.same_ask \
                else _("%(member)s met %(organisation)s on %(day)s", **values)
        if self.topics:
            return _("%(member)s will meet %(organisation)s on %(day)s on %(topics)s asks — on the same ask", **values) \
                if self.same_ask else _("%(member)s will meet %(organisation)s on %(day)s on %(topics)s asks", **values)
        return _("%(member)s will meet %(organisation)s on %(day)s on the same ask", **values) if self.same_ask \
            else _("%(member)s will meet %(organisation)s on %(day)s", **values)


def nearby_meetings(actor, meeting: Meeting, now: datetime) -> list[NearbyMeeting]:
    """Other members' meetings the actor may see with any organisation this meeting's contacts belong
    to, within the window around it; nothing outside a coalition (two statements, none then)."""
    if not coalition_mode():
        return []
    org_ids = {a.contact.organisation_id for a in meeting.attendees
               if a.contact is not None and a.contact.organisation_id is not None}
    return nearby_for(actor, org_ids, meeting.member_id, meeting.starts_at, {a.id for a in meeting.asks}, now)


def nearby_for(actor, org_ids, member_id: int | None, around: datetime, ask_ids, now: datetime
               ) -> list[NearbyMeeting]:
    """Other members' meetings than `member_id`'s, that the actor may see, with any of these
    organisations within the window around `around`, marked when they share one of `ask_ids`: what
    a meeting's page and the booking form (before anything is saved) both warn of."""
    if not coalition_mode():
        return []
    org_ids = {i for i in org_ids if i is not None}
    if not org_ids:
        return []
    ask_ids = {i for i in ask_ids or () if isinstance(i, int)}
    window = timedelta(days=current_app.config["ENGAGE_COALITION_WINDOW_DAYS"])
    try:
        earliest, latest = around - window, around + window
    except OverflowError:  # a date typed near year 1 or 9999: nothing is that far out
        return []
    query = only_visible(actor, select(Meeting, Organisation.name, Member.short_name)
                         .join(Attendee, Attendee.meeting_id == Meeting.id)
                         .join(Contact, Attendee.contact_id == Contact.id)
                         .join(Organisation, Contact.organisation_id == Organisation.id)
                         .join(Member, Member.id == Meeting.member_id)
                         .where(Meeting.member_id != member_id, Meeting.status != "cancelled",
                                Contact.organisation_id.in_(sorted(org_ids)),
                                Meeting.starts_at >= earliest, Meeting.starts_at <= latest)
                         .order_by(Meeting.starts_at, Organisation.name), Meeting, Contact)
    found, seen = [], set()
    for other, organisation, member in db.session.execute(query):
        if (other.id, organisation) in seen:
            continue
        seen.add((other.id, organisation))
        themes = sorted({t.name for ask in other.asks for t in ask.themes}) or \
            sorted({t.name for r in other.recommendations for t in r.themes})
        found.append(NearbyMeeting(other.id, member, organisation, other.starts_at, other.timezone,
                                   tuple(themes[:3]), other.starts_at <= now,
                                   bool(ask_ids & {a.id for a in other.asks})))
    return found


def nearby_booking(actor, contact_ids, organisation_id: int | None, member_id: int | None, around: datetime,
                   ask_ids, now: datetime) -> list[NearbyMeeting]:
    """What `nearby_for` says for a booking not yet saved: the chosen attendees' organisations (those
    the actor may see) and the organisation booked from; nothing outside a coalition (no statement)."""
    if not coalition_mode():
        return []
    org_ids = {organisation_id}
    ids = sorted({i for i in contact_ids or () if isinstance(i, int) and 0 < i <= 2**31 - 1})
    if ids:
        org_ids |= set(db.session.scalars(select_visible(actor, Contact.organisation_id)
                                          .where(Contact.id.in_(ids))))
    return nearby_for(actor, org_ids, member_id, around, ask_ids, now)
