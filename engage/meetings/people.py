"""Who is on a meeting, as one reader may see it: the one place pages, the API, .ics files, feeds and
invitations ask "which attendees may this person see, and how many others are there".

Two rules meet here:
- services that send, keep or count attendees (cancellations, updates, replies, reminders) need every
  attendee with its contact, whoever asked; inside a request the access guard can hide a restricted
  contact even behind `attendee.contact`, so `load_contacts` loads them all explicitly;
- what is shown is decided per reader by `people_for`: a restricted contact the reader may not see is
  left out and only counted ("1 other attendee"). The reader None is a recipient outside engage (an
  invitation, a calendar entry sent out): every restricted contact is left out for them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import ngettext

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import NO_VALUE, set_committed_value

from engage.access.services import visibility
from engage.directory.models import Contact
from engage.extensions import db

from .models import Attendee


def _needs_contact(attendee) -> bool:
    if attendee.contact_id is None:
        return False
    loaded = attendee.__dict__.get("contact", NO_VALUE)  # what the session holds, without loading it
    # NO_VALUE: not loaded yet; None with a contact_id: the access guard hid it from this request.
    return loaded is NO_VALUE or loaded is None


def load_attendee_contacts(attendees) -> None:
    """Give each contact attendee its contact, restricted or not, in one query for all of them."""
    missing = [a for a in attendees if _needs_contact(a)]
    if not missing:
        return
    ids = {a.contact_id for a in missing}
    # Everything, on purpose: sending a cancellation to someone the actor may not see is still owed.
    query = (select(Contact).where(Contact.id.in_(ids)).options(selectinload(Contact.organisation))
             .execution_options(all_sensitivities=True))
    found = {c.id: c for c in db.session.scalars(query)}
    for attendee in missing:
        if attendee.contact_id in found:
            set_committed_value(attendee, "contact", found[attendee.contact_id])


def _load_attendees(meetings) -> None:
    # A list of meetings asks for its attendees once, not once per meeting.
    missing = [m for m in meetings if "attendees" not in m.__dict__ and m.id is not None]
    if len(missing) < 2:
        return
    rows: dict[int, list] = {m.id: [] for m in missing}
    for attendee in db.session.scalars(select(Attendee).where(Attendee.meeting_id.in_(rows))
                                       .order_by(Attendee.meeting_id, Attendee.id)):
        rows[attendee.meeting_id].append(attendee)
    for meeting in missing:
        set_committed_value(meeting, "attendees", rows[meeting.id])


def load_contacts(meetings) -> None:
    """Load the contact of every contact attendee of these meetings (one query), seen by the reader or not."""
    meetings = list(meetings)
    _load_attendees(meetings)
    load_attendee_contacts([a for m in meetings for a in m.attendees])


def other_attendees(hidden: int) -> str:
    """"1 other attendee", "2 other attendees", or "" when nobody is left out."""
    if not hidden:
        return ""
    return ngettext("%(num)d other attendee", "%(num)d other attendees", hidden)


class ShownAttendees:
    """What pages ask of the attendees a reader may see (`shown`) and of those left out (`hidden`):
    one definition for `People` (records) and `listing.RowPeople` (list rows)."""

    __slots__ = ()

    @property
    def contacts(self) -> list:
        return [a for a in self.shown if a.contact_id is not None]

    @property
    def staff(self) -> list:
        return [a for a in self.shown if a.user_id is not None]

    @property
    def hidden_phrase(self) -> str:
        return other_attendees(self.hidden)


@dataclass(frozen=True)
class People(ShownAttendees):
    """The attendees of one meeting a reader may see, in attendee order, and how many are left out."""

    shown: list = field(default_factory=list)
    hidden: int = 0

    @property
    def organisations(self) -> list:
        """The organisations of the contacts shown, each once, in attendee order."""
        seen = {}
        for a in self.contacts:
            if a.contact.organisation is not None:
                seen.setdefault(a.contact.organisation.id, a.contact.organisation)
        return list(seen.values())

def people_of_meetings(reader, meetings) -> dict[int, People]:
    """{meeting id: People} for these meetings as `reader` may see them (None: a recipient outside engage).

    One query loads the contacts; the reader's grants are the request's, loaded once.
    """
    meetings = list(meetings)
    load_contacts(meetings)
    restricted = {a.contact_id: a.contact.member_id for m in meetings for a in m.attendees
                  if a.contact is not None and a.contact.sensitivity == "restricted"}
    if reader is None:
        hidden = set(restricted)  # a recipient outside engage holds no grant
    else:
        hidden = visibility(reader).hidden_contacts(restricted)
    out = {}
    for m in meetings:
        shown = [a for a in m.attendees if a.contact_id is None or a.contact_id not in hidden]
        out[m.id] = People(shown=shown, hidden=len(m.attendees) - len(shown))
    return out


def people_for(reader, meeting, recipient_attendee_id: int | None = None) -> People:
    """The attendees of `meeting` that `reader` may see, and how many others there are.

    `recipient_attendee_id`: the attendee an invitation is written for, who always sees themselves.
    """
    people = people_of_meetings(reader, [meeting])[meeting.id]
    if recipient_attendee_id is None or any(a.id == recipient_attendee_id for a in people.shown):
        return people
    shown = [a for a in meeting.attendees if a in people.shown or a.id == recipient_attendee_id]
    return People(shown=shown, hidden=len(meeting.attendees) - len(shown))
