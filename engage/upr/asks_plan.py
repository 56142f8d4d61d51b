"""Planning for the coalition's asks: for a cycle, which target states of each ask have not been met
about it yet, with their missions in Nairobi and Geneva.

Met about an ask: someone from the state (a contact of one of its organisations, any kind) was at a
meeting, not cancelled, that has begun and had the ask on its agenda; or an outcome on the ask was
recorded for one of its organisations at such a meeting (outcomes.asks_met, the one definition, which
the uptake report counts too). A meeting still ahead is "booked", not met.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engage.access.services import only_visible
from engage.asks.models import Ask
from engage.asks.services import ask_query
from engage.countries import country_name
from engage.extensions import db
from engage.meetings.models import Meeting
from engage.outcomes.asks_met import meetings_about_asks

from .services import mission_place, missions_by_state


@dataclass
class TargetPlan:
    """One state an ask is pitched to: met about it or not, a meeting booked, its missions."""

    state: str
    last_met: Any = None  # (meeting id, starts_at) of the latest meeting that counts
    booked: Any = None  # (meeting id, starts_at) of the next meeting with the ask on its agenda
    missions: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return country_name(self.state)

    @property
    def met(self) -> bool:
        return self.last_met is not None


@dataclass
class AskPlan:
    """One ask of the cycle and its target states."""

    ask: Ask
    targets: list[TargetPlan]

    @property
    def unmet(self) -> list[TargetPlan]:
        return [t for t in self.targets if not t.met]


def _of_member(meeting_ids: set[int], member_id: int, actor) -> set[int]:
    """Which of these meetings are that member's (one statement, through the visibility API)."""
    if not meeting_ids:
        return set()
    query = select(Meeting.id).where(Meeting.id.in_(sorted(meeting_ids)), Meeting.member_id == member_id)
    return set(db.session.scalars(only_visible(actor, query, Meeting) if actor is not None else query))


def ask_plan(cycle: int | None, now: datetime, actor=None, theme: str | None = None,
             priority: str | None = None, member_id: int | None = None) -> list[AskPlan]:
    """The asks of `cycle` (optionally one theme or priority), high priority first, each with its target
    states: met about it by `now` or not, the next meeting booked, and their missions in Nairobi and
    Geneva; with `member_id` (the secretariat's choice in a coalition), only that member's meetings
    count, on top of what `actor` may see. A constant number of statements, however many asks and states."""
    asks = list(db.session.scalars(ask_query(cycle=cycle, theme=theme, priority=priority)))
    found = meetings_about_asks([a.id for a in asks], actor)
    if member_id is not None:
        theirs = _of_member({row[2] for row in found}, member_id, actor)
        found = [row for row in found if row[2] in theirs]
    seen: dict[tuple[int, str], list] = {}
    for ask_id, state, meeting_id, starts_at in found:
        seen.setdefault((ask_id, state), []).append((meeting_id, starts_at))
    missions = missions_by_state({s for a in asks for s in a.target_states})
    plans = []
    for ask in asks:
        targets = []
        for state in ask.target_states:
            meetings = seen.get((ask.id, state), [])
            past = [m for m in meetings if m[1] <= now]
            ahead = [m for m in meetings if m[1] > now]
            targets.append(TargetPlan(state=state, last_met=max(past, key=lambda m: m[1]) if past else None,
                                      booked=min(ahead, key=lambda m: m[1]) if ahead else None,
                                      missions=[(o, mission_place(o)) for o in missions.get(state, [])]))
        plans.append(AskPlan(ask=ask, targets=targets))
    return plans
