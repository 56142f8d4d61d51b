"""Outcome services: log what a meeting achieved, edit it with history, follow-ups and their states.

Also the read functions other packages call: a meeting's, an organisation's or a contact's
outcomes, a recommendation's timeline of positions, the last position per state, and the
follow-ups due on a day or overdue (for reminders).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from pydantic import BaseModel
from sqlalchemy import and_, bindparam, exists, func, or_, select, true
from sqlalchemy.orm import aliased, joinedload, selectinload

from engage.access import guard
from engage.access.services import VISIBILITY_APPLIED, get_visible, of_own_member, only_visible, visibility_key, visible
from engage.auth.models import User
from engage.clock import NAIROBI
from engage.directory.models import Contact
from engage.errors import NotFoundError, PermissionDenied, ValidationError
from engage.extensions import db
from engage.history import diff_fields, record_change
from engage.schemas import refuse
from engage.meetings.models import Attendee, Meeting
from engage.meetings.services import can_change, mark_held
from engage.recommendations.models import Recommendation, RecommendationState

from .models import POSITIONS, FollowUp, Outcome
from engage.statements import KeptStatements
from .schemas import MAX_FOLLOW_UPS, MAX_ID, OutcomeLog, check_subject, follow_up_values, outcome_values

MAX_ITEMS = 200


def today(now: datetime, zone: str = NAIROBI) -> date:
    """The calendar day `now` falls on in `zone` (Nairobi by default): what 'due today' means."""
    return now.astimezone(ZoneInfo(zone)).date()


# ---- permissions ----

def can_log(actor, meeting: Meeting) -> bool:
    """Leads log outcomes of any meeting; staff of meetings they organise, created or take part in."""
    return can_change(actor, meeting)


def can_edit(actor, outcome: Outcome) -> bool:
    """Whoever may log the meeting's outcomes, and whoever logged this one, may edit it."""
    if actor is not None and outcome.created_by_id == actor.id:
        return True
    return can_log(actor, outcome.meeting)


def _check_loggable(actor, now: datetime, meeting: Meeting) -> None:
    if not can_log(actor, meeting):
        if not of_own_member(actor, meeting):
            raise PermissionDenied(_("This meeting is another member organisation's: only its people log its outcomes."))
        raise PermissionDenied(_("Only the organiser, a staff participant or a lead can log this meeting's outcome."))
    if meeting.status == "cancelled":
        raise ValidationError.for_fields({"meeting_id": _("This meeting was cancelled; there is no outcome to log.")})
    if meeting.starts_at > now:
        raise ValidationError.for_fields(
            {"meeting_id": _("This meeting has not started yet; log its outcome once it has begun.")})


def _mark_held(actor, now: datetime, meeting: Meeting) -> None:
    """Logging an outcome means the meeting took place."""
    if meeting.status == "scheduled":
        mark_held(actor, now, meeting)


def _default_organisation_id(meeting: Meeting) -> int | None:
    """The meeting's organisation when it met exactly one; otherwise the caller must say."""
    orgs = meeting.organisations
    return orgs[0].id if len(orgs) == 1 else None


# ---- outcomes ----

def _new_outcome(actor, now, meeting: Meeting, values: dict) -> Outcome:
    if values.get("organisation_id") is None:
        values["organisation_id"] = _default_organisation_id(meeting)
    if values.get("recommendation_id") is None and values.get("ask_id") is None:
        values["position"] = values.get("position")  # an overall summary may still say where they stand
    elif values.get("position") is None:
        values["position"] = "not_discussed"
    outcome = Outcome(meeting_id=meeting.id, **values, created_by_id=getattr(actor, "id", None), created_at=now,
                      updated_by_id=getattr(actor, "id", None), updated_at=now)
    db.session.add(outcome)
    db.session.flush()
    record_change(actor, now, outcome, "created", {k: v for k, v in values.items() if v is not None})
    return outcome


def _new_follow_up(actor, now, outcome: Outcome, values: dict) -> FollowUp:
    status = values.pop("status", "open")
    if values.get("owner_id") is None:  # an action sent without an owner is the caller's
        values["owner_id"] = getattr(actor, "id", None)
    follow_up = FollowUp(outcome=outcome, **values, status=status, created_by_id=getattr(actor, "id", None),
                         created_at=now, updated_at=now,
                         done_at=now if status == "done" else None,
                         done_by_id=getattr(actor, "id", None) if status == "done" else None)
    db.session.add(follow_up)
    db.session.flush()
    record_change(actor, now, follow_up, "created",
                  {"description": values["description"], "owner": follow_up.owner.email,
                   "due_on": values["due_on"].isoformat(), "status": status})
    return follow_up


