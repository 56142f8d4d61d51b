"""Cycles: add and change them and their milestones, plan milestone reminders, pick the cycle a page
shows, and say who was engaged in it.

"Engaged in a cycle" is outcomes.engaged over the cycle's engagement window (docs/architecture.md,
"One definition per idea"); every page that counts engagement takes its window from here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import lazyload, selectinload

from engage.access.services import only_visible
from engage.clock import EARLIEST_DAY, LATEST_DAY, NAIROBI, format_date, start_of_day
from engage.errors import ConflictError, NotFoundError, PermissionDenied
from engage.extensions import db
from engage.history import record_change
from engage.i18n import N_, Phrase, page_clock
from engage.asks.models import Ask
from engage.asks.services import ask_query
from engage.meetings.models import Meeting, meeting_ask
from engage.outcomes.engaged import engaged_states
from engage.recommendations.models import Recommendation
from engage.schemas import check, refuse

from .models import DEFAULT_REMINDER_DAYS, Cycle, Milestone, MilestoneReminder
from .schemas import CycleCreate, CycleUpdate, MilestoneCreate, MilestoneUpdate

TIMELINE_MEETINGS = 200  # meetings shown on a cycle's timeline; the meetings list has the rest
MILESTONE_FIELDS = ("kind", "title", "due_on", "hrc_session", "note", "reminder_days")


# ---- reading ----

def all_cycles() -> list[Cycle]:
    """Every cycle, newest first, with its milestones (two statements)."""
    return list(db.session.scalars(select(Cycle).options(selectinload(Cycle.milestones))
                                   .order_by(Cycle.number.desc())))


def get_cycle(number: int) -> Cycle:
    """The cycle with that number, or NotFoundError."""
    cycle = db.session.scalar(select(Cycle).where(Cycle.number == number).options(selectinload(Cycle.milestones)))
    if cycle is None:
        raise NotFoundError(f"No cycle {number}.")
    return cycle


def get_milestone(cycle: Cycle, milestone_id: int) -> Milestone:
    """That milestone of the cycle, or NotFoundError."""
    found = next((m for m in cycle.milestones if m.id == milestone_id), None)
    if found is None:
        raise NotFoundError(f"Cycle {cycle.number} has no milestone {milestone_id}.")
    return found


def today_in_nairobi(now: datetime) -> date:
    return now.astimezone(ZoneInfo(NAIROBI)).date()


def current_cycle(now: datetime, cycles: list[Cycle] | None = None) -> Cycle | None:
    """The cycle whose engagement window holds today (Nairobi), else the latest whose window has begun
    (a cycle planned ahead does not empty every page before it starts), else the latest; None without cycles."""
    cycles = all_cycles() if cycles is None else cycles
    today = today_in_nairobi(now)
    for candidates in ([c for c in cycles if c.contains(today)],
                       [c for c in cycles if c.starts_on is not None and c.starts_on <= today], cycles):
        if candidates:
            return max(candidates, key=lambda c: c.number)
    return None


def chosen_cycle(number: int | None, now: datetime) -> Cycle | None:
    """The cycle a page or the API asked for by number (NotFoundError if there is none), or the current one."""
    return get_cycle(number) if number is not None else current_cycle(now)


@dataclass(frozen=True)
class Window:
    """The engagement window of a cycle as the queries take it (`since`, `until`; None: still open)."""

    number: int | None
    since: date | None
    until: date | None

    @property
    def counts_from(self) -> date:
        """`since` for the queries: a cycle without a window counts nobody (its window starts never)."""
        return self.since if self.since is not None else LATEST_DAY

    @property
    def label(self) -> str:
        """'cycle 4 (1 May 2024 to 8 Sep 2025)': what a page names."""
        if self.number is None:
            return "all meetings (no UPR cycle recorded yet)"
        if self.since is None:
            return f"cycle {self.number} (no engagement window yet: give its Working Group review date)"
        until = format_date(self.until) if self.until else "its adoption at the Council (date not set)"
        return f"cycle {self.number} ({format_date(self.since)} to {until})"

    @property
    def shown_label(self) -> str:
        """`label` in the page's language: 'cycle 4 (1 May 2024 to 8 Sep 2025)', 'cycle 4 (1 mai 2024 au …)'."""
        if self.number is None:
            return _("all meetings (no UPR cycle recorded yet)")
        if self.since is None:
            return _("cycle %(number)s (no engagement window yet: give its Working Group review date)",
                     number=self.number)
        if self.until is None:
            return _("cycle %(number)s (%(start)s to its adoption at the Council (date not set))", number=self.number,
                     start=page_clock.format_date(self.since))
        return _("cycle %(number)s (%(start)s to %(end)s)", number=self.number, start=page_clock.format_date(self.since),
                 end=page_clock.format_date(self.until))


