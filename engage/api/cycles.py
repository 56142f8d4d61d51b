"""/cycles, /cycles/{number}: UPR cycles with their milestones and engagement windows."""
from __future__ import annotations

from datetime import date
from typing import Literal

from flask import g, jsonify
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engage.clock import now_utc
from engage.cycles import services
from engage.cycles.models import MILESTONE_KINDS, Cycle, Milestone
from engage.cycles.schemas import CycleCreate, CycleUpdate
from engage.urls import absolute_url

from .common import json_body, page_args, paginated, parse, utc_text
from .openapi import api_route

Kind = Literal[tuple(MILESTONE_KINDS)]  # type: ignore[valid-type]


class MilestoneOut(BaseModel):
    model_config = ConfigDict(title="Milestone")
    id: int
    kind: Kind
    name: str
    title: str | None
    due_on: date
    hrc_session: int | None
    note: str | None
    reminder_days: list[int]


class CycleOut(BaseModel):
    model_config = ConfigDict(title="Cycle")
    number: int
    wg_session: int | None
    state_under_review: str
    window_starts_on: date | None
    window_ends_on: date | None
    engagement_starts_on: date | None
    engagement_ends_on: date | None
    is_current: bool
    milestones: list[MilestoneOut]
    states_met: int | None = None
    states_not_met: int | None = None
    url: str
    created_at: str
    updated_at: str


def milestone_json(m: Milestone) -> dict:
    return MilestoneOut(id=m.id, kind=m.kind, name=m.name, title=m.title, due_on=m.due_on, hrc_session=m.hrc_session,
                        note=m.note, reminder_days=list(m.reminder_days or [])).model_dump(mode="json")


def cycle_json(cycle: Cycle, current: Cycle | None, standing: tuple | None = None) -> dict:
    """A cycle as the API shows it: the window as set, the one in force, and (one cycle) its standing."""
    return CycleOut(
        number=cycle.number, wg_session=cycle.wg_session, state_under_review=cycle.state_under_review,
        window_starts_on=cycle.window_starts_on, window_ends_on=cycle.window_ends_on,
        engagement_starts_on=cycle.starts_on, engagement_ends_on=cycle.ends_on,
        is_current=current is not None and current.id == cycle.id,
        milestones=[milestone_json(m) for m in cycle.milestones],
        states_met=len(standing[0]) if standing else None, states_not_met=len(standing[1]) if standing else None,
        url=absolute_url("cycles.show", number=cycle.number),
        created_at=utc_text(cycle.created_at),
        updated_at=utc_text(cycle.updated_at),
    ).model_dump(mode="json")


@api_route("/cycles", "GET", "List UPR cycles, newest first", response=CycleOut, is_list=True,
           params=({"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                   {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}))
def list_cycles():
    page, per_page = page_args()
    current = services.current_cycle(now_utc())
    query = select(Cycle).options(selectinload(Cycle.milestones)).order_by(Cycle.number.desc())
    return paginated(query, lambda c: cycle_json(c, current), page, per_page)


@api_route("/cycles", "POST", "Create a UPR cycle with its milestones", role="lead", body=CycleCreate,
           response=CycleOut, status=201, errors=(400, 401, 403, 409, 422))
def create_cycle():
    body = parse(CycleCreate, json_body())
    now = now_utc()
    cycle = services.create_cycle(g.api_user, now, body)
    return jsonify(cycle_json(cycle, services.current_cycle(now))), 201


@api_route("/cycles/<int:number>", "GET", "Get a UPR cycle, its milestones and how many states were met in it",
           response=CycleOut)
def get_cycle(number):
    now = now_utc()
    cycle = services.get_cycle(number)
    return jsonify(cycle_json(cycle, services.current_cycle(now), services.standing(cycle, now, g.api_user)))


@api_route("/cycles/<int:number>", "PATCH", "Update a UPR cycle; `milestones`, when sent, is the whole list",
           role="lead", body=CycleUpdate, response=CycleOut, errors=(400, 401, 403, 404, 409, 422))
def update_cycle(number):
    now = now_utc()
    cycle = services.get_cycle(number)
    body = parse(CycleUpdate, json_body())
    services.update_cycle(g.api_user, now, cycle, body)
    return jsonify(cycle_json(cycle, services.current_cycle(now), services.standing(cycle, now, g.api_user)))