def _clean_follow_ups(follow_ups: Iterable[Any], errors: dict, prefix: str) -> list[dict]:
    cleaned = []
    for i, data in enumerate(follow_ups):
        if not isinstance(data, (dict, BaseModel)):
            errors[f"{prefix}{i}"] = [_("Must be an object.")]
            continue
        cleaned.append(follow_up_values(data, errors, prefix=f"{prefix}{i}."))
    return cleaned


def create_outcome(actor, now: datetime, meeting: Meeting, data: Any,
                   follow_ups: Iterable[Any] = ()) -> Outcome:
    """Log one outcome of `meeting` (`data`: an OutcomeCreate or what it validates) with follow-ups
    (FollowUpCreate each); the meeting becomes held. All or nothing."""
    _check_loggable(actor, now, meeting)
    errors: dict[str, list[str]] = {}
    values = outcome_values(data, errors)
    if values:
        check_subject(values, errors)
    follow_ups = list(follow_ups or [])
    if len(follow_ups) > MAX_FOLLOW_UPS:
        errors["follow_ups"] = [_("At most %(count)s follow-up actions at once.", count=MAX_FOLLOW_UPS)]
    cleaned = _clean_follow_ups(follow_ups[:MAX_FOLLOW_UPS], errors, "follow_ups.")
    if errors:
        raise ValidationError.for_fields(errors)
    outcome = _new_outcome(actor, now, meeting, values)
    for values in cleaned:
        _new_follow_up(actor, now, outcome, values)
    _mark_held(actor, now, meeting)
    return outcome


def log_meeting_outcomes(actor, now: datetime, meeting: Meeting, summary: str | None,
                         organisation_id: int | None, items: Iterable[dict],
                         follow_ups: Iterable[dict] = ()) -> list[Outcome]:
    """Log a meeting's outcome in one go: the overall summary, one outcome per recommendation
    discussed (position, commitment, notes; its own summary or else the overall one) and the
    follow-up actions (on the overall outcome). The meeting becomes held. All or nothing; errors
    are named `summary`, `items-<i>-<field>` and `follow_ups-<i>-<field>`."""
    _check_loggable(actor, now, meeting)
    errors: dict[str, list[str]] = {}
    overall = outcome_values({"summary": summary, "organisation_id": organisation_id}, errors, model=OutcomeLog)
    items = list(items or [])[:MAX_ITEMS]
    rows = []
    seen: set[int] = set()
    for i, item in enumerate(items):
        data = dict(item)
        if not data.get("recommendation_id"):
            continue
        if not (data.get("summary") or "").strip():
            data["summary"] = summary
        data.setdefault("organisation_id", organisation_id)
        values = outcome_values(data, errors, prefix=f"items-{i}-")
        if values:
            check_subject(values, errors, prefix=f"items-{i}-")
        rec_id = values.get("recommendation_id")
        if rec_id in seen:
            errors[f"items-{i}-recommendation_id"] = [_("This recommendation is already in the list.")]
        seen.add(rec_id)
        rows.append(values)
    cleaned = []
    for i, data in enumerate(list(follow_ups or [])[:MAX_FOLLOW_UPS]):
        if not any((str(data.get(k) or "")).strip() for k in ("description", "due_on")):
            continue  # a blank row of the form
        cleaned.append(follow_up_values(data, errors, prefix=f"follow_ups-{i}-"))
    if errors:
        raise ValidationError.for_fields(errors)
    created = [_new_outcome(actor, now, meeting, overall)]
    for values in cleaned:
        _new_follow_up(actor, now, created[0], values)
    created.extend(_new_outcome(actor, now, meeting, values) for values in rows)
    _mark_held(actor, now, meeting)
    return created


