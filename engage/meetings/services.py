"""Meeting services: schedule, change, cancel and mark held; conflicts; the change listeners.

Every service takes `actor` and `now`, adds and flushes but never commits, and returns a
MeetingChange. At its end it calls each function in CHANGE_LISTENERS with
(change, actor, now) inside the same transaction, so invitations and reminders can write their
rows beside the change (register with `on_meeting_change`).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from flask import current_app, has_app_context
from sqlalchemy import String, cast, func, or_, select

from engage.access.services import (apply_initial_sensitivity, can_see, check_may_set, clean_sensitivity,
                                    HIDDEN_CONTACT, get_visible, hidden_ids, mention, only_visible,
                                    set_sensitivity)
from engage.auth.models import User
from engage.clock import UTC, format_in_zone, format_multi_zone, format_multi_zone_range, is_valid_timezone
from engage.directory.models import Contact, Organisation
from engage.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from engage.extensions import db
from engage.history import record_change
from engage.settings import DEFAULT_REMINDERS, MAX_REMINDER_MINUTES, MAX_REMINDERS
from engage.upr.models import Recommendation

from .models import ATTENDEE_ROLES, LOCATION_KINDS, RESPONSES, Attendee, Meeting
from .people import load_contacts

MIN_DURATION = timedelta(minutes=5)
MAX_DURATION = timedelta(hours=12)
MAX_TAGS = 20
MAX_TAG_LENGTH = 60
MAX_ATTENDEES = 1000
MAX_ID = 2**31 - 1
PLACE_FIELDS = ("location_kind", "location", "online_url")
TIME_FIELDS = ("starts_at", "ends_at")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.I)
LENGTHS = {"title": 200, "invitation_title": 200, "description": 20000, "location": 500, "online_url": 1000,
           "cancellation_reason": 2000}


# ---- what a change tells the listeners ----

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

    @property
    def is_staff(self) -> bool:
        return self.user_id is not None

    @classmethod
    def of(cls, attendee: Attendee) -> "AttendeeSnapshot":
        return cls(attendee_id=attendee.id, email=attendee.email, name=attendee.name, role=attendee.role,
                   response=attendee.response, timezone=attendee.timezone, contact_id=attendee.contact_id,
                   user_id=attendee.user_id)


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


def _announce(change: MeetingChange, actor, now) -> MeetingChange:
    db.session.flush()
    for listener in list(CHANGE_LISTENERS):
        listener(change, actor, now)
    return change


# ---- permissions ----

def can_change(actor, meeting: Meeting) -> bool:
    """Leads change any meeting; staff those they organise, created or take part in; None is the system."""
    if actor is None:
        return True
    if actor.has_role("lead"):
        return True
    if actor.id in (meeting.organiser_id, meeting.created_by_id):
        return True
    return any(a.user_id == actor.id for a in meeting.attendees)


def _check_can_change(actor, meeting: Meeting) -> None:
    if not can_change(actor, meeting):
        raise PermissionDenied("Only the organiser, a staff participant or a lead can change this meeting.")


# ---- cleaning: one rule per field, shared by the booking form and the API ----

def _text(value, name, errors, required=False):
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = ["Must be text."]
        return None
    value = value.strip()
    if "\x00" in value:
        errors[name] = ["Contains a NUL character."]
        return None
    if required and not value:
        errors[name] = ["This is required."]
        return None
    limit = LENGTHS.get(name)
    if limit and len(value) > limit:
        errors[name] = [f"At most {limit} characters."]
        return None
    return value or None


def _instant(value, name, errors):
    if not isinstance(value, datetime):
        errors[name] = ["Give a date and time."]
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        errors[name] = ["Give the time with its offset or zone (e.g. 2027-07-06T10:00:00+02:00)."]
        return None
    return value.astimezone(UTC).replace(microsecond=0)


def _id_list(value, name, errors) -> list[int] | None:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_ID for v in value):
        errors[name] = ["Must be a list of ids."]
        return None
    out = []
    for v in value:
        if v not in out:
            out.append(v)
    return out


def default_reminders() -> list[int]:
    """Minutes before the start for a meeting that does not say: ENGAGE_DEFAULT_REMINDERS (24 h and 1 h unless set)."""
    configured = current_app.config.get("ENGAGE_DEFAULT_REMINDERS") if has_app_context() else None
    return sorted(set(configured), reverse=True) if configured else list(DEFAULT_REMINDERS)


def clean_reminders(value, errors, name="reminders") -> list[int] | None:
    """Minutes before the start, largest first; each between 1 minute and 4 weeks."""
    if value is None:
        return default_reminders()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        errors[name] = ["Must be a list of whole minutes before the start, e.g. [1440, 60]."]
        return None
    if any(not 1 <= v <= MAX_REMINDER_MINUTES for v in value):
        errors[name] = [f"Each reminder must be between 1 minute and {MAX_REMINDER_MINUTES // 1440} days before."]
        return None
    out = sorted(set(value), reverse=True)
    if len(out) > MAX_REMINDERS:
        errors[name] = [f"At most {MAX_REMINDERS} reminders."]
        return None
    return out


def clean_tags(value, errors, name="tags") -> list[str] | None:
    """Tags as given (trimmed, each once), e.g. ["4th cycle pre-session"]."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        errors[name] = ["Must be a list of words or short phrases."]
        return None
    out: list[str] = []
    for raw in value:
        tag = " ".join(raw.split())
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH or "\x00" in tag:
            errors[name] = [f"Each tag is at most {MAX_TAG_LENGTH} characters."]
            return None
        if tag.lower() not in [t.lower() for t in out]:
            out.append(tag)
    if len(out) > MAX_TAGS:
        errors[name] = [f"At most {MAX_TAGS} tags."]
        return None
    return out


