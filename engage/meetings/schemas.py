"""The meeting write schemas: one model per operation, shared by the booking form and the API.

The field names are the API's: `organiser` and `staff` (an email or a user id), `attendees`
([{contact_id, role, response?}]), `reminders` (minutes before the start). Python callers may also
use the columns' spellings organiser_id, staff_ids and reminder_offsets. Checks that need the
database (does that user exist?) and those linking fields (does it end after it starts?) follow
below the models; every one names the field as the schema does.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from flask import current_app, has_app_context
from flask_babel import gettext as _
from pydantic import (AfterValidator, AliasChoices, AwareDatetime, BaseModel, ConfigDict, Field, PlainValidator,
                      StrictBool, StrictInt, WithJsonSchema)
from pydantic_core import PydanticCustomError
from sqlalchemy import func, or_, select

from engage.access.models import SENSITIVITIES
from engage.asks.models import Ask
from engage.auth.models import User
from engage.clock import DAY_RANGE_PROBLEM, UTC, day_in_range, is_valid_timezone
from engage.directory.models import Contact
from engage.extensions import db
from engage.schemas import Text, TextProblem, clean_text, partial
from engage.recommendations.models import Recommendation
from engage.settings import DEFAULT_REMINDERS, MAX_REMINDER_MINUTES, MAX_REMINDERS

from .models import ATTENDEE_ROLES, LOCATION_KINDS, RESPONSES, Meeting

MIN_DURATION = timedelta(minutes=5)
MAX_DURATION = timedelta(hours=12)
MAX_TAGS = 20
MAX_TAG_LENGTH = 60
MAX_ATTENDEES = 1000
MAX_ID = 2**31 - 1
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.I)


def default_reminders() -> list[int]:
    """Minutes before the start for a meeting that does not say: ENGAGE_DEFAULT_REMINDERS (24 h and 1 h unless set)."""
    configured = current_app.config.get("ENGAGE_DEFAULT_REMINDERS") if has_app_context() else None
    return sorted(set(configured), reverse=True) if configured else list(DEFAULT_REMINDERS)


# ---- field types ----

def _instant(value: datetime) -> datetime:
    if value.tzinfo is not None and not day_in_range(value):
        raise PydanticCustomError("date_range", DAY_RANGE_PROBLEM)
    return value.astimezone(UTC).replace(microsecond=0)


def _zone(value: Any) -> str:
    try:
        zone = clean_text(value, max_length=64, required=True)
    except TextProblem as exc:
        raise PydanticCustomError("text", str(exc)) from None
    if not is_valid_timezone(zone):
        # Worded when refused, in the page's language (the API's is English: engage/i18n.py).
        raise PydanticCustomError("timezone", _("Unknown time zone “%(zone)s”; use an IANA name such as "
                                                "Africa/Nairobi or Europe/Zurich.", zone="{zone}"), {"zone": zone[:60]})
    return zone


def _titles(value: dict | None) -> dict | None:
    """The titles given, blanks left out; None when none is given."""
    kept = {language: title for language, title in (value or {}).items() if title}
    return kept or None


def _url(value: str | None) -> str | None:
    if value and not URL_RE.match(value):
        raise PydanticCustomError("url", _("Give the full link, starting with https://."))
    return value


def _user_ref(value: Any) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool):
        if 1 <= value <= MAX_ID:
            return value
        raise PydanticCustomError("user", _("Not a user id."))
    try:
        email = clean_text(value, max_length=254, required=True)
    except TextProblem as exc:
        raise PydanticCustomError("user", str(exc)) from None
    return email.lower()


def _minutes(value: int) -> int:
    if not 1 <= value <= MAX_REMINDER_MINUTES:
        raise PydanticCustomError("reminder", _("Each reminder must be between 1 minute and %(days)s days before.",
                                                days="{days}"),
                                  {"days": MAX_REMINDER_MINUTES // 1440})
    return value


def _reminders(value: list[int] | None) -> list[int] | None:
    if value is None:
        return None
    out = sorted(set(value), reverse=True)
    if len(out) > MAX_REMINDERS:
        raise PydanticCustomError("reminders", _("At most %(n)s reminders.", n="{n}"), {"n": MAX_REMINDERS})
    return out


def _tags(value: list[str | None]) -> list[str]:
    out: list[str] = []
    for tag in value:
        tag = " ".join((tag or "").split())
        if tag and tag.lower() not in [t.lower() for t in out]:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise PydanticCustomError("tags", _("At most %(n)s tags.", n="{n}"), {"n": MAX_TAGS})
    return out


def _once(value: list) -> list:
    return list(dict.fromkeys(value))


Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Instant = Annotated[AwareDatetime, AfterValidator(_instant)]
Zone = Annotated[str, PlainValidator(_zone), WithJsonSchema({"type": "string", "description": "An IANA time zone"})]
UserRef = Annotated[int | str, PlainValidator(_user_ref), WithJsonSchema(
    {"anyOf": [{"type": "string", "format": "email"}, {"type": "integer", "minimum": 1}],
     "description": "A staff member's email (or user id)"})]
Minutes = Annotated[StrictInt, AfterValidator(_minutes)]
Tag = Text(length=MAX_TAG_LENGTH)
Role = Literal[tuple(ATTENDEE_ROLES)]  # type: ignore[valid-type]
Answer = Literal[tuple(RESPONSES)]  # type: ignore[valid-type]
LocationKind = Literal[tuple(LOCATION_KINDS)]  # type: ignore[valid-type]
Sensitivity = Literal[tuple(SENSITIVITIES)]  # type: ignore[valid-type]


class AttendeeIn(BaseModel):
    """A contact invited to a meeting."""

    model_config = ConfigDict(title="MeetingAttendeeInput", extra="forbid")
    contact_id: Id
    role: Role = "required"
    response: Answer | None = None


def _distinct_contacts(value: list[AttendeeIn]) -> list[AttendeeIn]:
    seen: set[int] = set()
    for i, attendee in enumerate(value, start=1):
        if attendee.contact_id in seen:
            raise PydanticCustomError("attendees", _("Attendee %(i)s: that contact is listed twice.", i="{i}"), {"i": i})
        seen.add(attendee.contact_id)
    return value


class MeetingCreate(BaseModel):
    """Book a meeting (POST /meetings and the booking form)."""

    model_config = ConfigDict(title="MeetingCreate")
    title: Text(Meeting.title, required=True)
    invitation_title: Text(Meeting.invitation_title) = Field(
        default=None, description="What invitations call it; default 'Meeting with <organisation>'")
    invitation_titles: Annotated[dict[Literal["fr", "es", "sw"], Text(Meeting.invitation_title)] | None,
                                 AfterValidator(_titles)] = Field(
        default=None, description="The invitation title in French, Spanish or Kiswahili, {language: title}, for "
                                  "recipients whose language it is; default: 'Réunion avec …', 'Reunión con …'")
    description: Text(Meeting.description, multiline=True) = None
    starts_at: Instant
    ends_at: Instant
    timezone: Zone
    location_kind: LocationKind | None = None
    location: Text(Meeting.location) = None
    online_url: Annotated[Text(Meeting.online_url), AfterValidator(_url)] = None
    status: Literal["scheduled", "held"] = "scheduled"
    organiser: UserRef | None = Field(default=None, validation_alias=AliasChoices("organiser", "organiser_id"),
                                      description="Default: the caller")
    staff: Annotated[list[UserRef], AfterValidator(_once)] = Field(
        default_factory=list, max_length=MAX_ATTENDEES, validation_alias=AliasChoices("staff", "staff_ids"))
    attendees: Annotated[list[AttendeeIn], AfterValidator(_distinct_contacts)] = Field(
        default_factory=list, max_length=MAX_ATTENDEES)
    recommendation_ids: Annotated[list[Id], AfterValidator(_once)] = Field(default_factory=list, max_length=1000)
    ask_ids: Annotated[list[Id], AfterValidator(_once)] = Field(
        default_factory=list, max_length=1000, description="The coalition's asks on the agenda")
    reminders: Annotated[list[Minutes] | None, AfterValidator(_reminders)] = Field(
        default=None, max_length=50, validation_alias=AliasChoices("reminders", "reminder_offsets"),
        description="Minutes before the start; default ENGAGE_DEFAULT_REMINDERS, "
                    f"{list(DEFAULT_REMINDERS)} unless set")
    tags: Annotated[list[Tag], AfterValidator(_tags)] = Field(default_factory=list, max_length=200)
    sensitivity: Sensitivity | None = None
    sharing: Literal["private", "coalition_summary", "coalition_full"] | None = Field(
        default=None, description="What other member organisations see of it, in a coalition: private (nothing), "
        "coalition_summary (that it took place, with whom, on which asks and recommendations; not its notes or "
        "outcomes) or coalition_full; by default its member's default_sharing. Changing it needs its member's DPO, "
        "a lead or admin of its member, or its organiser")
    notify: StrictBool = True
    allow_conflicts: StrictBool = False


# A change: the same fields, each optional; what was sent is in model_fields_set.
MeetingUpdate = partial(MeetingCreate, "MeetingUpdate",
                        status=(Literal["scheduled", "held", "cancelled"] | None, None))


class MeetingCancel(BaseModel):
    """Cancel a meeting (POST /meetings/{id}/cancel and the cancel page)."""

    model_config = ConfigDict(title="MeetingCancel")
    reason: Text(Meeting.cancellation_reason, multiline=True) = None
    notify: StrictBool = True


class AttendeeAdd(BaseModel):
    """Invite one more contact or staff member (the meeting page's "Invite")."""

    contact_id: Id | None = None
    user_id: Id | None = None
    role: Role = "required"
    allow_conflicts: StrictBool = False
    notify: StrictBool = True


# ---- checks against the directory: who and what the ids and emails name ----

def find_users(refs: list[int | str], field: str, errors: dict) -> list[int]:
    """The active users that ids or emails name, as ids; else an error under `field`."""
    if not refs:
        return []
    ids = [r for r in refs if isinstance(r, int)]
    emails = [r for r in refs if isinstance(r, str)]
    users = list(db.session.scalars(select(User).where(or_(User.id.in_(ids), func.lower(User.email).in_(emails)))))
    by_ref = {**{u.id: u for u in users}, **{(u.email or "").lower(): u for u in users}}
    missing = [r for r in refs if r not in by_ref or by_ref[r].is_disabled]
    if missing:
        named = ", ".join(map(str, missing[:5]))
        errors[field] = [_("No active user with the email %(emails)s.", emails=named) if isinstance(missing[0], str)
                         else _("No active user with id %(ids)s.", ids=named)]
        return []
    if field == "staff" and any(not by_ref[r].email for r in refs):
        errors[field] = [_("Every staff participant needs an email address.")]
    return list(dict.fromkeys(by_ref[r].id for r in refs))


def check_contacts(attendees: list[AttendeeIn], errors: dict) -> None:
    """Every attendee is a contact with an email address; else an error under "attendees"."""
    ids = [a.contact_id for a in attendees]
    if not ids:
        return
    contacts = {c.id: c for c in db.session.scalars(select(Contact).where(Contact.id.in_(ids)))}
    missing = [i for i in ids if i not in contacts]
    if missing:
        errors["attendees"] = [_("No contact with id %(ids)s.", ids=", ".join(map(str, missing)))]
    elif any(not contacts[i].email for i in ids):
        errors["attendees"] = [_("Every attendee needs an email address: %(names)s", names=", ".join(
            contacts[i].full_name for i in ids if not contacts[i].email))]


def check_recommendations(ids: list[int], errors: dict) -> None:
    """Every id names a recommendation; else an error under "recommendation_ids"."""
    if not ids:
        return
    found = set(db.session.scalars(select(Recommendation.id).where(Recommendation.id.in_(ids))))
    missing = [i for i in ids if i not in found]
    if missing:
        errors["recommendation_ids"] = [_("No recommendation with id %(ids)s.", ids=", ".join(map(str, missing)))]


def check_asks(ids: list[int], errors: dict) -> None:
    """Every id names an ask; else an error under "ask_ids"."""
    if not ids:
        return
    found = set(db.session.scalars(select(Ask.id).where(Ask.id.in_(ids))))
    missing = [i for i in ids if i not in found]
    if missing:
        errors["ask_ids"] = [_("No ask with id %(ids)s.", ids=", ".join(map(str, missing)))]


# ---- the rules that link fields ----

def check_whole(values: dict, now: datetime, status: str, check_past: bool) -> dict[str, list[str]]:
    """Time order and length, past times, what each kind of place needs; the errors by field."""
    errors: dict[str, list[str]] = {}
    starts_at, ends_at = values["starts_at"], values["ends_at"]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The end must be after the start.")]
    elif ends_at - starts_at < MIN_DURATION:
        errors["ends_at"] = [_("A meeting lasts at least 5 minutes.")]
    elif ends_at - starts_at > MAX_DURATION:
        errors["ends_at"] = [_("A meeting lasts at most 12 hours.")]
    if status == "held":
        if starts_at > now:
            errors["starts_at"] = [_("A meeting recorded as held cannot start in the future.")]
    elif check_past and starts_at < now:
        errors["starts_at"] = [_("That time has already passed; choose a time in the future "
                                 "(or record the meeting as held).")]
    errors.update(check_place(values))
    return errors


def check_place(values: dict) -> dict[str, list[str]]:
    """What each kind of place needs (a link online, an address too when hybrid); the errors by field."""
    errors: dict[str, list[str]] = {}
    kind = values["location_kind"]
    if kind in ("online", "hybrid") and not values.get("online_url"):
        errors["online_url"] = [_("Online meetings need the link to join.") if kind == "online"
                                 else _("Hybrid meetings need the link to join.")]
    if kind == "hybrid" and not values.get("location"):
        errors["location"] = [_("Hybrid meetings need an address as well as a link.")]
    return errors


def infer_location_kind(location, online_url) -> str:
    """hybrid with both an address and a link, online with a link only, else in person."""
    if online_url and location:
        return "hybrid"
    if online_url:
        return "online"
    return "in_person"