def update_outcome(actor, now: datetime, outcome: Outcome, data: Any) -> dict:
    """Change the fields sent (`data`: an OutcomeUpdate or what it validates; its follow_ups are left to
    add_follow_up and update_follow_up) of an outcome; every change is kept with who and when. Returns what changed."""
    if not can_edit(actor, outcome):
        raise PermissionDenied(_("Only whoever logged this outcome, the meeting's staff or a lead can edit it."))
    errors: dict[str, list[str]] = {}
    values = outcome_values(data, errors, partial=True)
    refuse(errors)
    if outcome.recommendation_id is not None and values.get("recommendation_id", 0) is None:
        values.pop("recommendation_id")  # an outcome on a recommendation stays on one
    if outcome.ask_id is not None and values.get("ask_id", 0) is None:
        values.pop("ask_id")  # and one on an ask on an ask
    check_subject(values, errors, outcome=outcome)
    refuse(errors)
    if (values.get("recommendation_id") or values.get("ask_id")) and "position" not in values \
            and outcome.position is None:
        values["position"] = "not_discussed"
    changed = diff_fields(outcome, values)
    if changed:
        outcome.updated_at, outcome.updated_by_id = now, getattr(actor, "id", None)
        record_change(actor, now, outcome, "updated", changed)
    return changed


def get_outcome(outcome_id, actor=None) -> Outcome:
    """The outcome with that id if `actor` may see it (and its meeting), or NotFoundError (without an
    actor: unchecked here)."""
    valid = isinstance(outcome_id, int) and 1 <= outcome_id <= MAX_ID
    if actor is not None:
        outcome = get_visible(actor, Outcome, outcome_id) if valid else None
    else:
        # A select, not session.get: in a request the access guard hides restricted outcomes from it.
        outcome = db.session.scalar(select(Outcome).where(Outcome.id == outcome_id)) if valid else None
    if outcome is None:
        raise NotFoundError(_("No outcome with id %(id)s.", id=outcome_id))
    return outcome


# ---- follow-ups ----

def add_follow_up(actor, now: datetime, outcome: Outcome, data: Any) -> FollowUp:
    """Add a follow-up action (`data`: a FollowUpCreate or what it validates) to an outcome."""
    if not can_edit(actor, outcome):
        raise PermissionDenied(_("Only whoever logged this outcome, the meeting's staff or a lead can add actions to it."))
    errors: dict[str, list[str]] = {}
    values = follow_up_values(data, errors)
    refuse(errors)
    return _new_follow_up(actor, now, outcome, values)


def _can_change_follow_up(actor, follow_up: FollowUp) -> bool:
    return actor is None or follow_up.owner_id == actor.id or can_edit(actor, follow_up.outcome)


def update_follow_up(actor, now: datetime, follow_up: FollowUp, data: Any) -> dict:
    """Change a follow-up's description, owner, due date or status (`data`: a FollowUpUpdate or what it
    validates); returns what changed."""
    if not _can_change_follow_up(actor, follow_up):
        raise PermissionDenied(_("Only its owner, whoever logged the outcome, the meeting's staff or a lead can change this."))
    errors: dict[str, list[str]] = {}
    values = follow_up_values(data, errors, partial=True)
    refuse(errors)
    status = values.pop("status", None)
    changed = diff_fields(follow_up, values)
    if "owner_id" in changed:
        old = db.session.get(User, changed["owner_id"][0])
        changed["owner"] = [old.email if old else None, follow_up.owner.email if follow_up.owner else None]
        del changed["owner_id"]
    if status is not None and status != follow_up.status:
        changed["status"] = [follow_up.status, status]
        _set_status(actor, now, follow_up, status)
    if changed:
        follow_up.updated_at = now
        record_change(actor, now, follow_up, "updated", changed)
    return changed


def _set_status(actor, now, follow_up: FollowUp, status: str) -> None:
    follow_up.status = status
    if status == "done":
        follow_up.done_at, follow_up.done_by_id = now, getattr(actor, "id", None)
    else:
        follow_up.done_at, follow_up.done_by_id = None, None


def set_follow_up_status(actor, now: datetime, follow_up: FollowUp, status: str) -> bool:
    """Mark a follow-up done, open again or cancelled; returns whether it changed."""
    return bool(update_follow_up(actor, now, follow_up, {"status": status}))


def get_follow_up(follow_up_id, actor=None) -> FollowUp:
    """The follow-up with that id if `actor` may see its outcome, or NotFoundError (without an actor:
    unchecked here)."""
    # Joined to its outcome: a follow-up is seen with its outcome (and the access guard, without an actor).
    query = select(FollowUp).join(FollowUp.outcome).where(FollowUp.id == follow_up_id)
    if actor is not None:
        query = only_visible(actor, query, Outcome)
    row = db.session.scalar(query) if isinstance(follow_up_id, int) and 1 <= follow_up_id <= MAX_ID else None
    if row is None:
        raise NotFoundError(_("No follow-up action with id %(id)s.", id=follow_up_id))
    return row