def _clean_attendees(value, errors) -> list[dict] | None:
    """[{contact_id, role, response?}] checked against the directory."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, dict) for v in value):
        errors["attendees"] = ["Must be a list of {contact_id, role}."]
        return None
    if len(value) > MAX_ATTENDEES:
        errors["attendees"] = [f"At most {MAX_ATTENDEES} attendees."]
        return None
    out, seen, problems = [], set(), []
    for i, item in enumerate(value, start=1):
        contact_id = item.get("contact_id")
        if not isinstance(contact_id, int) or isinstance(contact_id, bool) or not 1 <= contact_id <= MAX_ID:
            problems.append(f"Attendee {i}: contact_id must be the id of a contact.")
            continue
        role = item.get("role") or "required"
        if role not in ATTENDEE_ROLES:
            problems.append(f"Attendee {i}: role must be required or optional.")
            continue
        response = item.get("response")
        if response is not None and response not in RESPONSES:
            problems.append(f"Attendee {i}: response must be one of {', '.join(RESPONSES)}.")
            continue
        if contact_id in seen:
            problems.append(f"Attendee {i}: that contact is listed twice.")
            continue
        seen.add(contact_id)
        out.append({"contact_id": contact_id, "role": role, "response": response})
    if problems:
        errors["attendees"] = problems
        return None
    return out


def clean_meeting(data: dict[str, Any], partial: bool = False) -> dict[str, Any]:
    """Checked values for a meeting (field by field; the rules linking fields come later)."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    present = (lambda f: f in data) if partial else (lambda f: True)
    if present("title"):
        out["title"] = _text(data.get("title"), "title", errors, required=True)
    for name in ("invitation_title", "description", "location"):
        if present(name):
            out[name] = _text(data.get(name), name, errors)
    if present("online_url"):
        url = _text(data.get("online_url"), "online_url", errors)
        if url and not URL_RE.match(url):
            errors["online_url"] = ["Give the full link, starting with https://."]
        out["online_url"] = url
    if "location_kind" in data and data.get("location_kind") not in (None, ""):
        if data["location_kind"] not in LOCATION_KINDS:
            errors["location_kind"] = [f"Choose one of: {', '.join(LOCATION_KINDS)}."]
        out["location_kind"] = data["location_kind"]
    for name in TIME_FIELDS:
        if present(name):
            out[name] = _instant(data.get(name), name, errors)
    if present("timezone"):
        zone = data.get("timezone")
        if not isinstance(zone, str) or not is_valid_timezone(zone):
            errors["timezone"] = [f"Unknown time zone {str(zone)[:60]!r}; use an IANA name such as "
                                  "Africa/Nairobi or Europe/Zurich."]
        out["timezone"] = zone
    if "organiser_id" in data and data["organiser_id"] is not None:
        organiser = data["organiser_id"]
        user = db.session.get(User, organiser) if isinstance(organiser, int) and not isinstance(
            organiser, bool) and 1 <= organiser <= MAX_ID else None
        if user is None or user.is_disabled:
            errors["organiser"] = ["Choose an active user as the organiser."]
        out["organiser_id"] = organiser
    if "staff_ids" in data:
        ids = _id_list(data.get("staff_ids"), "staff", errors)
        if ids:
            users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
            bad = [i for i in ids if i not in users or users[i].is_disabled]
            if bad:
                errors["staff"] = [f"No active user with id {', '.join(map(str, bad))}."]
            elif any(not users[i].email for i in ids):
                errors["staff"] = ["Every staff participant needs an email address."]
        out["staff_ids"] = ids
    if "attendees" in data:
        attendees = _clean_attendees(data.get("attendees"), errors)
        if attendees:
            ids = [a["contact_id"] for a in attendees]
            contacts = {c.id: c for c in db.session.scalars(select(Contact).where(Contact.id.in_(ids)))}
            missing = [i for i in ids if i not in contacts]
            if missing:
                errors["attendees"] = [f"No contact with id {', '.join(map(str, missing))}."]
            elif any(not contacts[i].email for i in ids):
                errors["attendees"] = ["Every attendee needs an email address: "
                                       + ", ".join(contacts[i].full_name for i in ids if not contacts[i].email)]
        out["attendees"] = attendees
    if "recommendation_ids" in data:
        ids = _id_list(data.get("recommendation_ids"), "recommendation_ids", errors)
        if ids:
            found = set(db.session.scalars(select(Recommendation.id).where(Recommendation.id.in_(ids))))
            missing = [i for i in ids if i not in found]
            if missing:
                errors["recommendation_ids"] = [f"No recommendation with id {', '.join(map(str, missing))}."]
        out["recommendation_ids"] = ids
    if "reminder_offsets" in data:
        out["reminder_offsets"] = clean_reminders(data.get("reminder_offsets"), errors)
    if "tags" in data:
        out["tags"] = clean_tags(data.get("tags"), errors)
    if errors:
        raise ValidationError.for_fields(errors)
    return out


