"""UPR services: check, create, edit and find recommendations; themes; missions; the meeting queries."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from engage.access.services import only_visible
from engage.clock import now_utc
from engage.countries import country_code
from engage.directory.models import Contact, Organisation
from engage.errors import ConflictError, NotFoundError
from engage.extensions import db
from engage.i18n import N_
from engage.history import diff_fields, history_for, record_change
from engage.meetings.models import Attendee, Meeting, meeting_recommendation
from engage.outcomes.engaged import engaged_states, engaged_states_query  # the one definition, shared with reports
from engage.outcomes.services import position_at_meeting, position_timeline
from engage.implementation.queries import latest_visible_subquery
from engage.recommendations.models import Recommendation, RecommendationSdg, RecommendationState, Theme, ThemeGroup
from engage.recommendations.themes import resolve_themes

from engage.schemas import check

from .schemas import RecommendationTextWrite, recommendation_values

MISSION_KINDS = ("embassy", "high_commission", "permanent_mission")
NAIROBI_PLACES = {"nairobi"}
GENEVA_PLACES = {"geneva", "genève", "geneve", "le grand-saconnex", "grand-saconnex", "pregny-chambésy",
                 "pregny-chambesy", "chambésy", "chambesy", "meyrin", "bellevue", "vernier", "lancy"}
SEARCH_TERMS_MAX = 12


# ---- recommendations ----

def find_recommendation(cycle: int, reference: str, sub_item: str = "", exclude_id: int | None = None):
    """The recommendation with that cycle, reference and item (its natural key), if any."""
    query = select(Recommendation).where(Recommendation.cycle == cycle, Recommendation.reference == reference,
                                         Recommendation.sub_item == (sub_item or ""))
    if exclude_id:
        query = query.where(Recommendation.id != exclude_id)
    return db.session.scalars(query).first()


def _duplicate(cycle, reference, sub_item) -> ConflictError:
    shown = f"{reference} ({sub_item})" if sub_item else reference
    return ConflictError(
        f"Cycle {cycle} already has recommendation {shown}; a recommendation several states made is one "
        "recommendation with all of them in recommending_states.",
        {"reference": [N_("A recommendation with this cycle, reference and sub_item exists.")]})


def _states_changed(rec: Recommendation, states: list[str]) -> dict:
    old = rec.recommending_states
    if states == old:
        return {}
    rec.set_states(states)
    return {"recommending_states": ["; ".join(old), "; ".join(states)]}


def _sdgs_changed(rec: Recommendation, goals: list[int]) -> dict:
    old = rec.sdgs
    if sorted(set(goals)) == old:
        return {}
    rec.set_sdgs(goals)
    return {"sdgs": ["; ".join(map(str, old)), "; ".join(map(str, rec.sdgs))]}


def create_recommendation(actor, now, data: Any) -> Recommendation:
    """Add a recommendation (`data`: a RecommendationCreate or what it validates); refuses a second one with the same cycle, reference and item."""
    values = recommendation_values(data)
    if find_recommendation(values["cycle"], values["reference"], values["sub_item"]):
        raise _duplicate(values["cycle"], values["reference"], values["sub_item"])
    names = values.pop("themes")
    states = values.pop("recommending_states")
    goals = values.pop("sdgs", [])
    rec = Recommendation(**values, created_at=now, updated_at=now)
    rec.set_states(states)
    rec.set_sdgs(goals)
    rec.themes = resolve_themes(names)
    db.session.add(rec)
    db.session.flush()
    record_change(actor, now, rec, "created")
    return rec


def set_recommendation_text(actor, now, rec: Recommendation, data: Any) -> None:
    """Hold a recommendation's text in another language (`data`: a RecommendationTextWrite or what it validates)."""
    body = check(RecommendationTextWrite, data)
    rec.set_text(body.language, body.text, f"by {actor.email}" if actor is not None else None, now)
    db.session.flush()


def update_recommendation(actor, now, rec: Recommendation, data: Any) -> dict:
    """Change the fields sent (`data`: a RecommendationUpdate or what it validates; themes and states
    included) of a recommendation; returns what changed, kept in history."""
    values = recommendation_values(data, partial=True)
    identity = (values.get("cycle", rec.cycle), values.get("reference", rec.reference),
                values.get("sub_item", rec.sub_item))
    if identity != (rec.cycle, rec.reference, rec.sub_item) and find_recommendation(*identity, exclude_id=rec.id):
        raise _duplicate(*identity)
    names = values.pop("themes", None)
    states = values.pop("recommending_states", None)
    first = values.pop("first_state", None)
    goals = values.pop("sdgs", None)
    if first is not None:
        # Only the first state was sent (as tools that know one state do): one of its states moves to
        # the front; another state takes the first one's place. The others stay.
        held = rec.recommending_states
        states = [first] + [s for s in held if s != first] if first in held else [first] + held[1:]
    changed = diff_fields(rec, values)
    if states is not None:
        changed.update(_states_changed(rec, states))
    if goals is not None:
        changed.update(_sdgs_changed(rec, goals))
    if names is not None:
        old = rec.theme_names
        themes = sorted(resolve_themes(names), key=lambda t: t.name.lower())
        if {t.name.lower() for t in themes} != {n.lower() for n in old}:
            rec.themes = themes
            changed["themes"] = ["; ".join(old), "; ".join(t.name for t in themes)]
    if changed:
        rec.updated_at = now
        record_change(actor, now, rec, "updated", changed)
    return changed