EVERYONE = object()  # the scheduler's view: every follow-up, whoever may read it


def visible_follow_ups(actor):
    """A SQL condition on FollowUp: actions on outcomes the actor may see (so never one of a restricted
    outcome, or of an outcome of a restricted meeting, they may not see)."""
    if actor is EVERYONE:
        return true()
    # EXISTS, not "outcome_id IN (the visible outcomes)": SQLite built that list from every outcome
    # (40 ms at 100,000) before reading the few follow-ups asked for; this looks up each one's outcome.
    seen = aliased(Outcome)
    return exists().where(seen.id == FollowUp.outcome_id, visible(actor, seen))


def _marked(actor, query):
    # Filtered here through `visible_follow_ups`: the request guard need not look again.
    return query if actor is EVERYONE else query.execution_options(**VISIBILITY_APPLIED)


def follow_up_query(today: date, owner_id: int | None = None, state: str | None = "open", actor=EVERYONE):
    """A select() of the follow-ups `actor` may see: `state` open (overdue first, then by due date),
    overdue, done, cancelled, or None for all; each with its outcome, meeting and owner loaded."""
    # The outcome joined here is the one whose visibility decides (visible_follow_ups without a join):
    # filtering the join lets both databases start from the follow-ups asked for.
    seen = true() if actor is EVERYONE else visible(actor, Outcome)
    query = (select(FollowUp).join(FollowUp.outcome).join(Outcome.meeting).where(seen)
             .options(joinedload(FollowUp.owner), joinedload(FollowUp.outcome).joinedload(Outcome.meeting),
                      joinedload(FollowUp.outcome).joinedload(Outcome.organisation),
                      joinedload(FollowUp.outcome).joinedload(Outcome.recommendation)))
    query = _marked(actor, query)
    if owner_id is not None:
        query = query.where(FollowUp.owner_id == owner_id)
    if state == "overdue":
        query = query.where(FollowUp.status == "open", FollowUp.due_on < today)
    elif state:
        query = query.where(FollowUp.status == state)
    if state in ("done", "cancelled"):
        return query.order_by(FollowUp.due_on.desc(), FollowUp.id.desc())
    # Overdue first is due-date order already: every overdue action is due before every other.
    return query.order_by(FollowUp.due_on, FollowUp.id)


def follow_ups_due_on(day: date, owner_id: int | None = None) -> list[FollowUp]:
    """Open follow-ups due on `day` (for the morning reminder and the digest), by owner then id."""
    query = select(FollowUp).options(joinedload(FollowUp.owner)).where(FollowUp.status == "open",
                                                                        FollowUp.due_on == day)
    if owner_id is not None:
        query = query.where(FollowUp.owner_id == owner_id)
    return list(db.session.scalars(query.order_by(FollowUp.owner_id, FollowUp.id)))


def overdue_follow_ups(today: date, owner_id: int | None = None) -> list[FollowUp]:
    """Open follow-ups due before `today`, oldest first (for the overdue reminder and the dashboard)."""
    return list(db.session.scalars(follow_up_query(today, owner_id, "overdue")))


def follow_up_counts(actor, today: date) -> dict[str, int]:
    """How many follow-ups the actor may see are open, overdue and due today."""
    row = db.session.execute(_marked(actor, select(
        func.count().filter(FollowUp.status == "open"),
        func.count().filter(and_(FollowUp.status == "open", FollowUp.due_on < today)),
        func.count().filter(and_(FollowUp.status == "open", FollowUp.due_on == today)),
    ).select_from(FollowUp).where(visible_follow_ups(actor)))).one()
    return {"open": row[0], "overdue": row[1], "due_today": row[2]}


# ---- what other pages show ----

def _loaded(query):
    # The ask's own lists (themes, targets…) are not shown beside an outcome: not loaded.
    return query.options(joinedload(Outcome.meeting), joinedload(Outcome.recommendation),
                         joinedload(Outcome.ask).lazyload("*"),
                         joinedload(Outcome.organisation), joinedload(Outcome.created_by),
                         selectinload(Outcome.follow_ups).joinedload(FollowUp.owner))