def _check_whole(values: dict, now: datetime, status: str, check_past: bool) -> None:
    """The rules that link fields: time order and length, past times, what each kind of place needs."""
    errors: dict[str, list[str]] = {}
    starts_at, ends_at = values["starts_at"], values["ends_at"]
    if ends_at <= starts_at:
        errors["ends_at"] = ["The end must be after the start."]
    elif ends_at - starts_at < MIN_DURATION:
        errors["ends_at"] = ["A meeting lasts at least 5 minutes."]
    elif ends_at - starts_at > MAX_DURATION:
        errors["ends_at"] = ["A meeting lasts at most 12 hours."]
    if status == "held":
        if starts_at > now:
            errors["starts_at"] = ["A meeting recorded as held cannot start in the future."]
    elif check_past and starts_at < now:
        errors["starts_at"] = ["That time has already passed; choose a time in the future "
                               "(or record the meeting as held)."]
    kind = values["location_kind"]
    if kind in ("online", "hybrid") and not values.get("online_url"):
        errors["online_url"] = [f"{LOCATION_KINDS[kind]} meetings need the link to join."]
    if kind == "hybrid" and not values.get("location"):
        errors["location"] = ["Hybrid meetings need an address as well as a link."]
    if errors:
        raise ValidationError.for_fields(errors)


def _infer_location_kind(location, online_url) -> str:
    if online_url and location:
        return "hybrid"
    if online_url:
        return "online"
    return "in_person"


# ---- conflicts ----

@dataclass
class Conflict:
    """An existing meeting that overlaps, and who would be double-booked."""

    meeting: Meeting
    people: list[dict]
    hidden: bool = False  # a restricted meeting the person booking may not see: no title, no link

    @property
    def title(self) -> str:
        return "another meeting" if self.hidden else self.meeting.title

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


def _refuse_conflicts(conflicts: list[Conflict]) -> None:
    if not conflicts:
        return
    parts = []
    for c in conflicts[:5]:
        names = ", ".join(p["name"] for p in c.people)
        when = "" if c.hidden else f" ({format_in_zone(c.meeting.starts_at, c.meeting.timezone)})"
        parts.append(f"“{c.title}”{when} with {names}")
    more = f" and {len(conflicts) - 5} more" if len(conflicts) > 5 else ""
    noun = "meeting" if len(conflicts) == 1 else "meetings"
    raise ConflictError(f"This clashes with {len(conflicts)} {noun}: " + "; ".join(parts) + more + ".",
                        {"starts_at": ["Someone invited already has a meeting at this time."]},
                        details={"conflicts": [c.as_dict() for c in conflicts]})


# ---- history helpers ----

