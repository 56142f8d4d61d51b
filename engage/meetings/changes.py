"""What a meeting service did, and who hears of it: the MeetingChange every service returns, the
listeners that run at the end of each (invitations, reminders), and the words its history records.

Register a listener with `on_meeting_change`; it runs with (change, actor, now) inside the same
transaction, so it can write its rows beside the change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from engage.access.services import mention
from engage.auth.models import User
from engage.clock import format_in_zone
from engage.extensions import db

from .models import Attendee, Meeting

@dataclass(frozen=True)
class AttendeeSnapshot:
    """An attendee as it stood at the change; a removed attendee's row is gone but this remains."""

    attendee_id: int
    email: str
    name: str
    role: str
    response: str
    timezone: str
    contact_id: int | None
    user_id: int | None
    language: str = "en"  # BCP 47, the contact's (or the staff user's); engage.i18n decides what they read

    @property
    def is_staff(self) -> bool:
        return self.user_id is not None

    @classmethod
    def of(cls, attendee: Attendee) -> "AttendeeSnapshot":
        return cls(attendee_id=attendee.id, email=attendee.email, name=attendee.name, role=attendee.role,
                   response=attendee.response, timezone=attendee.timezone, contact_id=attendee.contact_id,
                   user_id=attendee.user_id, language=attendee.language)


@dataclass
class MeetingChange:
    """What one service call did to one meeting.

    kind: created | updated | cancelled | held | responded.
    added / kept / removed: attendees (contacts and staff) after the change; `kept` are those on
    the meeting before and after (for a cancellation: everyone, who should all hear of it).
    changed_fields: {field: (old, new)} for the meeting's own fields.
    responses: {attendee_id: (old, new)} for answers changed or reset by this call.
    notify: whether attendees should be told (the caller may say no: "notify": false).
    """

    meeting: Meeting
    kind: str
    previous_sequence: int | None
    time_changed: bool = False
    place_changed: bool = False
    added: list[AttendeeSnapshot] = field(default_factory=list)
    kept: list[AttendeeSnapshot] = field(default_factory=list)
    removed: list[AttendeeSnapshot] = field(default_factory=list)
    changed_fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    responses: dict[int, tuple[str, str]] = field(default_factory=dict)
    notify: bool = True
    # The meeting became restricted: everyone kept gets it as it is now (neutral), so their
    # calendars replace the title they were first sent.
    resend: bool = False

    @property
    def sequence(self) -> int:
        return self.meeting.sequence

    @property
    def sequence_raised(self) -> bool:
        return self.previous_sequence is not None and self.meeting.sequence > self.previous_sequence

    @property
    def previous_starts_at(self) -> datetime:
        return self.changed_fields.get("starts_at", (self.meeting.starts_at,))[0]

    @property
    def current(self) -> list[AttendeeSnapshot]:
        """Everyone on the meeting after the change."""
        return self.added + self.kept


ChangeListener = Callable[[MeetingChange, Any, datetime], None]
CHANGE_LISTENERS: list[ChangeListener] = []


def on_meeting_change(listener: ChangeListener) -> ChangeListener:
    """Register `listener(change, actor, now)` to run at the end of every meeting service (once)."""
    if listener not in CHANGE_LISTENERS:
        CHANGE_LISTENERS.append(listener)
    return listener


def announce(change: MeetingChange, actor, now) -> MeetingChange:
    db.session.flush()
    for listener in list(CHANGE_LISTENERS):
        listener(change, actor, now)
    return change



# ---- what the history records ----

def _show(meeting_zone: str, value):
    if isinstance(value, datetime):
        return format_in_zone(value, meeting_zone)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def _user_name(user_id) -> str | None:
    user = db.session.get(User, user_id) if user_id else None
    return user.display_name if user is not None else None


def history_changes(meeting: Meeting, changed: dict, added, removed) -> dict:
    out = {}
    for name, (old, new) in changed.items():
        if name == "organiser_id":
            out["organiser"] = [_user_name(old), _user_name(new)]
        else:
            out[name.replace("_", " ")] = [_show(meeting.timezone, old), _show(meeting.timezone, new)]
    # People are named as mentions (who, by id): the page shows a restricted contact's name only to
    # those who may see them, recognising them by id, never by words (see access.redact_history).
    if added:
        out["attendees added"] = [mention(a.contact_id, f"{a.name} <{a.email}>") for a in added]
    if removed:
        out["attendees removed"] = [mention(a.contact_id, f"{a.name} <{a.email}>") for a in removed]
    return out



def attendee_mention(meeting: Meeting, attendee_id: int, suffix: str) -> dict:
    attendee = next((a for a in meeting.attendees if a.id == attendee_id), None)
    if attendee is None:
        return mention(None, f"{attendee_id}{suffix}")
    return mention(attendee.contact_id, f"{attendee.name}{suffix}")