def _for(actor, query):
    # With an actor: only the outcomes (and so meetings) they may see, marked as filtered here.
    return only_visible(actor, query, Outcome) if actor is not None else query


def outcomes_for_meeting(meeting_id: int, actor=None) -> list[Outcome]:
    """A meeting's outcomes (that `actor` may see): the overall summary first, then by recommendation
    reference, then those on asks."""
    return list(db.session.scalars(_loaded(_for(actor,
        select(Outcome).outerjoin(Outcome.recommendation).where(Outcome.meeting_id == meeting_id)
        .order_by(Outcome.ask_id.is_not(None), Outcome.recommendation_id.is_not(None), Recommendation.reference_sort,
                  Outcome.id)))).unique())


def outcomes_for_organisation(organisation_id: int, limit: int | None = 100, actor=None) -> list[Outcome]:
    """Outcomes recorded for an organisation, or of meetings its people attended when no organisation
    was recorded; newest meeting first; with `actor`, only what they may see (contacts included)."""
    met = exists().where(Attendee.meeting_id == Outcome.meeting_id, Attendee.contact_id == Contact.id,
                         Contact.organisation_id == organisation_id)
    if actor is not None:
        met = met.where(visible(actor, Contact))
    query = (select(Outcome).join(Outcome.meeting)
             .where(or_(Outcome.organisation_id == organisation_id, and_(Outcome.organisation_id.is_(None), met)))
             .order_by(Meeting.starts_at.desc(), Outcome.id))
    return list(db.session.scalars(_loaded(_for(actor, query.limit(limit) if limit else query))).unique())


def outcomes_for_contact(contact_id: int, limit: int | None = 100, actor=None) -> list[Outcome]:
    """Outcomes of the meetings a contact attended, newest meeting first (that `actor` may see)."""
    query = (select(Outcome).join(Outcome.meeting)
             .where(Outcome.meeting_id.in_(select(Attendee.meeting_id).where(Attendee.contact_id == contact_id)))
             .order_by(Meeting.starts_at.desc(), Outcome.id))
    return list(db.session.scalars(_loaded(_for(actor, query.limit(limit) if limit else query))).unique())


def position_timeline(recommendation_id: int, actor=None) -> list[Outcome]:
    """A recommendation's positions over time (that `actor` may see): its outcomes, oldest meeting first."""
    return list(db.session.scalars(_loaded(_for(actor,
        select(Outcome).join(Outcome.meeting).where(Outcome.recommendation_id == recommendation_id)
        .order_by(Meeting.starts_at, Outcome.id)))).unique())


def ask_timeline(ask_id: int, actor=None) -> list[Outcome]:
    """What states said of one of the coalition's asks over time (that `actor` may see): its
    outcomes with their positions, proposed wordings and follow-ups, oldest meeting first."""
    return list(db.session.scalars(_loaded(_for(actor,
        select(Outcome).join(Outcome.meeting).where(Outcome.ask_id == ask_id)
        .order_by(Meeting.starts_at, Outcome.id)))).unique())


@dataclass(frozen=True)
class LastPosition:
    """The latest position recorded on any of a state's (or a meeting's) recommendations."""

    position: str
    meeting_id: int
    starts_at: datetime
    recommendation_id: int
    organisation_id: int | None
    outcome_id: int

    @property
    def label(self) -> str:
        return POSITIONS.get(self.position, self.position)


def _last_positions(where, key, by_state: bool = False) -> dict:
    """{key: LastPosition} of the newest outcome (by meeting start, then id) per key, in one query;
    `by_state`: the key is a recommending state, reached through each recommendation's states."""
    ranked = (select(Outcome.id.label("outcome_id"), Outcome.position, Outcome.meeting_id, Meeting.starts_at,
                     Outcome.recommendation_id, Outcome.organisation_id, key.label("key"),
                     func.row_number().over(partition_by=key,
                                            order_by=(Meeting.starts_at.desc(), Outcome.id.desc())).label("rank"))
              .join(Meeting, Meeting.id == Outcome.meeting_id)
              .join(Recommendation, Recommendation.id == Outcome.recommendation_id)
              .where(Outcome.position.is_not(None), Outcome.position != "not_discussed", *where))
    if by_state:
        ranked = ranked.join(RecommendationState, RecommendationState.recommendation_id == Recommendation.id)
    ranked = ranked.subquery()
    rows = db.session.execute(select(ranked).where(ranked.c.rank == 1)).all()
    return {r.key: LastPosition(position=r.position, meeting_id=r.meeting_id, starts_at=r.starts_at,
                                recommendation_id=r.recommendation_id, organisation_id=r.organisation_id,
                                outcome_id=r.outcome_id) for r in rows}


