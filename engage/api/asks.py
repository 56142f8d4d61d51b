"""/asks: what the coalition wants recommending states to recommend."""
from __future__ import annotations

from typing import Literal

from flask import g, jsonify
from pydantic import BaseModel, ConfigDict

from engage.asks import services
from engage.asks.models import PRIORITIES, Ask
from engage.asks.schemas import AskCreate, AskUpdate
from engage.clock import now_utc
from engage.recommendations.models import MAX_CYCLE

from .common import ApiError, choice_arg, int_arg, json_body, page_args, paginated, parse, state_arg, text_arg, utc_text
from .openapi import api_route

Priority = Literal[tuple(PRIORITIES)]  # type: ignore[valid-type]


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