def window_of(cycle: Cycle | None) -> Window:
    """The cycle's engagement window. Without any cycle recorded, every meeting counts (a new
    installation before its cycles are entered); a cycle without a window counts none."""
    if cycle is None:
        return Window(None, EARLIEST_DAY, None)
    return Window(cycle.number, cycle.starts_on, cycle.ends_on if cycle.starts_on else None)


def engagement_window(now: datetime, number: int | None = None) -> Window:
    """The window of cycle `number` (NotFoundError if there is none), or of the current cycle."""
    return window_of(chosen_cycle(number, now))


def engaged_in(window: Window, now: datetime, actor=None) -> set[str]:
    """The states engaged in the window's cycle (outcomes.engaged, the one definition); none without a window."""
    if window.since is None:
        return set()
    return engaged_states(window.since, now, window.until, actor)


def standing(cycle: Cycle, now: datetime, actor=None) -> tuple[list[str], list[str]]:
    """(states with recommendations met in the cycle, those not yet met), each sorted by code."""
    states = set(db.session.scalars(select(Recommendation.recommending_state).distinct()))
    met = engaged_in(window_of(cycle), now, actor) & states
    return sorted(met), sorted(states - met)


def next_milestone(cycle: Cycle, now: datetime) -> Milestone | None:
    """The first milestone from today on."""
    today = today_in_nairobi(now)
    return next((m for m in cycle.milestones if m.due_on >= today), None)


def cycle_meetings(cycle: Cycle, actor, limit: int = TIMELINE_MEETINGS) -> list[Meeting]:
    """The meetings in the cycle's window that the actor may see, not cancelled, in order (one statement)."""
    window = window_of(cycle)
    if window.since is None:
        return []
    query = select(Meeting).where(Meeting.status != "cancelled",
                                  Meeting.starts_at >= start_of_day(window.since, NAIROBI))
    if window.until is not None:
        query = query.where(Meeting.starts_at < start_of_day(window.until + timedelta(days=1), NAIROBI))
    if actor is not None:
        query = only_visible(actor, query, Meeting)
    return list(db.session.scalars(query.order_by(Meeting.starts_at, Meeting.id).limit(limit)))


@dataclass(frozen=True)
class CycleAsk:
    """One of the cycle's asks, and whether it has been pitched: on the agenda of a meeting (that the
    reader may see) not cancelled and already begun."""

    ask: Ask
    pitched: bool


def cycle_asks(cycle: Cycle, now: datetime, actor) -> list[CycleAsk]:
    """The cycle's asks (high priority first), each with whether it was pitched (two statements)."""
    asks = list(db.session.scalars(ask_query(cycle=cycle.number).options(lazyload("*"))))
    if not asks:
        return []
    pitched = (select(meeting_ask.c.ask_id).join(Meeting, Meeting.id == meeting_ask.c.meeting_id)
               .where(meeting_ask.c.ask_id.in_([a.id for a in asks]), Meeting.status != "cancelled",
                      Meeting.starts_at <= now).distinct())
    if actor is not None:
        pitched = only_visible(actor, pitched, Meeting)
    seen = set(db.session.scalars(pitched))
    return [CycleAsk(a, a.id in seen) for a in asks]


def upcoming_milestones(now: datetime, within: timedelta) -> list[Milestone]:
    """Milestones of any cycle from today (Nairobi) to `within` ahead, soonest first."""
    today = today_in_nairobi(now)
    return list(db.session.scalars(
        select(Milestone).where(Milestone.due_on >= today, Milestone.due_on <= today + within)
        .options(selectinload(Milestone.cycle)).order_by(Milestone.due_on, Milestone.id)))


# ---- writing ----

def _may_plan(actor) -> None:
    # Cycles are UPR administration, the leads' as the recommendations catalogue is; None: the CLI.
    if actor is not None and not actor.has_role("lead"):
        raise PermissionDenied("Cycles and their milestones are kept by leads and admins.")


def _check_milestone(values: dict, where: str = "") -> None:
    refuse({f"{where}{name}": N_("This is required.") for name in ("kind", "due_on") if values.get(name) is None})
    if values.get("kind") == "own" and not values.get("title"):
        refuse({f"{where}title": N_("Give your milestone a title, e.g. “coalition report final”.")})


