"""/meetings: list, create, read, PATCH, cancel, and the meeting as .ics."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from flask import g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from engage import downloads
from engage.access.guard import current_actor
from engage.access.services import shows_in_full, visibility_key
from engage.auth.models import User
from engage.clock import UTC, now_utc
from engage.errors import ValidationError
from engage.extensions import db
from engage.meetings import calendar, listing, queries, services
from engage.meetings.models import ATTENDEE_ROLES, LOCATION_KINDS, MEETING_STATUSES, RESPONSES, Meeting
from engage.meetings.people import People, people_for
from engage.members.models import SHARING
from engage.members.services import coalition_mode
from engage.meetings.schemas import MeetingCancel, MeetingCreate, MeetingUpdate
from engage.schemas import check
from engage.urls import absolute_url

from .common import COALITION_ONLY, ApiError, int_arg, json_body, page_args
from .openapi import DAY_OR_INSTANT, api_route

Role = Literal[tuple(ATTENDEE_ROLES)]  # type: ignore[valid-type]
Response_ = Literal[tuple(RESPONSES)]  # type: ignore[valid-type]
LocationKind = Literal[tuple(LOCATION_KINDS)]  # type: ignore[valid-type]



class AttendeeOut(BaseModel):
    model_config = ConfigDict(title="MeetingAttendee")
    contact_id: int
    full_name: str
    email: str
    organisation_id: int | None
    role: Role
    response: Response_
    responded_at: str | None




class MeetingOut(BaseModel):
    model_config = ConfigDict(title="Meeting")
    id: int
    uid: str
    sequence: int
    title: str
    invitation_title: str | None = None
    title_for_invitations: str = Field(default="", description="What invitations and reminders say")
    invitation_titles: dict[str, str] | None = Field(
        default=None, description="The invitation title in other languages, {language: title}; null: none given")
    description: str | None
    starts_at: str = Field(description="UTC, ISO 8601 with Z")
    ends_at: str = Field(description="UTC, ISO 8601 with Z")
    timezone: str
    location_kind: LocationKind
    location: str | None
    online_url: str | None
    status: Literal[tuple(MEETING_STATUSES)]  # type: ignore[valid-type]
    organiser: str
    staff: list[str]
    attendees: list[AttendeeOut]
    hidden_attendees: int = Field(default=0, description="Attendees left out of `attendees` because the caller "
                                  "may not see them (restricted contacts); they are still invited")
    recommendation_ids: list[int]
    ask_ids: list[int] = Field(default_factory=list, description="The coalition's asks on the agenda")
    reminders: list[int]
    tags: list[str]
    sensitivity: Literal["internal", "restricted"] = "internal"
    cancellation_reason: str | None
    created_at: str
    updated_at: str
    url: str
    ics_url: str
    member_id: int | None = Field(default=None, description=COALITION_ONLY + "The member organisation that owns "
                                  "the meeting (and its outcomes and follow-ups).")
    sharing: Literal[tuple(SHARING)] | None = Field(  # type: ignore[valid-type]
        default=None, description=COALITION_ONLY + "What the other member organisations see of it: nothing, that "
        "it took place with whom on which asks and recommendations (no description, outcomes or follow-ups), or "
        "all of it.")


def _coalition_fields(item: dict, member_id: int, sharing: str) -> dict:
    # No word of members outside a coalition: the fields are left out, as the document says.
    if coalition_mode():
        item["member_id"], item["sharing"] = member_id, sharing
    else:
        item.pop("member_id", None)
        item.pop("sharing", None)
    return item


def _z(value: datetime | None) -> str | None:
    # isoformat, not strftime: the same text, a third of the time (a page of meetings holds hundreds).
    return value.astimezone(UTC).isoformat(timespec="seconds")[:19] + "Z" if value is not None else None


def meeting_json(meeting: Meeting, people: People | None = None) -> dict:
    """A meeting as the contract shows it (times in UTC with Z), with the attendees its caller may see."""
    if people is None:
        people = people_for(current_actor(), meeting)
    # Another member's meeting shared in summary comes without its notes.
    full = shows_in_full(current_actor(), meeting)
    return _coalition_fields(MeetingOut(
        id=meeting.id, uid=meeting.uid, sequence=meeting.sequence, title=meeting.title,
        invitation_title=meeting.invitation_title, title_for_invitations=meeting.title_for_invitations,
        invitation_titles=meeting.invitation_titles or None,
        description=meeting.description if full else None, starts_at=_z(meeting.starts_at), ends_at=_z(meeting.ends_at),
        timezone=meeting.timezone, location_kind=meeting.location_kind, location=meeting.location,
        online_url=meeting.online_url, status=meeting.status, organiser=meeting.organiser.email,
        staff=[a.email for a in people.staff],
        attendees=[AttendeeOut(contact_id=a.contact_id, full_name=a.name, email=a.email,
                               organisation_id=a.contact.organisation_id, role=a.role, response=a.response,
                               responded_at=_z(a.responded_at)) for a in people.contacts],
        hidden_attendees=people.hidden,  # restricted contacts the caller may not see: only counted
        recommendation_ids=[r.id for r in meeting.recommendations], ask_ids=sorted(a.id for a in meeting.asks),
        reminders=list(meeting.reminder_offsets or []),
        tags=list(meeting.tags or []), sensitivity=meeting.sensitivity or "internal",
        cancellation_reason=meeting.cancellation_reason if full else None,
        created_at=_z(meeting.created_at), updated_at=_z(meeting.updated_at),
        url=absolute_url("meetings.show", meeting_id=meeting.id),
        ics_url=absolute_url("api.meetings_meeting_ics", meeting_id=meeting.id),
    ).model_dump(), meeting.member_id, meeting.sharing)


def _meeting(meeting_id: int) -> Meeting:
    return services.get_meeting(meeting_id, g.api_user)


def _text_arg(name: str) -> str | None:
    """A text filter; a NUL character (which PostgreSQL refuses) matches nothing, so it is dropped."""
    raw = request.args.get(name)
    return raw.replace("\x00", "").strip()[:200] or None if raw else None


def _instant_arg(name: str) -> datetime | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time(0), tzinfo=UTC)
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ApiError(422, "validation_error", f"{name} must be a date (2027-07-06) or a time with an offset.",
                       {name: ["Use a date such as 2027-07-06, or a time with an offset such as "
                               "2027-07-06T10:00:00+02:00."]})
    return value.astimezone(UTC)


LIST_PARAMS = (
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
    {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Text search"},
    {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(MEETING_STATUSES)}},
    {"name": "staff", "in": "query", "schema": {"type": "string"}, "description": "A staff member's email"},
    {"name": "organisation_id", "in": "query", "schema": {"type": "integer"}},
    {"name": "contact_id", "in": "query", "schema": {"type": "integer"}},
    {"name": "recommendation_id", "in": "query", "schema": {"type": "integer"}},
    {"name": "tag", "in": "query", "schema": {"type": "string"}},
    {"name": "city", "in": "query", "schema": {"type": "string"}},
    {"name": "from", "in": "query", "schema": DAY_OR_INSTANT, "description": "Starting at or after"},
    {"name": "to", "in": "query", "schema": DAY_OR_INSTANT, "description": "Starting before"},
    {"name": "member_id", "in": "query", "schema": {"type": "integer"},
     "description": COALITION_ONLY + "One member organisation's meetings (of those the caller may see)."},
)


@api_route("/meetings", "GET", "List meetings (soonest first)", response=MeetingOut, is_list=True, params=LIST_PARAMS)
def list_meetings():
    page, per_page = page_args()
    status = _text_arg("status")
    if status is not None and status not in MEETING_STATUSES:
        raise ApiError(422, "validation_error", "Unknown status.", {"status": [f"One of {', '.join(MEETING_STATUSES)}."]})
    staff_id = None
    if _text_arg("staff"):
        user = db.session.scalars(select(User).where(func.lower(User.email) == _text_arg("staff").lower())).first()
        staff_id = user.id if user is not None else -1
    actor = g.api_user
    filters = {"staff_id": staff_id, "organisation_id": int_arg("organisation_id"), "contact_id": int_arg("contact_id"),
               "recommendation_id": int_arg("recommendation_id"), "city": _text_arg("city"), "status": status,
               "tag": _text_arg("tag"), "q": _text_arg("q"), "starts_from": _instant_arg("from"),
               "starts_before": _instant_arg("to"), "member_id": int_arg("member_id")}
    # Built once per filters and reader's grants, then run with this page's limit (listing.prepared_page);
    # read as rows, not records (engage/meetings/listing.py): the same fields as meeting_json, a fixed
    # four statements, and whom the caller may see decided once per page. ("all" takes no `now`.)
    key = ("api", tuple(filters.items()), visibility_key(actor))
    query = listing.prepared_page(key, lambda: queries.meeting_query(now=now_utc(), when="all", actor=actor,
                                                                      **filters), as_text=True)
    rows, total = listing.meeting_page(actor, query, page, per_page)
    return jsonify({"items": _rows_json(rows), "total": total, "page": page, "per_page": per_page})


def _rows_json(rows) -> list[dict]:
    """What meeting_json gives for each meeting, built from list rows read `as_text` (no validation: every
    value is a column, the instants already ISO text with Z)."""
    if not rows:
        return []
    # One url_for each, then the id put in: url_for for every row costs more than the rest of the row.
    marker = 987654321
    show = absolute_url("meetings.show", meeting_id=marker).split(str(marker))
    ics = absolute_url("api.meetings_meeting_ics", meeting_id=marker).split(str(marker))
    items, coalition = [], coalition_mode()
    for m in rows:
        mid = str(m.id)
        items.append({
            "id": m.id, "uid": m.uid, "sequence": m.sequence, "title": m.title,
            "invitation_title": m.invitation_title, "title_for_invitations": m.title_for_invitations,
            "invitation_titles": m.invitation_titles or None,
            "description": m.description, "starts_at": m.starts_at, "ends_at": m.ends_at,
            "timezone": m.timezone, "location_kind": m.location_kind, "location": m.location,
            "online_url": m.online_url, "status": m.status, "organiser": m.organiser_email,
            "staff": [a.email for a in m.shown if a.user_id is not None],
            "attendees": [{"contact_id": a.contact_id, "full_name": a.name, "email": a.email,
                           "organisation_id": a.organisation_id, "role": a.role, "response": a.response,
                           "responded_at": a.responded_at} for a in m.shown if a.contact_id is not None],
            "hidden_attendees": m.hidden, "recommendation_ids": m.recommendation_ids, "ask_ids": m.ask_ids,
            "reminders": list(m.reminder_offsets or []), "tags": list(m.tags or []),
            "sensitivity": m.sensitivity or "internal", "cancellation_reason": m.cancellation_reason,
            "created_at": m.created_at, "updated_at": m.updated_at,
            "url": mid.join(show), "ics_url": mid.join(ics),
        })
        if coalition:
            items[-1]["member_id"], items[-1]["sharing"] = m.member_id, m.sharing
    return items


@api_route("/meetings", "POST", "Create a meeting (409 with the clashes unless allow_conflicts)", body=MeetingCreate,
           response=MeetingOut, status=201, errors=(400, 401, 403, 409, 422))
def create_meeting():
    body = check(MeetingCreate, json_body())
    change = services.schedule_meeting(g.api_user, now_utc(), body)  # the organiser is the caller unless said
    return jsonify(meeting_json(change.meeting)), 201


@api_route("/meetings/<int:meeting_id>", "GET", "Get a meeting", response=MeetingOut)
def get_meeting(meeting_id):
    return jsonify(meeting_json(_meeting(meeting_id)))


@api_route("/meetings/<int:meeting_id>", "PATCH", "Update a meeting; time, place or attendee changes raise sequence",
           body=MeetingUpdate, response=MeetingOut, errors=(400, 401, 403, 404, 409, 422))
def update_meeting(meeting_id):
    meeting = _meeting(meeting_id)
    body = check(MeetingUpdate, json_body())
    sent = set(body.model_fields_set)
    now = now_utc()
    if sent - set(services.HOW) or "sensitivity" in sent:
        services.update_meeting(g.api_user, now, meeting, body)
    if body.status is not None and body.status != meeting.status:
        if body.status == "cancelled":
            services.cancel_meeting(g.api_user, now, meeting, notify=body.notify)
        elif body.status == "held":
            services.mark_held(g.api_user, now, meeting)
        else:
            raise ValidationError.for_fields({"status": "A cancelled or held meeting cannot be scheduled again; "
                                                        "book a new meeting instead."})
    return jsonify(meeting_json(meeting))


@api_route("/meetings/<int:meeting_id>/cancel", "POST", "Cancel a meeting (sequence raised, attendees told)",
           body=MeetingCancel, response=MeetingOut, errors=(401, 403, 404, 409, 422))
def cancel_meeting(meeting_id):
    meeting = _meeting(meeting_id)
    body = check(MeetingCancel, json_body()) if request.get_data() else MeetingCancel()
    services.cancel_meeting(g.api_user, now_utc(), meeting, reason=body.reason, notify=body.notify)
    return jsonify(meeting_json(meeting))


@api_route("/meetings/<int:meeting_id>/ics", "GET", "The meeting as an iCalendar file (METHOD:PUBLISH)",
           response_content_type="text/calendar", errors=(401, 403, 404))
def meeting_ics(meeting_id):
    meeting = _meeting(meeting_id)
    body = calendar.meeting_ics(meeting, now_utc(), calendar.organiser_mailbox(),
                                absolute_url("meetings.show", meeting_id=meeting.id),
                                reader=current_actor())
    return downloads.calendar_file(body, f"meeting-{meeting.id}.ics")