def get_recommendation(rec_id: int) -> Recommendation:
    """The recommendation with that id, or NotFoundError."""
    rec = db.session.get(Recommendation, rec_id) if 0 < rec_id < 2**63 else None
    if rec is None:
        raise NotFoundError(f"No recommendation with id {rec_id}.")
    return rec


def made_by(*states: str):
    """A select() of the ids of recommendations any of `states` made (alone or with others)."""
    return select(RecommendationState.recommendation_id).where(RecommendationState.state.in_(states))


def recommendation_query(q: str | None = None, cycle: int | None = None, state: str | None = None,
                         theme: str | list[str] | None = None, response: str | None = None,
                         group: str | None = None, sdg: int | None = None,
                         implementation_status: str | None = None, engaged: bool | None = None,
                         engaged_since: date | None = None, sort: str = "reference", actor=None,
                         now: datetime | None = None, engaged_until: date | None = None):
    """A select() of recommendations matching the filters; `theme` may be a list (any of them), `group`
    a theme group's key ("health": any of its themes), `sdg` a goal's number (those linked to it).

    `q` matches every word in the text, reference or notes; `engaged` needs the cycle's window
    (`engaged_since` to `engaged_until`) and counts meetings held by `now` (default: the clock) —
    with `actor`, only those they may see.
    """
    query = select(Recommendation)
    if q:
        for term in q.replace("\x00", " ").split()[:SEARCH_TERMS_MAX]:
            term = term.lower()
            query = query.where(or_(func.lower(Recommendation.text).contains(term, autoescape=True),
                                    func.lower(Recommendation.reference).contains(term, autoescape=True),
                                    func.lower(func.coalesce(Recommendation.notes, "")).contains(term, autoescape=True)))
    if cycle is not None:
        query = query.where(Recommendation.cycle == cycle)
    if state:
        # An unknown state matches nothing (it is never passed on to the database as typed).
        # Any of its states: a joint recommendation is listed under each of them.
        query = query.where(Recommendation.id.in_(made_by(country_code(state) or "--")))
    if theme:
        names = [theme] if isinstance(theme, str) else list(theme)
        names = [n.replace("\x00", "").lower() for n in names]
        query = query.where(Recommendation.themes.any(func.lower(Theme.name).in_(names)))
    if group:
        query = query.where(Recommendation.themes.any(Theme.groups.any(ThemeGroup.key == group)))
    if sdg is not None:
        query = query.where(Recommendation.id.in_(select(RecommendationSdg.recommendation_id)
                                                  .where(RecommendationSdg.goal == sdg)))
    if response:
        query = query.where(Recommendation.response == response)
    if implementation_status:
        # Its latest assessment the actor may see; "none": not assessed (as far as they may see).
        ranked = latest_visible_subquery(actor)
        assessed = select(ranked.c.recommendation_id).where(ranked.c.rank == 1)
        if implementation_status == "none":
            query = query.where(Recommendation.id.not_in(assessed))
        else:
            query = query.where(Recommendation.id.in_(assessed.where(ranked.c.status == implementation_status)))
    if engaged is not None:
        states = engaged_states_query(engaged_since or date(1970, 1, 1), now or now_utc(), engaged_until, actor=actor)
        # Engaged: any of its states was engaged; not engaged: none of them was.
        with_engaged = select(RecommendationState.recommendation_id).where(RecommendationState.state.in_(states))
        query = query.where(Recommendation.id.in_(with_engaged) if engaged else Recommendation.id.not_in(with_engaged))
    order = {
        "reference": (Recommendation.cycle.desc(), Recommendation.reference_sort, Recommendation.recommending_state),
        "state": (Recommendation.recommending_state, Recommendation.cycle.desc(), Recommendation.reference_sort),
        "-updated": (Recommendation.updated_at.desc(),),
    }.get(sort, (Recommendation.cycle.desc(), Recommendation.reference_sort))
    return query.order_by(*order, Recommendation.id)