def _show(meeting_zone: str, value):
    if isinstance(value, datetime):
        return format_in_zone(value, meeting_zone)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def _user_name(user_id) -> str | None:
    user = db.session.get(User, user_id) if user_id else None
    return user.display_name if user is not None else None


def _history_changes(meeting: Meeting, changed: dict, added, removed) -> dict:
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


# ---- the services ----

def get_meeting(meeting_id, actor=None) -> Meeting:
    """The meeting with that id if `actor` may see it, or NotFoundError (without an actor: unchecked here)."""
    valid = isinstance(meeting_id, int) and 1 <= meeting_id <= MAX_ID
    if actor is not None:
        meeting = get_visible(actor, Meeting, meeting_id) if valid else None
    else:
        # A select, not session.get: in a request the access guard hides restricted meetings from it.
        meeting = db.session.scalar(select(Meeting).where(Meeting.id == meeting_id)) if valid else None
    if meeting is None:
        raise NotFoundError(f"No meeting with id {meeting_id}.")
    return meeting


def _set_recommendations(meeting: Meeting, ids: list[int]) -> None:
    meeting.recommendations = list(db.session.scalars(select(Recommendation).where(Recommendation.id.in_(ids)))) \
        if ids else []


def schedule_meeting(actor, now: datetime, data: dict[str, Any]) -> MeetingChange:
    """Book a meeting (or record one already held, with status "held"); refuses clashes unless allowed."""
    sensitivity = clean_sensitivity(data["sensitivity"]) if data.get("sensitivity") not in (None, "") else None
    status = data.get("status") or "scheduled"
    if status not in ("scheduled", "held"):
        raise ValidationError.for_fields({"status": "A new meeting is scheduled, or held when recording one."})
    values = clean_meeting(data)
    if values.get("location_kind") is None:
        values["location_kind"] = _infer_location_kind(values.get("location"), values.get("online_url"))
    _check_whole(values, now, status, check_past=True)
    organiser_id = values.get("organiser_id") or getattr(actor, "id", None)
    if organiser_id is None:
        raise ValidationError.for_fields({"organiser": "Choose the organiser."})
    staff_ids, attendees = values.get("staff_ids") or [], values.get("attendees") or []
    if not data.get("allow_conflicts"):
        _refuse_conflicts(find_conflicts(values["starts_at"], values["ends_at"], staff_ids,
                                         [a["contact_id"] for a in attendees], viewer=actor))
    meeting = Meeting(
        title=values["title"], invitation_title=values.get("invitation_title"),
        # Restricted from the first INSERT, so its texts are sealed before they ever reach the disk.
        sensitivity=sensitivity or "internal",
        description=values.get("description"), starts_at=values["starts_at"],
        ends_at=values["ends_at"], timezone=values["timezone"], location_kind=values["location_kind"],
        location=values.get("location"), online_url=values.get("online_url"), status=status,
        organiser_id=organiser_id, sequence=0,
        reminder_offsets=values["reminder_offsets"] if "reminder_offsets" in values else default_reminders(),
        tags=values.get("tags") or [], created_by_id=getattr(actor, "id", None), created_at=now,
        updated_by_id=getattr(actor, "id", None), updated_at=now,
        held_at=now if status == "held" else None,
    )
    db.session.add(meeting)
    _set_recommendations(meeting, values.get("recommendation_ids") or [])
    for a in attendees:
        response = a.get("response") or "needs_action"
        meeting.attendees.append(Attendee(contact_id=a["contact_id"], role=a["role"], response=response,
                                          responded_at=now if response != "needs_action" else None,
                                          added_at=now))
    for user_id in staff_ids:
        meeting.attendees.append(Attendee(user_id=user_id, role="required", added_at=now))
    db.session.flush()
    if sensitivity:
        apply_initial_sensitivity(actor, now, meeting, sensitivity)  # before invitations are written
    notify = bool(data.get("notify", True)) and status == "scheduled"
    record_change(actor, now, meeting, "created" if status == "scheduled" else "recorded as held",
                  {"when": format_multi_zone(meeting.starts_at, meeting.timezone),
                   **({"notify": "no invitations"} if not notify else {})})
    change = MeetingChange(meeting=meeting, kind="created", previous_sequence=None, time_changed=True,
                           place_changed=True, added=[AttendeeSnapshot.of(a) for a in meeting.attendees],
                           notify=notify)
    return _announce(change, actor, now)