def _check_window(cycle: Cycle) -> None:
    start, end = cycle.starts_on, cycle.ends_on
    if start is not None and end is not None and end < start:
        field = "window_ends_on" if cycle.window_ends_on is not None else "window_starts_on"
        refuse({field: Phrase(N_("The engagement window must end on or after it starts (%(start)s)."), start=start.isoformat())})


def _milestone_values(body, sent=None) -> dict:
    sent = body.model_fields_set if sent is None else sent
    values = {name: getattr(body, name) for name in MILESTONE_FIELDS if name in sent}
    if "reminder_days" in values and values["reminder_days"] is None:
        values["reminder_days"] = list(DEFAULT_REMINDER_DAYS)
    return values


def _new_milestone(cycle: Cycle, values: dict, now: datetime) -> Milestone:
    milestone = Milestone(created_at=now, updated_at=now, **{"reminder_days": list(DEFAULT_REMINDER_DAYS), **values})
    cycle.milestones.append(milestone)  # saved with its cycle (a new cycle is added once it is checked)
    return milestone


def _as_saved(milestone: Milestone, values: dict) -> dict:
    """The milestone's kind, title and date as they will be once `values` are written (for the checks)."""
    return {"kind": milestone.kind, "title": milestone.title, "due_on": milestone.due_on, **values}


def _followed_state() -> str:
    return current_app.config["ENGAGE_STATE_UNDER_REVIEW"] if has_app_context() else "KE"


def create_cycle(actor, now: datetime, data) -> Cycle:
    """Add a cycle with its milestones (`data`: a CycleCreate or what it validates); refuses a number in use."""
    _may_plan(actor)
    body = check(CycleCreate, data)
    if db.session.scalar(select(Cycle.id).where(Cycle.number == body.number)):
        raise ConflictError(f"Cycle {body.number} already exists.", {"number": [N_("A cycle with this number exists.")]})
    state = body.state_under_review or _followed_state()
    cycle = Cycle(number=body.number, wg_session=body.wg_session, state_under_review=state,
                  window_starts_on=body.window_starts_on, window_ends_on=body.window_ends_on,
                  created_at=now, updated_at=now)
    for index, item in enumerate(body.milestones):
        if item.id is not None:
            refuse({f"milestones.{index}.id": "A new cycle's milestones are new: leave out their id."})
        values = _milestone_values(item, item.model_fields_set | {"kind", "due_on"})
        _check_milestone(values, f"milestones.{index}.")
        _new_milestone(cycle, values, now)
    _check_window(cycle)
    db.session.add(cycle)  # only now: a refused cycle never reaches the session
    db.session.flush()
    db.session.expire(cycle, ["milestones"])  # read back in date order
    for milestone in cycle.milestones:
        plan_milestone_reminders(milestone, now)
    record_change(actor, now, cycle, "created", {"number": [None, cycle.number]})
    return cycle


def update_cycle(actor, now: datetime, cycle: Cycle, data) -> bool:
    """Change a cycle (`data`: a CycleUpdate); `milestones`, when sent, is the whole list. True if anything changed."""
    _may_plan(actor)
    body = check(CycleUpdate, data)
    sent = body.model_fields_set
    changes = {}
    for name in ("wg_session", "state_under_review", "window_starts_on", "window_ends_on"):
        if name in sent:
            value = getattr(body, name)
            if name == "state_under_review" and value is None:
                value = _followed_state()  # blank: the state engage follows, as when the cycle was made
            if getattr(cycle, name) != value:
                changes[name] = [getattr(cycle, name), value]
                setattr(cycle, name, value)
    if "milestones" in sent:
        changes.update(_replace_milestones(cycle, body.milestones or [], now))
    _check_window(cycle)
    if changes:
        cycle.updated_at = now
        db.session.flush()
        db.session.expire(cycle, ["milestones"])  # read back in date order
        for milestone in cycle.milestones:
            plan_milestone_reminders(milestone, now)
        record_change(actor, now, cycle, "updated", changes)
    return bool(changes)


def _replace_milestones(cycle: Cycle, items: list, now: datetime) -> dict:
    """Make the cycle's milestones those of `items` (by id: changed; without: new; left out: removed)."""
    by_id = {m.id: m for m in cycle.milestones}
    kept, changed = set(), {}
    for index, item in enumerate(items):
        values = _milestone_values(item)
        if item.id is None:
            values = _milestone_values(item, item.model_fields_set | {"kind", "due_on"})
            _check_milestone(values, f"milestones.{index}.")
            _new_milestone(cycle, values, now)
            changed[f"milestone {values.get('kind')}"] = [None, values["due_on"]]
            continue
        milestone = by_id.get(item.id)
        if milestone is None:
            refuse({f"milestones.{index}.id": f"Cycle {cycle.number} has no milestone {item.id}."})
        kept.add(item.id)
        _check_milestone(_as_saved(milestone, values), f"milestones.{index}.")
        for name, value in values.items():
            if getattr(milestone, name) != value:
                changed[f"milestone {milestone.id} {name}"] = [getattr(milestone, name), value]
                setattr(milestone, name, value)
                milestone.updated_at = now
    for milestone_id, milestone in by_id.items():
        if milestone_id not in kept:
            changed[f"milestone {milestone_id}"] = [milestone.due_on, None]
            cycle.milestones.remove(milestone)
    return changed