def recommendation_overview(rec: Recommendation, engaged_since: date, now: datetime, actor=None,
                            engaged_until: date | None = None) -> dict:
    """What the detail page shows around a recommendation: its state's missions, meetings, outcomes,
    whether that state was engaged in the cycle (window `engaged_since` to `engaged_until`), its other recommendations, and the change history;
    with `actor`, only the meetings, outcomes and contacts they may see."""
    states = rec.recommending_states
    others = db.session.scalars(
        select(Recommendation).where(Recommendation.cycle == rec.cycle, Recommendation.id.in_(made_by(*states)),
                                     Recommendation.id != rec.id)
        .order_by(Recommendation.reference_sort, Recommendation.sub_item)).all()
    missions = missions_by_state(states)
    engaged = engaged_states(engaged_since, now, engaged_until, actor=actor)
    return {"missions": [org for state in states for org in missions[state]],
            "meetings": meetings_touching(recommendation_id=rec.id, actor=actor),
            "outcomes": outcomes_for(rec, actor),
            "engaged": any(s in engaged for s in states),
            "engaged_states": [s for s in states if s in engaged],
            "related": others,
            "history": history_for(rec)}


# ---- missions in the directory ----

def mission_place(org) -> str | None:
    """'Nairobi' or 'Geneva' for a mission in or around one of them, else None."""
    city = (org.city or "").strip().lower()
    if city in NAIROBI_PLACES:
        return N_("Nairobi")  # English in exports; pages say it in their language
    if city in GENEVA_PLACES:
        return N_("Geneva")
    return None


def missions_by_state(codes: Iterable[str]) -> dict[str, list]:
    """{state: [its live embassies, high commissions and permanent missions in Nairobi and Geneva]}."""
    codes = sorted(set(codes))
    found: dict[str, list] = {code: [] for code in codes}
    if not codes:
        return found
    orgs = db.session.scalars(
        select(Organisation).options(selectinload(Organisation.contacts))
        .where(Organisation.country.in_(codes), Organisation.kind.in_(MISSION_KINDS),
               Organisation.is_archived.is_(False)))
    for org in orgs:
        if mission_place(org):
            found[org.country].append(org)
    for missions in found.values():
        missions.sort(key=lambda o: (mission_place(o) != "Nairobi", o.name))
    return found


# ---- the only queries that read meetings (the Meetings issue owns those tables) ----

def _seen(actor, query, *models):
    # Without an actor (the CLI, tests of these queries) every record counts.
    return only_visible(actor, query, *models) if actor is not None else query


def meetings_touching(organisation_ids: Iterable[int] = (), recommendation_id: int | None = None,
                      actor=None, member_id: int | None = None) -> list:
    """Meetings, newest first: with `recommendation_id`, those that have it on their agenda (any status);
    otherwise (meeting, organisation_id) pairs for non-cancelled meetings attended by someone from
    one of `organisation_ids`. With `actor`, only meetings they may see, matched through contacts they
    may see; with `member_id`, only that member organisation's (a coalition's planning, for the secretariat)."""
    if recommendation_id is not None:
        return list(db.session.scalars(_seen(actor,
            select(Meeting).join(meeting_recommendation, meeting_recommendation.c.meeting_id == Meeting.id)
            .where(meeting_recommendation.c.recommendation_id == recommendation_id)
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc()))))
    ids = sorted(set(organisation_ids))
    if not ids:
        return []
    rows = db.session.execute(_seen(actor,
        select(Meeting.id, Contact.organisation_id)
        .join(Attendee, Attendee.meeting_id == Meeting.id).join(Contact, Contact.id == Attendee.contact_id)
        .where(Contact.organisation_id.in_(ids), Meeting.status != "cancelled",
               *((Meeting.member_id == member_id,) if member_id is not None else ()))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc()), Meeting, Contact)).all()
    pairs = list(dict.fromkeys((meeting_id, org_id) for meeting_id, org_id in rows))
    meetings = {m.id: m for m in db.session.scalars(
        _seen(actor, select(Meeting).where(Meeting.id.in_({m for m, _ in pairs}))))}
    return [(meetings[m], org_id) for m, org_id in pairs]


# ---- outcomes ----

def last_outcome_position(meeting, organisation, actor=None) -> str | None:
    """The positions recorded at `meeting` for `organisation` in words; None when nothing was logged
    (that `actor` may see)."""
    return position_at_meeting(meeting.id, getattr(organisation, "id", None), actor=actor)


def outcomes_for(recommendation, actor=None) -> list:
    """Outcomes logged against `recommendation` (that `actor` may see), oldest first (its timeline of positions)."""
    return position_timeline(recommendation.id, actor=actor)