def update_meeting(actor, now: datetime, meeting: Meeting, data: dict[str, Any]) -> MeetingChange:
    """Change a meeting's details, time, place or attendees; time, place or attendee changes raise sequence."""
    _check_can_change(actor, meeting)
    if meeting.status == "cancelled":
        raise ConflictError("This meeting was cancelled; it can no longer be changed.")
    if data.get("sensitivity") not in (None, ""):
        check_may_set(actor, meeting, data["sensitivity"])  # before anything changes
    values = clean_meeting(data, partial=True)
    merged = {f: values.get(f, getattr(meeting, f)) for f in
              ("starts_at", "ends_at", "location", "online_url", "location_kind")}
    if "location_kind" not in values and ("location" in values or "online_url" in values):
        merged["location_kind"] = _infer_location_kind(merged["location"], merged["online_url"])
    time_changed = any(merged[f] != getattr(meeting, f) for f in TIME_FIELDS)
    _check_whole(merged, now, meeting.status, check_past=time_changed)

    # Who is on the meeting after the change (every contact loaded, those the actor may not see too).
    load_contacts([meeting])
    current_contacts = {a.contact_id: a for a in meeting.contact_attendees}
    current_staff = {a.user_id: a for a in meeting.staff_attendees}
    wanted_contacts = {a["contact_id"]: a for a in values["attendees"]} if "attendees" in values else None
    wanted_staff = values["staff_ids"] if "staff_ids" in values else None
    removed_rows = []
    if wanted_contacts is not None:
        # Restricted contacts the actor may not see are not in the list they sent: they stay.
        removed_rows += [a for cid, a in current_contacts.items() if cid not in wanted_contacts
                         and (actor is None or can_see(actor, a.contact))]
    if wanted_staff is not None:
        removed_rows += [a for uid, a in current_staff.items() if uid not in wanted_staff]
    new_contacts = [a for cid, a in (wanted_contacts or {}).items() if cid not in current_contacts]
    new_staff = [uid for uid in (wanted_staff or []) if uid not in current_staff]
    if new_contacts and any(db.session.get(Contact, a["contact_id"]).is_archived for a in new_contacts):
        raise ValidationError.for_fields({"attendees": "An archived contact cannot be invited; restore it first."})

    if not data.get("allow_conflicts") and meeting.status == "scheduled":
        if time_changed:
            removed_ids = {a.id for a in removed_rows}
            users = [u for u in current_staff if current_staff[u].id not in removed_ids] + new_staff
            contacts = [c for c in current_contacts if current_contacts[c].id not in removed_ids] + \
                [a["contact_id"] for a in new_contacts]
        else:
            users, contacts = new_staff, [a["contact_id"] for a in new_contacts]
        _refuse_conflicts(find_conflicts(merged["starts_at"], merged["ends_at"], users, contacts,
                                         exclude_meeting_id=meeting.id, viewer=actor))

    newly_restricted = False
    if data.get("sensitivity") not in (None, ""):
        was = meeting.sensitivity
        set_sensitivity(actor, now, meeting, data["sensitivity"], announce=False)  # before any update is written
        newly_restricted = was != "restricted" and meeting.sensitivity == "restricted"
    previous_sequence = meeting.sequence
    changed: dict[str, tuple] = {}
    scalar = {f: values[f] for f in ("title", "invitation_title", "description", "timezone", "organiser_id",
                                     "reminder_offsets", "tags") if f in values}
    scalar.update({f: merged[f] for f in TIME_FIELDS + PLACE_FIELDS})
    for name, new in scalar.items():
        old = getattr(meeting, name)
        if old != new:
            changed[name] = (old, new)
            setattr(meeting, name, new)
    if "recommendation_ids" in values:
        old_ids = sorted(r.id for r in meeting.recommendations)
        if old_ids != sorted(values["recommendation_ids"]):
            _set_recommendations(meeting, values["recommendation_ids"])
            changed["recommendation_ids"] = (old_ids, sorted(values["recommendation_ids"]))
    place_changed = any(f in changed for f in PLACE_FIELDS)

    removed = [AttendeeSnapshot.of(a) for a in removed_rows]
    for row in removed_rows:
        meeting.attendees.remove(row)
    responses: dict[int, tuple[str, str]] = {}
    role_changes: list[dict] = []
    if time_changed or place_changed:
        # A moved meeting asks everyone again (iTIP: PARTSTAT reset with the new SEQUENCE).
        for a in meeting.attendees:
            if a.response != "needs_action":
                responses[a.id] = (a.response, "needs_action")
                a.response, a.responded_at = "needs_action", None
    for cid, wanted in (wanted_contacts or {}).items():
        row = current_contacts.get(cid)
        if row is None or row in removed_rows:
            continue
        if wanted["role"] != row.role:
            role_changes.append(mention(row.contact_id, f"{row.name}: {ATTENDEE_ROLES[wanted['role']].lower()}"))
            row.role = wanted["role"]
        if wanted.get("response") and wanted["response"] != row.response:
            responses[row.id] = (responses.get(row.id, (row.response,))[0], wanted["response"])
            row.response, row.responded_at = wanted["response"], now
    added_rows = []
    for a in new_contacts:
        response = a.get("response") or "needs_action"
        added_rows.append(Attendee(contact_id=a["contact_id"], role=a["role"], response=response,
                                   responded_at=now if response != "needs_action" else None, added_at=now))
    for uid in new_staff:
        added_rows.append(Attendee(user_id=uid, role="required", added_at=now))
    meeting.attendees.extend(added_rows)
    # The invitation title is the SUMMARY attendees hold: a new one is a new revision for them.
    if time_changed or place_changed or added_rows or removed_rows or newly_restricted \
            or "invitation_title" in changed:
        meeting.sequence = previous_sequence + 1
    touched = bool(changed or added_rows or removed_rows or responses or role_changes)
    if touched:
        meeting.updated_at, meeting.updated_by_id = now, getattr(actor, "id", None)
    db.session.flush()
    added_ids = {r.id for r in added_rows}
    change = MeetingChange(
        meeting=meeting, kind="updated", previous_sequence=previous_sequence, time_changed=time_changed,
        place_changed=place_changed, added=[AttendeeSnapshot.of(a) for a in added_rows],
        kept=[AttendeeSnapshot.of(a) for a in meeting.attendees if a.id not in added_ids],
        removed=removed, changed_fields=changed, responses=responses,
        notify=bool(data.get("notify", True)) and meeting.status == "scheduled", resend=bool(newly_restricted),
    )
    if touched:
        history = _history_changes(meeting, changed, change.added, removed)
        if role_changes:
            history["attendee roles"] = role_changes
        if responses and not (time_changed or place_changed):
            history["responses"] = [_attendee_mention(meeting, aid, f": {RESPONSES[new]}")
                                    for aid, (_, new) in responses.items()]
        elif responses:
            history["responses"] = "asked again after the change"
        action = "rescheduled" if time_changed else "updated"
        record_change(actor, now, meeting, action, history)
    return _announce(change, actor, now)


