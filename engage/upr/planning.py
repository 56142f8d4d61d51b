"""The target planning view: which states made recommendations on chosen themes, and who to meet."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from engage.access.services import only_visible
from engage.asks.services import asks_for_states
from engage.countries import country_name
from engage.directory.models import Contact, Organisation
from engage.extensions import db
from engage.recommendations.models import Recommendation

from .services import (
    engaged_states,
    last_outcome_position,
    meetings_touching,
    mission_place,
    missions_by_state,
    recommendation_query,
)


@dataclass
class MissionPlan:
    """One mission of a recommending state, with who to talk to and when we last did."""

    organisation: Any
    place: str
    contacts: list
    last_meeting: Any = None
    next_meeting: Any = None
    last_outcome_position: str | None = None


@dataclass
class StatePlan:
    """One recommending state on the chosen themes, with its recommendations and missions."""

    rank: int
    state: str
    recommendations: list
    missions: list[MissionPlan] = field(default_factory=list)
    engaged: bool = False
    asks: list = field(default_factory=list)  # the coalition's asks of the newest cycle with asks pitched to this state

    @property
    def name(self) -> str:
        return country_name(self.state)

    @property
    def count(self) -> int:
        return len(self.recommendations)

    def count_with(self, response: str) -> int:
        return sum(1 for r in self.recommendations if r.response == response)


class Plan(list):
    """The planning view's states (StatePlan), and how many recommendations they hold between them."""

    @property
    def recommendation_count(self) -> int:
        # A joint recommendation is listed under each of its states and counted once here.
        return len({rec.id for item in self for rec in item.recommendations})


def target_plan(theme_names: list[str], cycle: int | None, engaged_since: date, now,
                response: str | None = None, actor=None, engaged_until: date | None = None,
                member_id: int | None = None) -> Plan:
    """The states that made recommendations on any of `theme_names`, most recommendations first,
    each with its Nairobi and Geneva missions, their live contacts, the last and next meeting with
    each mission, and whether anyone from that state was met in the cycle's window (`engaged_since` to
    `engaged_until`, outcomes.engaged); with `actor`, only
    the contacts, meetings and outcomes they may see. A joint recommendation is listed under each of
    its states. With `member_id` (the secretariat's choice in a coalition), only that member's meetings
    count, on top of what `actor` may see."""
    if not theme_names:
        return Plan()
    recs = db.session.scalars(recommendation_query(cycle=cycle, theme=theme_names, response=response))
    by_state: dict[str, list] = {}
    for rec in recs:
        for state in rec.recommending_states:
            by_state.setdefault(state, []).append(rec)
    engaged = engaged_states(engaged_since, now, engaged_until, actor=actor, member_id=member_id)
    missions = missions_by_state(by_state)
    org_ids = [o.id for orgs in missions.values() for o in orgs]
    last: dict[int, Any] = {}
    upcoming: dict[int, Any] = {}
    for meeting, org_id in meetings_touching(organisation_ids=org_ids, actor=actor, member_id=member_id):
        if meeting.starts_at <= now:
            last.setdefault(org_id, meeting)
        else:
            upcoming[org_id] = meeting  # newest first, so the soonest one is written last
    # The asks to raise with each state: those of the newest cycle with asks pitched to it, as the booking
    # form offers. Not the plan's cycle: that is the review whose recommendations are followed up (the
    # 3rd's, say), while the meetings booked from here pitch the asks for the review to come (the 4th's).
    asks_of: dict[str, list] = {}
    for ask in asks_for_states(by_state):
        for state in ask.target_states:
            asks_of.setdefault(state, []).append(ask)
    ordered = sorted(by_state.items(), key=lambda item: (-len(item[1]), country_name(item[0])))
    plan, rank, previous = Plan(), 0, None
    for position, (state, state_recs) in enumerate(ordered, 1):
        if len(state_recs) != previous:
            rank, previous = position, len(state_recs)
        rows = []
        for org in missions[state]:
            meeting = last.get(org.id)
            rows.append(MissionPlan(
                organisation=org, place=mission_place(org),
                contacts=[c for c in org.contacts if not c.is_archived],
                last_meeting=meeting, next_meeting=upcoming.get(org.id),
                last_outcome_position=last_outcome_position(meeting, org, actor) if meeting else None))
        plan.append(StatePlan(rank=rank, state=state, recommendations=state_recs, missions=rows,
                              engaged=state in engaged, asks=asks_of.get(state, [])))
    return plan



@dataclass
class MeetingDraft:
    """A meeting a planning row would book: with whom, and what is on the agenda."""

    organisation: Any
    contacts: list
    recommendations: list

    @property
    def title(self) -> str:
        """The draft's title, in the page's language."""
        if self.organisation:
            return _("UPR pre-session meeting with %(organisation)s", organisation=self.organisation.name)
        return _("UPR pre-session meeting")


def meeting_draft(organisation_id: int | None, contact_ids: list[int], recommendation_ids: list[int],
                  actor=None) -> MeetingDraft:
    """The organisation, live contacts and recommendations named by id (unknown ids, and contacts `actor`
    may not see, are left out)."""
    org = db.session.get(Organisation, organisation_id) if organisation_id and 0 < organisation_id < 2**31 else None
    contact_ids = [i for i in contact_ids if 0 < i < 2**31][:200]
    rec_ids = [i for i in recommendation_ids if 0 < i < 2**31][:500]
    query = select(Contact).where(Contact.id.in_(contact_ids), Contact.is_archived.is_(False)).order_by(Contact.full_name)
    if actor is not None:
        query = only_visible(actor, query, Contact)
    contacts = db.session.scalars(query).all() if contact_ids else []
    recs = db.session.scalars(select(Recommendation).where(Recommendation.id.in_(rec_ids))
                              .order_by(Recommendation.cycle.desc(), Recommendation.reference_sort)).all() \
        if rec_ids else []
    return MeetingDraft(organisation=org, contacts=list(contacts), recommendations=list(recs))