def last_positions_by_state(states: Iterable[str] | None = None, cycle: int | None = None) -> dict[str, LastPosition]:
    """{state code: the latest position discussed on any of its recommendations (joint ones included)},
    one query for all states (outcomes marked "not discussed" are skipped)."""
    where = []
    if states is not None:
        where.append(RecommendationState.state.in_(list(states)))
    if cycle is not None:
        where.append(Recommendation.cycle == cycle)
    return _last_positions(where, RecommendationState.state, by_state=True)


def last_position_for_state(state_code: str, cycle: int | None = None) -> LastPosition | None:
    """The latest position discussed on any of `state_code`'s recommendations (optionally one UPR cycle)."""
    return last_positions_by_state([state_code.upper()], cycle).get(state_code.upper())


def position_at_meeting(meeting_id: int, organisation_id: int | None = None, actor=None) -> str | None:
    """The positions recorded at a meeting (for one organisation when given) in words, e.g.
    "Supportive (2), Undecided (1)"; None when nothing was logged (that `actor` may see)."""
    query = select(Outcome.position, func.count()).where(Outcome.meeting_id == meeting_id,
                                                         Outcome.position.is_not(None))
    if organisation_id is not None:
        query = query.where(Outcome.organisation_id == organisation_id)
    counts = dict(db.session.execute(_for(actor, query.group_by(Outcome.position))).all())
    if not counts:
        return None
    return ", ".join(f"{_(label)} ({counts[key]})" for key, label in POSITIONS.items() if key in counts)


@dataclass(frozen=True, slots=True)
class AwaitingMeeting:
    """A meeting awaiting its outcome, as the engagement log names it."""

    id: int
    title: str
    starts_at: datetime
    timezone: str


def meetings_awaiting_outcome(now: datetime, staff_id: int | None = None, days: int = 60,
                              limit: int = 10, actor=None) -> list[AwaitingMeeting]:
    """Meetings that started in the last `days` days (not cancelled) with no outcome logged yet, newest
    first; with `staff_id`, only those that person organised or attended; with `actor`, only meetings
    they may see, and only the outcomes they may see count as logged. Their title, time and zone only:
    loading the records (descriptions sealed when restricted) cost more than the rest of the box."""
    key = (staff_id, limit, visibility_key(actor) if actor is not None else None)
    query = _AWAITING.get(key, lambda: _awaiting_query(staff_id, limit, actor))
    # Filtered for `actor` already: run on the session's connection, as engagement_log_page does.
    run = db.session.connection().execute if actor is not None else db.session.execute
    rows = run(query, {"awaiting_since": now - timedelta(days=days), "awaiting_until": now}).all()
    # What loading the records would have noted for the restricted-view audit after the response.
    guard.note_loaded("meeting", [row.id for row in rows if row.sensitivity == "restricted"])
    return [AwaitingMeeting(mid, title, starts_at, zone) for mid, title, starts_at, zone, _ in rows]


_AWAITING = KeptStatements(64)


def _awaiting_query(staff_id: int | None, limit: int, actor):
    # The period as parameters, so that the statement is kept (engage.statements.KeptStatements) across requests.
    logged = exists().where(Outcome.meeting_id == Meeting.id)
    if actor is not None:
        logged = logged.where(visible(actor, Outcome))
    query = (select(Meeting.id, Meeting.title, Meeting.starts_at, Meeting.timezone, Meeting.sensitivity)
             .where(Meeting.starts_at <= bindparam("awaiting_until"), Meeting.starts_at >= bindparam("awaiting_since"),
                    Meeting.status != "cancelled", ~logged)
             .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(limit))
    if actor is not None:
        query = only_visible(actor, query, Meeting)
    if staff_id is not None:
        query = query.where(or_(Meeting.organiser_id == staff_id, Meeting.id.in_(
            select(Attendee.meeting_id).where(Attendee.user_id == staff_id))))
    return query
