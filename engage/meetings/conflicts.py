"""Clashes: the meetings that overlap a time for some of the same people, and the 409 that refuses them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _, ngettext
from sqlalchemy import or_, select

from engage.access.services import HIDDEN_CONTACT, can_see
from engage.clock import UTC, format_in_zone, format_multi_zone_range
from engage.errors import ConflictError
from engage.extensions import db

from .models import Attendee, Meeting


@dataclass
class Conflict:
    """An existing meeting that overlaps, and who would be double-booked."""

    meeting: Meeting
    people: list[dict]
    hidden: bool = False  # a restricted meeting the person booking may not see: no title, no link

    @property
    def title(self) -> str:
        return _("another meeting") if self.hidden else self.meeting.title

    def as_dict(self) -> dict:
        m = self.meeting
        if self.hidden:
            # That a clash exists, and whom of the booker's own people it concerns: nothing of the meeting.
            return {"meeting_id": None, "uid": None, "title": self.title, "status": None, "starts_at": None,
                    "ends_at": None, "timezone": None, "when": None, "people": self.people}
        return {"meeting_id": m.id, "uid": m.uid, "title": self.title, "status": m.status,
                "starts_at": _z(m.starts_at), "ends_at": _z(m.ends_at), "timezone": m.timezone,
                "when": format_multi_zone_range(m.starts_at, m.ends_at, m.timezone), "people": self.people}


def _z(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def find_conflicts(starts_at: datetime, ends_at: datetime, user_ids=(), contact_ids=(),
                   exclude_meeting_id: int | None = None, viewer=None) -> list[Conflict]:
    """Meetings not cancelled that overlap [starts_at, ends_at) for any of these staff or contacts.

    Back-to-back meetings (one ends when the other starts) do not clash. A clash with a restricted
    meeting the `viewer` may not see is still reported, as "another meeting" with no link.
    """
    user_ids, contact_ids = list(user_ids), list(contact_ids)
    if not user_ids and not contact_ids:
        return []
    who = []
    if user_ids:
        who.append(Attendee.user_id.in_(user_ids))
    if contact_ids:
        who.append(Attendee.contact_id.in_(contact_ids))
    query = (select(Attendee).join(Meeting, Attendee.meeting_id == Meeting.id)
             .where(Meeting.status != "cancelled", Meeting.starts_at < ends_at, Meeting.ends_at > starts_at,
                    or_(*who))
             .order_by(Meeting.starts_at, Meeting.id, Attendee.id)
             .execution_options(all_sensitivities=True))  # a clash is a clash, seen or not
    if exclude_meeting_id is not None:
        query = query.where(Meeting.id != exclude_meeting_id)
    found: dict[int, Conflict] = {}
    for attendee in db.session.scalars(query):
        if attendee.meeting_id not in found:
            hidden = viewer is not None and not can_see(viewer, attendee.meeting)
            found[attendee.meeting_id] = Conflict(attendee.meeting, [], hidden)
        conflict = found[attendee.meeting_id]
        if viewer is not None and attendee.contact is not None and not can_see(viewer, attendee.contact):
            # Moving a meeting checks everyone on it, restricted contacts the booker may not see too.
            conflict.people.append({"type": "contact", "id": None, "name": HIDDEN_CONTACT, "email": None})
            continue
        conflict.people.append({"type": "staff" if attendee.is_staff else "contact",
                                "id": attendee.user_id if attendee.is_staff else attendee.contact_id,
                                "name": attendee.name, "email": attendee.email})
    return list(found.values())


def refuse_conflicts(conflicts: list[Conflict]) -> None:
    if not conflicts:
        return
    parts = []
    for c in conflicts[:5]:
        names = ", ".join(p["name"] for p in c.people)
        when = "" if c.hidden else f" ({format_in_zone(c.meeting.starts_at, c.meeting.timezone)})"
        parts.append(_("“%(title)s”%(when)s with %(names)s", title=c.title, when=when, names=names))
    listed = "; ".join(parts)
    if len(conflicts) > 5:
        listed = ngettext("%(listed)s and %(num)d more", "%(listed)s and %(num)d more", len(conflicts) - 5,
                          listed=listed)
    raise ConflictError(ngettext("This clashes with %(num)d meeting: %(listed)s.",
                                 "This clashes with %(num)d meetings: %(listed)s.", len(conflicts), listed=listed),
                        {"starts_at": [_("Someone invited already has a meeting at this time.")]},
                        details={"conflicts": [c.as_dict() for c in conflicts]})

