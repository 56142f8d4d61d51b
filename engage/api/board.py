"""/asks/board: the follow-up board of the joint report's asks (who is pitching what to whom), and claims."""
from __future__ import annotations

from typing import Literal

from flask import g, jsonify
from pydantic import BaseModel, ConfigDict, Field

from engage.clock import now_utc
from engage.countries import country_name
from engage.members.services import coalition_mode
from engage.recommendations.models import MAX_CYCLE
from engage.upr import board as services
from engage.upr.board import ClaimCreate, ClaimReassign

from .common import ApiError, int_arg, json_body, parse, state_arg, utc_text
from .openapi import api_route

Status = Literal[tuple(services.STATUSES)]  # type: ignore[valid-type]
IN_A_COALITION = "Only in a coalition (a second member organisation); absent on a single organisation's install."


class ClaimOut(BaseModel):
    model_config = ConfigDict(title="AskClaim")
    id: int
    ask_id: int
    state: str
    state_name: str
    user_id: int
    user: str
    member_id: int | None = Field(default=None, description=IN_A_COALITION)
    created_at: str
    updated_at: str


class PitchOut(BaseModel):
    model_config = ConfigDict(title="BoardPitch")
    member_id: int | None = Field(default=None, description=IN_A_COALITION)
    member: str | None = Field(default=None, description="The member's short name. " + IN_A_COALITION)
    user_id: int | None = Field(description="The claim's user, else the organiser of the latest meeting")
    user: str | None
    status: Status = Field(description="planned (claimed, no meeting), booked (a meeting ahead), pitched (a "
                                       "meeting begun), taken_up / not_taken_up (once the review's "
                                       "recommendations are held)")
    claim_id: int | None
    meeting_ids: list[int] = Field(description="The meetings the reader may see, oldest first")


class BoardRowOut(BaseModel):
    model_config = ConfigDict(title="BoardRow")
    ask_id: int
    ask: str
    priority: str
    state: str
    state_name: str
    target_state: bool
    latest_position: str | None = Field(description="What the state last said of the ask, from outcomes the "
                                                    "reader may see")
    pitches: list[PitchOut]


class BoardOut(BaseModel):
    model_config = ConfigDict(title="Board")
    cycle: int | None
    items: list[BoardRowOut]


def _coalition_only(data: dict, coalition: bool, *names: str) -> dict:
    if not coalition:
        for name in names:
            data.pop(name, None)
    return data


def claim_json(claim) -> dict:
    """A claim as the contract shows it."""
    out = ClaimOut(id=claim.id, ask_id=claim.ask_id, state=claim.state, state_name=country_name(claim.state),
                   user_id=claim.user_id, user=claim.user.display_name, member_id=claim.member_id,
                   created_at=utc_text(claim.created_at), updated_at=utc_text(claim.updated_at)).model_dump(mode="json")
    return _coalition_only(out, coalition_mode(), "member_id")


def board_json(found: services.Board) -> dict:
    """The board as the contract shows it."""
    items = []
    for row in found.rows:
        pitches = [_coalition_only(PitchOut(
            member_id=p.member.id if p.member else None, member=p.member.short_name if p.member else None,
            user_id=p.user.id if p.user else None, user=p.user.display_name if p.user else None, status=p.status,
            claim_id=p.claim.id if p.claim else None, meeting_ids=[m for m, _ in p.meetings]).model_dump(mode="json"),
            found.coalition, "member_id", "member") for p in row.pitches]
        items.append(BoardRowOut(ask_id=row.ask.id, ask=row.ask.text, priority=row.ask.priority, state=row.state,
                                 state_name=row.name, target_state=row.target, latest_position=row.position,
                                 pitches=[]).model_dump(mode="json") | {"pitches": pitches})
    return {"cycle": found.cycle, "items": items}


@api_route("/asks/board", "GET", "The follow-up board: for a cycle's asks, each state they are pitched to, who "
           "pitches them (member organisation in a coalition) and how far they got, from the meetings the "
           "reader may see and the claims made", response=BoardOut, params=(
               {"name": "cycle", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_CYCLE},
                "description": "Default: the newest cycle with asks"},
               {"name": "state", "in": "query", "schema": {"type": "string"},
                "description": "One state: ISO alpha-2 code or English name"}))
def get_board():
    cycle = int_arg("cycle")
    if cycle is not None and not 1 <= cycle <= MAX_CYCLE:
        raise ApiError(422, "validation_error", f"cycle must be from 1 to {MAX_CYCLE}.",
                       {"cycle": [f"Must be from 1 to {MAX_CYCLE}."]})
    found = services.board(g.api_user, now_utc(), cycle=cycle, state=state_arg("state"))
    return jsonify(board_json(found))


@api_route("/asks/board/claims", "POST", "Claim an ask for a state (\"we will pitch it\"): 409 naming who holds "
           "it already. Staff claim for themselves; a lead names a colleague of their member, the secretariat "
           "anyone", body=ClaimCreate, response=ClaimOut, status=201, errors=(400, 401, 403, 409, 422))
def create_claim():
    body = parse(ClaimCreate, json_body())
    return jsonify(claim_json(services.claim(g.api_user, now_utc(), body))), 201


@api_route("/asks/board/claims/<int:claim_id>", "PATCH", "Reassign a claim to another user (a lead or admin of "
           "the claim's member, or the secretariat); the claim moves to their member", body=ClaimReassign,
           response=ClaimOut, errors=(400, 401, 403, 404, 422))
def reassign_claim(claim_id):
    claim = services.get_claim(claim_id)
    body = parse(ClaimReassign, json_body())
    services.reassign(g.api_user, now_utc(), claim, body)
    return jsonify(claim_json(claim))


@api_route("/asks/board/claims/<int:claim_id>", "DELETE", "Release a claim (whoever pitches it, or whoever may "
           "reassign it)", status=204, errors=(401, 403, 404))
def delete_claim(claim_id):
    services.release(g.api_user, now_utc(), services.get_claim(claim_id))
    return "", 204