def resend_current(actor, now: datetime, meeting: Meeting) -> MeetingChange | None:
    """Send every attendee of a meeting still to come the meeting as it is now, SEQUENCE raised."""
    if meeting.status != "scheduled" or meeting.ends_at <= now:
        return None
    previous = meeting.sequence
    meeting.sequence = previous + 1
    change = MeetingChange(meeting=meeting, kind="updated", previous_sequence=previous,
                           kept=[AttendeeSnapshot.of(a) for a in meeting.attendees], resend=True)
    return _announce(change, actor, now)


def _attendee_mention(meeting: Meeting, attendee_id: int, suffix: str) -> dict:
    attendee = next((a for a in meeting.attendees if a.id == attendee_id), None)
    if attendee is None:
        return mention(None, f"{attendee_id}{suffix}")
    return mention(attendee.contact_id, f"{attendee.name}{suffix}")


def reschedule_meeting(actor, now: datetime, meeting: Meeting, starts_at: datetime, ends_at: datetime,
                       timezone: str | None = None, allow_conflicts: bool = False, notify: bool = True
                       ) -> MeetingChange:
    """Move a meeting to a new time (and optionally zone); sequence rises, answers are asked again."""
    data: dict[str, Any] = {"starts_at": starts_at, "ends_at": ends_at, "allow_conflicts": allow_conflicts,
                            "notify": notify}
    if timezone is not None:
        data["timezone"] = timezone
    return update_meeting(actor, now, meeting, data)


def _attendee_lists(meeting: Meeting) -> tuple[list[dict], list[int]]:
    contacts = [{"contact_id": a.contact_id, "role": a.role} for a in meeting.contact_attendees]
    return contacts, [a.user_id for a in meeting.staff_attendees]


