"""/asks: what the coalition wants recommending states to recommend."""
from __future__ import annotations

from typing import Literal

from flask import g, jsonify
from pydantic import BaseModel, ConfigDict

from engage.asks import matches, services
from engage.asks.models import MATCH_VERDICTS, PRIORITIES, Ask, AskMatch
from engage.asks.schemas import AskCreate, AskUpdate, MatchDecision
from engage.clock import now_utc
from engage.recommendations.models import MAX_CYCLE

from .common import ApiError, choice_arg, int_arg, json_body, page_args, paginated, parse, state_arg, text_arg, utc_text
from .openapi import api_route

Priority = Literal[tuple(PRIORITIES)]  # type: ignore[valid-type]
Verdict = Literal[tuple(MATCH_VERDICTS)]  # type: ignore[valid-type]


class AskOut(BaseModel):
    model_config = ConfigDict(title="Ask")
    id: int
    cycle: int
    text: str
    priority: Priority
    source: str | None
    themes: list[str]
    recommendation_ids: list[int]
    target_states: list[str]
    target_state_names: list[str]
    owner: str | None
    owner_id: int | None
    created_at: str
    updated_at: str



def ask_json(ask: Ask) -> dict:
    """An ask as the contract shows it."""
    return AskOut(
        id=ask.id, cycle=ask.cycle, text=ask.text, priority=ask.priority, source=ask.source,
        themes=ask.theme_names, recommendation_ids=sorted(r.id for r in ask.recommendations),
        target_states=ask.target_states, target_state_names=ask.target_names,
        owner=ask.owner.email if ask.owner else None, owner_id=ask.owner_id,
        created_at=utc_text(ask.created_at), updated_at=utc_text(ask.updated_at)).model_dump(mode="json")


def _cycle_arg() -> int | None:
    cycle = int_arg("cycle")
    if cycle is not None and not 1 <= cycle <= MAX_CYCLE:
        raise ApiError(422, "validation_error", f"cycle must be from 1 to {MAX_CYCLE}.",
                       {"cycle": [f"Must be from 1 to {MAX_CYCLE}."]})
    return cycle




@api_route("/asks", "GET", "List the coalition's asks", response=AskOut, is_list=True, params=(
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
    {"name": "q", "in": "query", "schema": {"type": "string"},
     "description": "Every word must appear in the text or the source"},
    {"name": "cycle", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_CYCLE}},
    {"name": "theme", "in": "query", "schema": {"type": "string"}, "description": "A theme name"},
    {"name": "priority", "in": "query", "schema": {"type": "string", "enum": list(PRIORITIES)}},
    {"name": "target_state", "in": "query", "schema": {"type": "string"},
     "description": "A state the ask is pitched to: ISO alpha-2 code or English name"}))
def list_asks():
    page, per_page = page_args()
    query = services.ask_query(q=text_arg("q"), cycle=_cycle_arg(), theme=text_arg("theme") or None,
                               priority=choice_arg("priority", PRIORITIES), state=state_arg("target_state"))
    return paginated(query, ask_json, page, per_page)


@api_route("/asks", "POST", "Add an ask", role="lead", body=AskCreate, response=AskOut, status=201,
           errors=(400, 401, 403, 422))
def create_ask():
    body = parse(AskCreate, json_body())
    ask = services.create_ask(g.api_user, now_utc(), body)
    return jsonify(ask_json(ask)), 201


@api_route("/asks/<int:ask_id>", "GET", "Get an ask", response=AskOut)
def get_ask(ask_id):
    return jsonify(ask_json(services.get_ask(ask_id)))


@api_route("/asks/<int:ask_id>", "PATCH", "Change an ask", role="lead", body=AskUpdate, response=AskOut,
           errors=(400, 401, 403, 404, 422))
def update_ask(ask_id):
    ask = services.get_ask(ask_id)
    body = parse(AskUpdate, json_body())
    services.update_ask(g.api_user, now_utc(), ask, body)
    return jsonify(ask_json(ask))


@api_route("/asks/<int:ask_id>", "DELETE", "Delete an ask (refused while outcomes are logged on it)",
           role="lead", status=204, errors=(401, 403, 404, 409))
def delete_ask(ask_id):
    ask = services.get_ask(ask_id)
    services.delete_ask(g.api_user, now_utc(), ask)
    return "", 204


class MatchOut(BaseModel):
    """A recommendation for an ask: decided (verdict, when, by whom) or suggested by the matcher."""

    model_config = ConfigDict(title="AskMatch")
    recommendation_id: int
    reference: str
    cycle: int
    text: str
    recommending_states: list[str]
    recommending_state_names: list[str]
    response: str
    score: float | None
    verdict: Verdict | None
    verdict_label: str | None
    decided_at: str | None
    decided_by: str | None
    note: str | None


class MatchesOut(BaseModel):
    model_config = ConfigDict(title="AskMatches")
    confirmed: list[MatchOut]
    rejected: list[MatchOut]
    suggestions: list[MatchOut]


def _recommendation_fields(rec) -> dict:
    return {"recommendation_id": rec.id, "reference": rec.full_reference, "cycle": rec.cycle, "text": rec.text,
            "recommending_states": rec.recommending_states, "recommending_state_names": rec.state_names,
            "response": rec.response}


def match_json(match: AskMatch) -> dict:
    """A decided match as the contract shows it."""
    return MatchOut(**_recommendation_fields(match.recommendation), score=match.score, verdict=match.verdict,
                    verdict_label=match.verdict_label, decided_at=utc_text(match.decided_at),
                    decided_by=match.decided_by.email if match.decided_by else None,
                    note=match.note).model_dump(mode="json")


def suggestion_json(suggestion: matches.MatchSuggestion) -> dict:
    """A suggestion still to decide, as the contract shows it."""
    return MatchOut(**_recommendation_fields(suggestion.recommendation), score=suggestion.score, verdict=None,
                    verdict_label=None, decided_at=None, decided_by=None, note=None).model_dump(mode="json")


@api_route("/asks/<int:ask_id>/matches", "GET", "The recommendations of the ask's cycle that take it up: those "
           "confirmed (in full or in part), those rejected, and the matcher's suggestions still to decide, best first",
           response=MatchesOut)
def list_matches(ask_id):
    ask = services.get_ask(ask_id)
    confirmed, rejected = matches.split_matches(ask)
    return jsonify(MatchesOut(confirmed=[match_json(m) for m in confirmed], rejected=[match_json(m) for m in rejected],
                              suggestions=[suggestion_json(s) for s in matches.suggest_matches(ask)])
                   .model_dump(mode="json"))


@api_route("/asks/<int:ask_id>/matches", "POST", "Confirm or reject a recommendation for an ask (201 when first "
           "decided, 200 when the verdict changes); the recommendation must be of the ask's cycle", role="lead",
           body=MatchDecision, response=MatchOut, status=201, also_status=(200,), errors=(400, 401, 403, 404, 422))
def decide_match(ask_id):
    ask = services.get_ask(ask_id)
    body = parse(MatchDecision, json_body())
    match, created = matches.decide_match(g.api_user, now_utc(), ask, body)
    return jsonify(match_json(match)), 201 if created else 200
