"""/outcomes, /outcomes/{id}, /meetings/{id}/outcomes."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from flask import g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from engage.access.services import is_restricted
from engage.clock import now_utc
from engage.errors import ValidationError
from engage.meetings.services import get_meeting
from engage.members.services import coalition_mode
from engage.outcomes import log, services
from engage.outcomes.models import ASK_POSITIONS, POSITIONS, Outcome
from engage.outcomes.schemas import OutcomeCreate, OutcomeUpdate
from engage.recommendations.models import MAX_CYCLE

from .common import ApiError, json_body, page_args, paginated, parse
from .openapi import DAY_OR_INSTANT, api_route

Position = Literal[tuple({**POSITIONS, **ASK_POSITIONS})]  # type: ignore[valid-type]
LIST_PARAMS = (
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
    {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Words in summary, commitment or notes"},
    {"name": "recommendation_id", "in": "query", "schema": {"type": "integer"}},
    {"name": "organisation_id", "in": "query", "schema": {"type": "integer"}},
    {"name": "meeting_id", "in": "query", "schema": {"type": "integer"}},
    {"name": "theme", "in": "query", "schema": {"type": "string"}, "description": "A theme's name"},
    {"name": "state", "in": "query", "schema": {"type": "string"}, "description": "Recommending state (ISO alpha-2)"},
    {"name": "cycle", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_CYCLE}},
    {"name": "position", "in": "query", "schema": {"type": "string", "enum": list({**POSITIONS, **ASK_POSITIONS})}},
    {"name": "from", "in": "query", "schema": DAY_OR_INSTANT,
     "description": "Meetings on or after this day (Nairobi), or an instant with its offset"},
    {"name": "to", "in": "query", "schema": DAY_OR_INSTANT,
     "description": "Meetings on or before this day (Nairobi)"},
    {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(log.LOG_SORTS)}},
    {"name": "member_id", "in": "query", "schema": {"type": "integer"},
     "description": "Only when engage hosts more than one member organisation (a coalition). One member "
                    "organisation's outcomes, of those the reader may see; ignored on a single organisation's install"},
)


class FollowUpOut(BaseModel):
    model_config = ConfigDict(title="FollowUp")
    id: int
    description: str
    owner: str
    due_on: date
    done: bool
    status: Literal["open", "done", "cancelled"]


class OutcomeOut(BaseModel):
    model_config = ConfigDict(title="Outcome")
    id: int
    meeting_id: int
    recommendation_id: int | None
    ask_id: int | None = Field(None, description="One of the coalition's asks, in place of a recommendation")
    organisation_id: int | None
    position: Position | None
    summary: str
    commitment: str | None
    notes: str | None
    proposed_wording: str | None = Field(None, description="On an ask: the wording the state proposed instead")
    follow_ups: list[FollowUpOut]
    created_by: str | None
    created_at: str = Field(description="UTC, ISO 8601 with Z")
    updated_at: str = Field(description="UTC, ISO 8601 with Z")
    sensitivity: Literal["internal", "restricted"] = Field(
        "internal", description="restricted also when its meeting is restricted")
    member_id: int | None = Field(None, description="Only when engage hosts more than one member organisation (a "
                                  "coalition). The member organisation that owns it: its meeting's.")


def _z(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def outcome_json(outcome: Outcome) -> dict:
    """An outcome as the contract shows it."""
    body = OutcomeOut(
        id=outcome.id, meeting_id=outcome.meeting_id, recommendation_id=outcome.recommendation_id,
        ask_id=outcome.ask_id, organisation_id=outcome.organisation_id, position=outcome.position,
        summary=outcome.summary, commitment=outcome.commitment, notes=outcome.notes,
        proposed_wording=outcome.proposed_wording,
        follow_ups=[FollowUpOut(id=f.id, description=f.description, owner=f.owner.email, due_on=f.due_on,
                                done=f.done, status=f.status) for f in outcome.follow_ups],
        created_by=outcome.created_by.email if outcome.created_by else None,
        created_at=_z(outcome.created_at), updated_at=_z(outcome.updated_at),
        sensitivity="restricted" if is_restricted(outcome) else "internal").model_dump(mode="json")
    # No word of members outside a coalition: the field is left out, as the document says.
    if coalition_mode():
        body["member_id"] = outcome.member_id
    else:
        body.pop("member_id")
    return body


def _outcome(outcome_id: int) -> Outcome:
    return services.get_outcome(outcome_id, g.api_user)


def _create(meeting_id: int, body: OutcomeCreate):
    meeting = get_meeting(meeting_id, g.api_user)
    outcome = services.create_outcome(g.api_user, now_utc(), meeting, body, body.follow_ups)
    return jsonify(outcome_json(outcome)), 201


@api_route("/outcomes", "GET", "List outcomes (the engagement log), newest meeting first", response=OutcomeOut,
           is_list=True, params=LIST_PARAMS)
def list_outcomes():
    page, per_page = page_args()
    filters = log.parse_log_filters(request.args, member_key="member_id")
    return paginated(log.engagement_log_query(filters, g.api_user), outcome_json, page, per_page)


@api_route("/outcomes", "POST", "Log an outcome of a meeting (which becomes held)", body=OutcomeCreate,
           response=OutcomeOut, status=201, errors=(400, 401, 403, 404, 422))
def create_outcome():
    body = parse(OutcomeCreate, json_body())
    if body.meeting_id is None:
        raise ApiError(422, "validation_error", "meeting_id: This is required.", {"meeting_id": ["This is required."]})
    return _create(body.meeting_id, body)


@api_route("/outcomes/<int:outcome_id>", "GET", "Get an outcome", response=OutcomeOut)
def get_outcome(outcome_id):
    return jsonify(outcome_json(_outcome(outcome_id)))


@api_route("/outcomes/<int:outcome_id>", "PATCH", "Update an outcome and its follow-up actions (history kept)",
           body=OutcomeUpdate, response=OutcomeOut, errors=(400, 401, 403, 404, 422))
def update_outcome(outcome_id):
    outcome = _outcome(outcome_id)
    body = parse(OutcomeUpdate, json_body())
    now = now_utc()
    services.update_outcome(g.api_user, now, outcome, body)
    existing = {f.id: f for f in outcome.follow_ups}
    for i, item in enumerate(body.follow_ups or []):
        data = {k: getattr(item, k) for k in item.model_fields_set if k != "id"}
        try:
            if item.id is None:
                services.add_follow_up(g.api_user, now, outcome, data)
            elif item.id in existing:
                services.update_follow_up(g.api_user, now, existing[item.id], data)
            else:
                raise ApiError(422, "validation_error", f"follow_ups.{i}.id: not an action of this outcome.",
                               {f"follow_ups.{i}.id": [f"No follow-up action {item.id} on this outcome."]})
        except ValidationError as exc:
            exc.fields = {f"follow_ups.{i}.{k}": v for k, v in exc.fields.items()}
            exc.message = f"follow_ups.{i}.{exc.message}"
            raise
    return jsonify(outcome_json(outcome))


@api_route("/meetings/<int:meeting_id>/outcomes", "GET", "List a meeting's outcomes", response=OutcomeOut,
           is_list=True, params=LIST_PARAMS[:2])
def list_meeting_outcomes(meeting_id):
    get_meeting(meeting_id, g.api_user)
    page, per_page = page_args()
    filters = log.LogFilters(meeting_id=meeting_id, sort="date")
    return paginated(log.engagement_log_query(filters, g.api_user), outcome_json, page, per_page)


@api_route("/meetings/<int:meeting_id>/outcomes", "POST", "Log an outcome of this meeting (which becomes held)",
           body=OutcomeCreate, response=OutcomeOut, status=201, errors=(400, 401, 403, 404, 422))
def create_meeting_outcome(meeting_id):
    body = parse(OutcomeCreate, json_body())
    if body.meeting_id is not None and body.meeting_id != meeting_id:
        raise ApiError(422, "validation_error", "meeting_id: does not match the meeting in the path.",
                       {"meeting_id": ["Does not match the meeting in the path."]})
    return _create(meeting_id, body)