def add_attendee(actor, now: datetime, meeting: Meeting, contact_id: int | None = None, user_id: int | None = None,
                 role: str = "required", allow_conflicts: bool = False, notify: bool = True) -> MeetingChange:
    """Invite one more contact or staff member; sequence rises."""
    if (contact_id is None) == (user_id is None):
        raise ValidationError.for_fields({"attendees": "Choose a contact or a staff member."})
    contacts, staff = _attendee_lists(meeting)
    if contact_id is not None:
        if any(c["contact_id"] == contact_id for c in contacts):
            raise ConflictError("That contact is already invited.", {"attendees": ["Already invited."]})
        contacts.append({"contact_id": contact_id, "role": role})
    else:
        if user_id in staff:
            raise ConflictError("That staff member is already taking part.", {"staff": ["Already taking part."]})
        staff.append(user_id)
    return update_meeting(actor, now, meeting, {"attendees": contacts, "staff_ids": staff,
                                                "allow_conflicts": allow_conflicts, "notify": notify})


def remove_attendee(actor, now: datetime, meeting: Meeting, attendee: Attendee, notify: bool = True) -> MeetingChange:
    """Take one attendee off the meeting; sequence rises and the change names them as removed."""
    if attendee.meeting_id != meeting.id:
        raise NotFoundError("That person is not on this meeting.")
    contacts, staff = _attendee_lists(meeting)
    contacts = [c for c in contacts if c["contact_id"] != attendee.contact_id]
    staff = [u for u in staff if u != attendee.user_id]
    return update_meeting(actor, now, meeting, {"attendees": contacts, "staff_ids": staff, "notify": notify,
                                                "allow_conflicts": True})


def cancel_meeting(actor, now: datetime, meeting: Meeting, reason: str | None = None,
                   notify: bool = True) -> MeetingChange:
    """Cancel a scheduled meeting: status cancelled, sequence rises, everyone on it is in `kept`."""
    _check_can_change(actor, meeting)
    if meeting.status != "scheduled":
        raise ConflictError(f"This meeting is already {meeting.status_label.lower()}; it cannot be cancelled.")
    errors: dict = {}
    reason = _text(reason, "cancellation_reason", errors)
    if errors:
        raise ValidationError.for_fields(errors)
    load_contacts([meeting])  # everyone hears of it, including those the actor may not see
    previous = meeting.sequence
    meeting.status, meeting.cancelled_at, meeting.cancellation_reason = "cancelled", now, reason
    meeting.sequence = previous + 1
    meeting.updated_at, meeting.updated_by_id = now, getattr(actor, "id", None)
    db.session.flush()
    record_change(actor, now, meeting, "cancelled", {"reason": reason} if reason else {})
    change = MeetingChange(meeting=meeting, kind="cancelled", previous_sequence=previous,
                           kept=[AttendeeSnapshot.of(a) for a in meeting.attendees],
                           changed_fields={"status": ("scheduled", "cancelled")}, notify=bool(notify))
    return _announce(change, actor, now)


def mark_held(actor, now: datetime, meeting: Meeting) -> MeetingChange:
    """Record that a scheduled meeting took place (once it has started)."""
    _check_can_change(actor, meeting)
    if meeting.status != "scheduled":
        raise ConflictError(f"This meeting is {meeting.status_label.lower()}; only a scheduled one can be marked held.")
    if meeting.starts_at > now:
        raise ValidationError.for_fields({"status": "The meeting has not started yet."})
    meeting.status, meeting.held_at = "held", now
    meeting.updated_at, meeting.updated_by_id = now, getattr(actor, "id", None)
    db.session.flush()
    record_change(actor, now, meeting, "marked held")
    change = MeetingChange(meeting=meeting, kind="held", previous_sequence=meeting.sequence,
                           kept=[AttendeeSnapshot.of(a) for a in meeting.attendees],
                           changed_fields={"status": ("scheduled", "held")}, notify=False)
    return _announce(change, actor, now)


def record_response(actor, now: datetime, attendee: Attendee, response: str) -> MeetingChange:
    """Store an attendee's answer (from an RSVP link, a calendar reply or by hand) with when it came."""
    if response not in RESPONSES:
        raise ValidationError.for_fields({"response": f"Choose one of: {', '.join(RESPONSES)}."})
    meeting = attendee.meeting
    old = attendee.response
    attendee.response, attendee.responded_at = response, now
    db.session.flush()
    responses = {attendee.id: (old, response)} if old != response else {}
    if responses:
        record_change(actor, now, meeting, "answer", {"answer": [mention(
            attendee.contact_id, f"{attendee.name}: {RESPONSES[old]} → {RESPONSES[response]}")]})
    change = MeetingChange(meeting=meeting, kind="responded", previous_sequence=meeting.sequence,
                           kept=[AttendeeSnapshot.of(a) for a in meeting.attendees], responses=responses,
                           notify=False)
    return _announce(change, actor, now)