def add_milestone(actor, now: datetime, cycle: Cycle, data) -> Milestone:
    """Add one milestone to a cycle (`data`: a MilestoneCreate)."""
    _may_plan(actor)
    body = check(MilestoneCreate, data)
    values = _milestone_values(body, body.model_fields_set | {"kind", "due_on"})
    _check_milestone(values)
    milestone = _new_milestone(cycle, values, now)
    _check_window(cycle)
    cycle.updated_at = now
    db.session.flush()
    db.session.expire(cycle, ["milestones"])  # read back in date order
    plan_milestone_reminders(milestone, now)
    record_change(actor, now, cycle, "milestone added", {milestone.name: [None, milestone.due_on]})
    return milestone


def update_milestone(actor, now: datetime, milestone: Milestone, data) -> bool:
    """Change a milestone (`data`: a MilestoneUpdate); its reminders follow a new date. True if anything changed."""
    _may_plan(actor)
    body = check(MilestoneUpdate, data)
    values = _milestone_values(body)
    _check_milestone(_as_saved(milestone, values))
    changes = {name: [getattr(milestone, name), value] for name, value in values.items()
               if getattr(milestone, name) != value}
    for name, (_old, new) in changes.items():
        setattr(milestone, name, new)
    _check_window(milestone.cycle)
    if changes:
        milestone.updated_at = milestone.cycle.updated_at = now
        db.session.flush()
        plan_milestone_reminders(milestone, now)
        record_change(actor, now, milestone.cycle, "milestone changed", changes)
    return bool(changes)


def delete_milestone(actor, now: datetime, milestone: Milestone) -> None:
    """Remove a milestone (its reminders go with it)."""
    _may_plan(actor)
    cycle = milestone.cycle
    record_change(actor, now, cycle, "milestone removed", {milestone.name: [milestone.due_on, None]})
    cycle.milestones.remove(milestone)
    cycle.updated_at = now
    _check_window(cycle)
    db.session.flush()


# ---- milestone reminders ----

def reminder_due_at(day: date) -> datetime:
    """When a reminder for `day` goes out: the digest's hour on that day, in the digest's zone."""
    config = current_app.config if has_app_context() else {}
    zone = ZoneInfo(config.get("ENGAGE_DIGEST_TIMEZONE") or NAIROBI)
    at = time.fromisoformat(config.get("ENGAGE_DIGEST_AT") or "07:00")
    return datetime.combine(day, at, tzinfo=zone)


def plan_milestone_reminders(milestone: Milestone, now: datetime) -> None:
    """Bring the milestone's reminder rows in line with its date and lead times: those still ahead are
    pending (again, when the date moved); a lead time removed, or one whose time has passed, is not sent."""
    existing = {r.lead_days: r for r in db.session.scalars(
        select(MilestoneReminder).where(MilestoneReminder.milestone_id == milestone.id))}
    wanted = {}
    for lead, day in milestone.reminders_on():
        wanted[lead] = reminder_due_at(day)
    for lead, due in wanted.items():
        row = existing.get(lead)
        if row is None:
            if due > now:  # never a reminder for a time already gone
                db.session.add(MilestoneReminder(milestone_id=milestone.id, lead_days=lead, due_at=due,
                                                 status="pending", created_at=now))
        elif row.due_at != due:
            if due > now:
                row.due_at, row.status, row.sent_at, row.claimed_by, row.lease_until = due, "pending", None, None, None
                row.note = "moved with the milestone"
            elif row.status in ("pending", "claimed"):
                row.status, row.note, row.claimed_by, row.lease_until = "cancelled", "the new time had passed", None, None
        elif row.status == "cancelled" and due > now:
            row.status, row.note = "pending", "planned again"
    for lead, row in existing.items():
        if lead not in wanted and row.status in ("pending", "claimed"):
            row.status, row.note, row.claimed_by, row.lease_until = "cancelled", "lead time removed", None, None
    db.session.flush()