# ---- finding meetings ----

def _tag_pattern(tag: str) -> str:
    encoded = json.dumps(tag)  # as the JSON column stores it, quotes included
    return "%" + encoded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def meeting_query(*, now: datetime, when: str = "upcoming", staff_id: int | None = None,
                  organisation_id: int | None = None, contact_id: int | None = None, city: str | None = None,
                  status: str | None = None, tag: str | None = None, recommendation_id: int | None = None,
                  q: str | None = None, starts_from: datetime | None = None, starts_before: datetime | None = None,
                  actor=None):
    """A select() of meetings matching the filters: upcoming soonest first, past latest first.

    The attendee filters (contact, organisation, city) look only at contacts `actor` may see.
    """
    from .models import meeting_recommendation

    def seen():
        # A restricted contact the actor may not see attends nothing: its id, its organisation or its
        # city must find exactly what a contact that does not exist finds (no total to count).
        # (Built only for those filters: most lists have none, and building it is not free.)
        return Attendee.contact_id.not_in(hidden_ids(actor, Contact))

    query = select(Meeting)
    if when == "upcoming":
        query = query.where(Meeting.ends_at >= now).order_by(Meeting.starts_at, Meeting.id)
    elif when == "past":
        query = query.where(Meeting.ends_at < now).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    else:
        query = query.order_by(Meeting.starts_at, Meeting.id)
    if staff_id is not None:
        query = query.where(or_(Meeting.organiser_id == staff_id, Meeting.id.in_(
            select(Attendee.meeting_id).where(Attendee.user_id == staff_id))))
    if contact_id is not None:
        query = query.where(Meeting.id.in_(select(Attendee.meeting_id).where(Attendee.contact_id == contact_id,
                                                                             seen())))
    if organisation_id is not None:
        query = query.where(Meeting.id.in_(select(Attendee.meeting_id).join(Contact, Attendee.contact_id == Contact.id)
                                           .where(Contact.organisation_id == organisation_id, seen())))
    if city:
        query = query.where(Meeting.id.in_(
            select(Attendee.meeting_id).join(Contact, Attendee.contact_id == Contact.id)
            .join(Organisation, Contact.organisation_id == Organisation.id)
            .where(func.lower(Organisation.city) == city.strip().lower(), seen())))
    if status:
        query = query.where(Meeting.status == status)
    if tag:
        query = query.where(cast(Meeting.tags, String).like(_tag_pattern(tag.strip()), escape="\\"))
    if recommendation_id is not None:
        query = query.where(Meeting.id.in_(select(meeting_recommendation.c.meeting_id)
                                           .where(meeting_recommendation.c.recommendation_id == recommendation_id)))
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(Meeting.title).like(like),
                                func.lower(func.coalesce(Meeting.description, "")).like(like),
                                func.lower(func.coalesce(Meeting.location, "")).like(like)))
    if starts_from is not None:
        query = query.where(Meeting.starts_at >= starts_from)
    if starts_before is not None:
        query = query.where(Meeting.starts_at < starts_before)
    return only_visible(actor, query, Meeting) if actor is not None else query


def meetings_between(start: datetime, end: datetime, staff_id: int | None = None,
                     include_cancelled: bool = True, actor=None) -> list[Meeting]:
    """Meetings overlapping [start, end), soonest first (for week and month views); with `actor`, only
    those they may see."""
    query = select(Meeting).where(Meeting.starts_at < end, Meeting.ends_at > start)
    if actor is not None:
        query = only_visible(actor, query, Meeting)
    if not include_cancelled:
        query = query.where(Meeting.status != "cancelled")
    if staff_id is not None:
        query = query.where(or_(Meeting.organiser_id == staff_id, Meeting.id.in_(
            select(Attendee.meeting_id).where(Attendee.user_id == staff_id))))
    return list(db.session.scalars(query.order_by(Meeting.starts_at, Meeting.id)))


def tags_in_use(actor=None) -> list[str]:
    """Every tag on any meeting (that `actor` may see), sorted, for the filter."""
    tags: set[str] = set()
    # Each distinct list once (most meetings share a few): the filter is on every meetings page.
    # (As text: PostgreSQL's json type has no equality, so no DISTINCT.)
    query = select(cast(Meeting.tags, String)).distinct()
    for row in db.session.scalars(only_visible(actor, query, Meeting) if actor is not None else query):
        tags.update(json.loads(row) if row else [])
    return sorted(tags, key=str.lower)
