"""The engagement log: its filters, its query (what a reader may see), its pages and its export rows.

Outcomes' log page and API list it; reports export it. Every page issues a fixed number of SQL
statements whatever the number of rows shown: related rows load in the same statement or one more.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterator, Mapping
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import (BigInteger, Integer, and_, bindparam, exists, func, literal_column, null, or_, select,
                        true, union_all)
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from engage.access import guard
from engage.asks.models import Ask
from engage.access.services import VISIBILITY_APPLIED, only_visible, visibility_key, visible
from engage.auth.models import User
from engage.clock import DAY_RANGE_PROBLEM, NAIROBI, day_in_range, start_of_day, timezone_for_city
from engage.countries import country_code, country_name
from engage.directory.models import Contact, Organisation
from engage.errors import ValidationError
from engage.extensions import db
from engage.i18n import N_
from engage.members.services import coalition_mode, member_arg, short_names
from engage.meetings.models import Attendee, Meeting
from engage.recommendations.models import (MAX_CYCLE, Recommendation, RecommendationState, Theme,
                                          recommendation_theme, shown_reference)

from .models import ASK_POSITIONS, POSITIONS, FollowUp, FollowUpState, Outcome
from engage.statements import KeptStatements

MAX_ID = 2**31 - 1
SEARCH_TERMS_MAX = 8
# The sorts' words, in English here (the API lists the keys); the page translates them.
LOG_SORTS = {
    "-date": N_("Meeting date, newest first"),
    "date": N_("Meeting date, oldest first"),
    "organisation": N_("Organisation"),
    "recommendation": N_("Recommendation"),
    "position": N_("Position"),
    "-logged": N_("Logged, newest first"),
}


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in Nairobi, the organisation's home."""
    return start_of_day(day, NAIROBI)


# ---- the engagement log ----

@dataclass
class LogFilters:
    """What the engagement log is narrowed to; every field optional."""

    date_from: date | None = None
    date_to: date | None = None
    cycle: int | None = None
    theme: str | None = None
    theme_id: int | None = None
    recommendation_id: int | None = None
    state: str | None = None
    organisation_id: int | None = None
    organisation: str | None = None      # name contains
    reference: str | None = None         # recommendation reference, e.g. 142.15
    contact_id: int | None = None
    meeting_id: int | None = None
    city: str | None = None
    staff_id: int | None = None
    position: str | None = None
    commitment: bool | None = None
    q: str | None = None
    member_id: int | None = None         # in a coalition: one member organisation's outcomes (of those seen)
    sort: str = "-date"

    def as_args(self) -> dict[str, Any]:
        """The filters as query-string arguments (for links and exports), empty ones left out."""
        names = {"date_from": "from", "date_to": "to", "member_id": "member"}
        out = {}
        for key, value in vars(self).items():  # its fields, all plain values
            if key == "theme_id" or value in (None, "") or (key == "sort" and value == "-date"):
                continue
            if isinstance(value, bool):
                value = "yes" if value else "no"
            elif isinstance(value, date):
                value = value.isoformat()
            out[names.get(key, key)] = value
        return out

    @property
    def active(self) -> bool:
        return any(v not in (None, "") for k, v in vars(self).items() if k not in ("sort", "theme_id"))


def _arg(args: Mapping, errors: dict[str, list[str]], name: str) -> str | None:
    value = args.get(name)
    if value is None:
        return None
    value = str(value).strip()
    if "\x00" in value:
        # Refused here, for every filter: no database takes it as text (PostgreSQL answered 409).
        errors[name] = [_("Contains a NUL character.")]
        return None
    return value or None


def parse_log_filters(args: Mapping, member_key: str = "member") -> LogFilters:
    """LogFilters from query-string arguments; a ValidationError names every bad one. A coalition's
    member organisation is `?member=` on pages and exports (`member_key`: the API's `member_id`)."""
    errors: dict[str, list[str]] = {}
    f = LogFilters()

    def whole(name, low=1, high=MAX_ID):
        raw = _arg(args, errors, name)
        if raw is None:
            return None
        try:
            value = int(raw)
        except ValueError:
            errors[name] = [_("Must be a whole number, got %(value)s.", value=repr(raw[:40]))]
            return None
        if not low <= value <= high:
            errors[name] = [_("Must be between %(low)s and %(high)s.", low=low, high=high)]
            return None
        return value

    def day(name):
        raw = _arg(args, errors, name)
        if raw is None:
            return None
        try:
            if "T" in raw or " " in raw:
                value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
                if value.tzinfo is None:
                    errors[name] = [_("A time needs its offset (e.g. +03:00); or give a date, YYYY-MM-DD.")]
                    return None
            else:
                value = date.fromisoformat(raw)
        except ValueError:
            errors[name] = [_("Not a date; write it as YYYY-MM-DD (got %(value)s).", value=repr(raw[:40]))]
            return None
        if not day_in_range(value):
            errors[name] = [DAY_RANGE_PROBLEM]
            return None
        return value.astimezone(ZoneInfo(NAIROBI)).date() if isinstance(value, datetime) else value

    f.date_from, f.date_to = day("from"), day("to")
    if f.date_from and f.date_to and f.date_to < f.date_from:
        errors["to"] = [_("Must not be before the 'from' date.")]
    f.cycle = whole("cycle", 1, MAX_CYCLE)
    for name in ("recommendation_id", "organisation_id", "contact_id", "meeting_id", "staff_id"):
        setattr(f, name, whole(name))
    theme = _arg(args, errors, "theme")
    if theme:
        row = db.session.execute(select(Theme.id, Theme.name).where(func.lower(Theme.name) == theme.lower()[:200])).first()
        if row is None:
            errors["theme"] = [_("No theme called %(name)s.", name=repr(theme[:60]))]
        else:
            f.theme_id, f.theme = row
    state = _arg(args, errors, "state")
    if state:
        code = country_code(state)
        if code is None:
            errors["state"] = [_("Unknown state %(state)s; use an ISO code such as DE or a country name.", state=repr(state[:60]))]
        f.state = code
    for name, limit in (("organisation", 200), ("reference", 40)):
        value = _arg(args, errors, name)
        if value:
            setattr(f, name, value[:limit])
    f.city = _arg(args, errors, "city")
    if f.city:
        f.city = f.city[:100]
    position = _arg(args, errors, "position")
    if position:
        if position not in POSITIONS and position not in ASK_POSITIONS:
            errors["position"] = [_("Choose one of: %(choices)s.", choices=", ".join({**POSITIONS, **ASK_POSITIONS}))]
        else:
            f.position = position
    commitment = _arg(args, errors, "commitment")
    if commitment:
        if commitment.lower() in ("yes", "true", "1"):
            f.commitment = True
        elif commitment.lower() in ("no", "false", "0"):
            f.commitment = False
        else:
            errors["commitment"] = [_("Must be yes or no.")]
    q = _arg(args, errors, "q")
    if q:
        f.q = q[:200]
    try:
        f.member_id = member_arg(_arg(args, errors, member_key), member_key)
    except ValidationError as exc:
        errors.update({name: [_(m) for m in messages] for name, messages in exc.fields.items()})
    sort = _arg(args, errors, "sort") or "-date"
    if sort not in LOG_SORTS:
        errors["sort"] = [_("Choose one of: %(choices)s.", choices=", ".join(LOG_SORTS))]
    else:
        f.sort = sort
    if errors:
        raise ValidationError.for_fields(errors)
    return f


def _filtered(query, f: LogFilters, actor=None):
    """`query` (over Outcome joined to Meeting, Recommendation and Organisation) narrowed by `f`; with
    `actor`, to the outcomes they may see, matched only through contacts they may see."""
    seen_contact = true()
    if actor is not None:
        query = only_visible(actor, query, Outcome)
        seen_contact = visible(actor, Contact)
    if f.date_from:
        query = query.where(Meeting.starts_at >= day_start(f.date_from))
    if f.date_to:
        query = query.where(Meeting.starts_at < day_start(f.date_to + timedelta(days=1)))
    if f.cycle:  # a recommendation's cycle, or an ask's
        query = query.where(or_(Recommendation.cycle == f.cycle, Ask.cycle == f.cycle))
    if f.theme_id:
        query = query.where(Outcome.recommendation_id.in_(
            select(recommendation_theme.c.recommendation_id).where(recommendation_theme.c.theme_id == f.theme_id)))
    if f.recommendation_id:
        query = query.where(Outcome.recommendation_id == f.recommendation_id)
    if f.state:  # any of its states: a joint recommendation's outcomes are each state's
        query = query.where(Outcome.recommendation_id.in_(
            select(RecommendationState.recommendation_id).where(RecommendationState.state == f.state)))
    if f.meeting_id:
        query = query.where(Outcome.meeting_id == f.meeting_id)
    if f.member_id:  # an outcome is its meeting's member's
        query = query.where(Outcome.member_id == f.member_id)
    if f.organisation_id:
        met = exists().where(Attendee.meeting_id == Outcome.meeting_id, Attendee.contact_id == Contact.id,
                             Contact.organisation_id == f.organisation_id, seen_contact)
        query = query.where(or_(Outcome.organisation_id == f.organisation_id,
                                and_(Outcome.organisation_id.is_(None), met)))
    if f.organisation:
        query = query.where(func.lower(Organisation.name).contains(f.organisation.lower(), autoescape=True))
    if f.reference:
        query = query.where(func.lower(Recommendation.reference).startswith(f.reference.lower(), autoescape=True))
    if f.contact_id:
        query = query.where(Outcome.meeting_id.in_(
            select(Attendee.meeting_id).join(Contact, Attendee.contact_id == Contact.id)
            .where(Attendee.contact_id == f.contact_id, seen_contact)))
    if f.city:
        zone = timezone_for_city(f.city)
        by_org = func.lower(Organisation.city) == f.city.lower()
        # An outcome with no organisation recorded counts where the meeting was (its zone).
        query = query.where(or_(by_org, and_(Outcome.organisation_id.is_(None), Meeting.timezone == zone))
                            if zone else by_org)
    if f.staff_id:
        query = query.where(or_(
            Outcome.created_by_id == f.staff_id, Meeting.organiser_id == f.staff_id,
            Outcome.meeting_id.in_(select(Attendee.meeting_id).where(Attendee.user_id == f.staff_id))))
    if f.position:
        query = query.where(Outcome.position == f.position)
    if f.commitment is True:
        query = query.where(Outcome.commitment.is_not(None))
    elif f.commitment is False:
        query = query.where(Outcome.commitment.is_(None))
    if f.q:
        for term in f.q.split()[:SEARCH_TERMS_MAX]:
            term = term.lower()
            query = query.where(or_(func.lower(Outcome.summary).contains(term, autoescape=True),
                                    func.lower(func.coalesce(Outcome.commitment, "")).contains(term, autoescape=True),
                                    func.lower(func.coalesce(Outcome.notes, "")).contains(term, autoescape=True)))
    return query


def _ordered(query, sort: str):
    # Only the chosen order is built: building all six on every page cost as much as a statement.
    if sort == "-date":
        order = (Meeting.starts_at.desc(), Outcome.id.desc())
    elif sort == "date":
        order = (Meeting.starts_at, Outcome.id)
    elif sort == "organisation":
        order = (Organisation.name, Meeting.starts_at.desc(), Outcome.id.desc())
    elif sort == "recommendation":
        order = (Recommendation.cycle.desc(), Recommendation.reference_sort, Recommendation.recommending_state,
                 Meeting.starts_at.desc(), Outcome.id.desc())
    elif sort == "position":
        order = (Outcome.position, Meeting.starts_at.desc(), Outcome.id.desc())
    elif sort == "-logged":
        order = (Outcome.created_at.desc(), Outcome.id.desc())
    else:
        raise KeyError(sort)
    return query.order_by(*order)


def _base():
    return (select(Outcome).join(Outcome.meeting).outerjoin(Outcome.recommendation).outerjoin(Outcome.ask)
            .outerjoin(Outcome.organisation))


def engagement_log_query(f: LogFilters, actor=None):
    """A select() of outcomes for the log: filtered, sorted, with meeting, recommendation (and its
    themes), organisation, author and follow-ups loaded without a query per row; with `actor`, only
    the outcomes they may see."""
    query = _base().options(
        contains_eager(Outcome.meeting), contains_eager(Outcome.recommendation),
        contains_eager(Outcome.ask).lazyload("*"), contains_eager(Outcome.organisation), joinedload(Outcome.created_by),
        selectinload(Outcome.follow_ups))
    return _ordered(_filtered(query, f, actor), f.sort)


def _count_query(f: LogFilters, actor=None):
    """A select() of how many outcomes (that `actor` may see) match the filters (joining only the tables
    the filters look at)."""
    query = select(func.count(Outcome.id)).select_from(Outcome)
    if f.date_from or f.date_to or f.city or f.staff_id:
        query = query.join(Outcome.meeting)
    if f.state or f.reference:
        query = query.join(Outcome.recommendation)
    elif f.cycle:
        query = query.outerjoin(Outcome.recommendation)
    if f.cycle:
        query = query.outerjoin(Outcome.ask)
    if f.organisation or f.city:
        query = query.outerjoin(Outcome.organisation)
    return _filtered(query, f, actor)


@dataclass
class Page:
    """One page of a list, in the shape macros.pager() reads."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    def iter_pages(self, left_edge=1, left_current=2, right_current=2, right_edge=1):
        last = 0
        for num in range(1, self.pages + 1):
            if (num <= left_edge or self.page - left_current <= num <= self.page + right_current
                    or num > self.pages - right_edge):
                if last + 1 != num:
                    yield None
                yield num
                last = num


@dataclass(frozen=True, slots=True)
class LogFollowUp(FollowUpState):
    """A follow-up as the log shows it: its state and due date (not its description, sealed when restricted)."""

    due_on: date
    status: str


@dataclass(slots=True)
class LogRow:
    """One outcome as the log page shows it: the columns it reads of the outcome and of what it hangs
    on (its meeting, organisation, recommendation and author), in the order the page's statement
    selects them."""

    id: int
    position: str | None
    summary: str
    commitment: str | None
    sensitivity: str | None
    meeting_id: int
    meeting_title: str
    starts_at: datetime
    timezone: str
    meeting_sensitivity: str | None
    organisation_id: int | None
    organisation_name: str | None
    organisation_city: str | None
    recommendation_id: int | None
    reference: str | None
    recommending_state: str | None
    recommendation_text: str | None
    ask_id: int | None  # or the ask it is on, with its cycle and text
    ask_cycle: int | None
    ask_text: str | None
    author: str | None  # who logged it (User.display_name), if still known
    follow_ups: list = field(default_factory=list)  # LogFollowUps, by due date
    themes: list = field(default_factory=list)  # the recommendation's theme names, by name

    __tablename__ = "outcome"  # what access helpers (restricted_badge, record_type_of) ask a record

    @property
    def is_restricted(self) -> bool:
        """As `access.services.is_restricted` decides for an outcome: restricted itself or by its meeting."""
        return self.sensitivity == "restricted" or self.meeting_sensitivity == "restricted"


@dataclass(frozen=True, slots=True)
class _PageStatements:
    rows: Any   # the page's columns and the total, its limit and offset left as parameters
    count: Any  # the total alone, for a page without rows


_PAGE_STATEMENTS = KeptStatements()


def _page_statements(f: LogFilters, actor) -> _PageStatements:
    # Kept (engage.statements.KeptStatements) under every filter (the theme's id among them) and the reader's
    # grants, the two statements that depend on them.
    key = (tuple(vars(f).values()), visibility_key(actor) if actor is not None else None)
    return _PAGE_STATEMENTS.get(key, lambda: _PageStatements(_rows_query(f, actor), _count_query(f, actor)))


def _rows_query(f: LogFilters, actor):
    # The LogRow columns, and last the total: the count as a subquery the database runs once (not
    # correlated with the rows), so that a page with rows needs no statement of its own for it.
    author = func.coalesce(func.nullif(User.full_name, ""), User.email)  # User.display_name
    total = _count_query(f, actor).correlate(None).scalar_subquery()
    query = (select(Outcome.id, Outcome.position, Outcome.summary, Outcome.commitment, Outcome.sensitivity,
                    Meeting.id, Meeting.title, Meeting.starts_at, Meeting.timezone, Meeting.sensitivity,
                    Organisation.id, Organisation.name, Organisation.city,
                    Recommendation.id, shown_reference(Recommendation.__table__), Recommendation.recommending_state,
                    Recommendation.text, Ask.id, Ask.cycle, Ask.text, author, total)
             .select_from(Outcome).join(Outcome.meeting).outerjoin(Outcome.recommendation).outerjoin(Outcome.ask)
             .outerjoin(Outcome.organisation).outerjoin(User, User.id == Outcome.created_by_id))
    # The offset as a 64-bit value: a page far past the end is past 32 bits.
    return (_ordered(_filtered(query, f, actor), f.sort)
            .limit(bindparam("page_limit", type_=Integer)).offset(bindparam("page_offset", type_=BigInteger)))


@functools.lru_cache(maxsize=8)
def _attached_query(slots: int):
    """The follow-ups of up to `slots` outcomes (parameters outcome_0…) and the theme names of up to
    `slots` recommendations (recommendation_0…), in one statement built once per page size: rows of
    (outcome id, due date, status, None, None) by due date, then (None, None, None, recommendation
    id, theme name) by name. Unused slots are given None, which matches nothing."""
    # One statement, not two, and parameters in fixed slots, not an expanding IN: each statement, and
    # rewriting its SQL for each list of ids, cost about as much as the database's work. Plain columns
    # of tables without restricted records of their own (the follow-ups are of outcomes seen; themes
    # and recommendations are never restricted): nothing for the access guard to filter.
    fu, link, theme = FollowUp.__table__.c, recommendation_theme.c, Theme.__table__.c
    follow_ups = (select(literal_column("1").label("part"), fu.outcome_id, fu.due_on, fu.status, fu.id.label("follow_up_id"),
                         null().label("recommendation_id"), null().label("theme"))
                  .where(fu.outcome_id.in_([bindparam(f"outcome_{i}", type_=Integer) for i in range(slots)])))
    themes = (select(literal_column("2"), null(), null(), null(), null(), link.recommendation_id, theme.name)
              .join_from(recommendation_theme, Theme.__table__, theme.id == link.theme_id)
              .where(link.recommendation_id.in_([bindparam(f"recommendation_{i}", type_=Integer)
                                                 for i in range(slots)])))
    return (union_all(follow_ups, themes).order_by("part", "due_on", "follow_up_id", "theme")
            .execution_options(**VISIBILITY_APPLIED))


def _slots(prefix: str, ids: list, slots: int) -> dict:
    return {f"{prefix}_{i}": ids[i] if i < len(ids) else None for i in range(slots)}


def engagement_log_page(f: LogFilters, page: int = 1, per_page: int = 50, actor=None) -> Page:
    """One page of the engagement log (as LogRows) and the total: two statements however many rows
    (the page's columns with their joins and the total, then the follow-ups and the recommendations'
    themes; a page without rows counts on its own); with `actor`, only the outcomes they may see.

    Plain columns, not records: building some 300 ORM objects for 50 rows was half the page's time."""
    statements = _page_statements(f, actor)
    # Filtered for `actor` already (only_visible marks them so): they run on the session's connection,
    # where neither the ORM's loading nor the access guard has anything to do. Without an actor they
    # go through the session, so the guard still filters them for whoever is signed in.
    run = db.session.connection().execute if actor is not None else db.session.execute
    found = run(statements.rows, {"page_limit": per_page, "page_offset": (page - 1) * per_page}).all()
    # The total comes with the rows; a page past the end (or an empty log) asks for it on its own.
    total = found[0][-1] if found else run(statements.count).scalar()
    items = [LogRow(*row[:-1]) for row in found]
    if items:
        by_id = {row.id: row for row in items}
        by_recommendation = defaultdict(list)
        for row in items:
            if row.recommendation_id is not None:
                by_recommendation[row.recommendation_id].append(row)
        slots = max(per_page, len(items))
        for _, outcome_id, due_on, status, _, rec_id, name in run(
                _attached_query(slots), {**_slots("outcome", list(by_id), slots),
                                         **_slots("recommendation", list(by_recommendation), slots)}).all():
            if outcome_id is not None:
                by_id[outcome_id].follow_ups.append(LogFollowUp(due_on, status))
            else:
                for row in by_recommendation[rec_id]:
                    row.themes.append(name)
    # What loading the records would have noted for the audit after the response: the restricted
    # outcomes (by their own mark or their meeting's) and each restricted meeting. (The audit records
    # only restricted ones; noting the others cost it a statement on every page.)
    guard.note_loaded("outcome", [row.id for row in items if row.is_restricted])
    guard.note_loaded("meeting", {row.meeting_id for row in items if row.meeting_sensitivity == "restricted"})
    return Page(items=items, page=page, per_page=per_page, total=total)


# ---- what the log's filters offer ----

@dataclass(frozen=True, slots=True)
class FilterLists:
    """What the log's filter selects offer, read from the database."""

    cycles: list  # cycles that have recommendations or asks, newest first
    states: tuple  # (code, name) of every recommending state, by name
    themes: list  # theme names, by name
    staff: list   # (id as text, display name) of every enabled user, by name


@functools.cache
def _filter_lists_query():
    # Four lists in one statement (a statement cost more than reading any of them), built once per
    # process. Recommendations, themes, users and asks are never restricted: nothing for the access guard.
    rec, theme, user = Recommendation.__table__.c, Theme.__table__.c, User.__table__.c
    made = RecommendationState.__table__.c
    # Every state that made one, joint recommendations' other states too.
    cycles_and_states = select(literal_column("1").label("list"), rec.cycle.label("number"),
                               made.state.label("name"), null().label("other")).join_from(
        Recommendation.__table__, RecommendationState.__table__, made.recommendation_id == rec.id).distinct()
    themes = select(literal_column("2"), null(), theme.name, null())
    staff = select(literal_column("3"), user.id, user.full_name, user.email).where(user.is_disabled.is_(False))
    # The asks' cycles too: the log's cycle filter takes an ask's (a cycle may have asks before recommendations).
    ask_cycles = select(literal_column("4"), Ask.__table__.c.cycle, null(), null()).distinct()
    return union_all(cycles_and_states, themes, staff, ask_cycles).order_by("list", "name", "other")


@functools.lru_cache(maxsize=16)
def _named_states(codes: frozenset) -> tuple:
    # Names by code, sorted by name: the same few dozen codes on every page, and each name a lookup.
    return tuple(sorted(((code, country_name(code)) for code in codes), key=lambda p: p[1]))


def filter_lists() -> FilterLists:
    """The cycles, states, themes and staff the log's filters offer: one statement."""
    lists: dict[int, list] = {1: [], 2: [], 3: [], 4: []}
    for kind, number, name, other in db.session.connection().execute(_filter_lists_query()).all():
        lists[kind].append((number, name, other))
    pairs = lists[1]
    return FilterLists(
        cycles=sorted({cycle for cycle, _, _ in pairs} | {cycle for cycle, _, _ in lists[4]}, reverse=True),
        states=_named_states(frozenset(state for _, state, _ in pairs)),
        themes=[name for _, name, _ in lists[2]],
        staff=[(str(uid), full_name or email) for uid, full_name, email in lists[3]])


# ---- exports of the log: rows as plain tuples, streamed ----

LOG_EXPORT_COLUMNS = ("outcome_id", "meeting_date", "meeting_time", "meeting_timezone", "meeting_id", "meeting_title",
                      "organisation", "organisation_city", "organisation_country", "cycle", "recommendation",
                      "recommending_state", "recommending_state_name", "themes", "ask_id", "ask", "position", "position_label",
                      "summary", "commitment", "notes", "open_follow_ups", "logged_by", "logged_at")
EXPORT_BATCH = 500


def theme_names_by_recommendation() -> dict[int, str]:
    """{recommendation id: "Theme A; Theme B"} in one statement."""
    names: dict[int, list[str]] = defaultdict(list)
    rows = db.session.execute(select(recommendation_theme.c.recommendation_id, Theme.name)
                              .join(Theme, Theme.id == recommendation_theme.c.theme_id).order_by(Theme.name))
    for rec_id, name in rows:
        names[rec_id].append(name)
    return {k: "; ".join(v) for k, v in names.items()}


def log_export_rows(f: LogFilters, actor=None) -> Iterator[tuple]:
    """Every outcome the filters select as a tuple of LOG_EXPORT_COLUMNS, fetched in batches
    (a server-side cursor on PostgreSQL), so the whole log is never in memory at once; with `actor`, only
    the outcomes they may see."""
    themes = theme_names_by_recommendation()
    open_follow_ups = (select(func.count(FollowUp.id)).where(FollowUp.outcome_id == Outcome.id,
                                                            FollowUp.status == "open")
                       .correlate(Outcome).scalar_subquery())
    query = (select(Outcome.id, Meeting.starts_at, Meeting.timezone, Meeting.id, Meeting.title,
                    Organisation.name, Organisation.city, Organisation.country,
                    func.coalesce(Recommendation.cycle, Ask.cycle), shown_reference(Recommendation.__table__), Recommendation.recommending_state,
                    Outcome.recommendation_id, Ask.id, Ask.text,
                    Outcome.position, Outcome.summary, Outcome.commitment, Outcome.notes, open_follow_ups,
                    User.email, Outcome.created_at, Outcome.member_id)
             .select_from(Outcome).join(Outcome.meeting).outerjoin(Outcome.recommendation).outerjoin(Outcome.ask)
             .outerjoin(Outcome.organisation).outerjoin(User, User.id == Outcome.created_by_id))
    # Built now, in the view, not when the file streams: the actor's visibility is read while their
    # request still has its session.
    query = _ordered(_filtered(query, f, actor), f.sort).execution_options(yield_per=EXPORT_BATCH)
    return _log_rows(query, themes, short_names() if coalition_mode() else None)


def log_export_columns() -> tuple:
    """The log export's columns: LOG_EXPORT_COLUMNS, and in a coalition `member` (whose outcome it is)."""
    return LOG_EXPORT_COLUMNS + (("member",) if coalition_mode() else ())


def _log_rows(query, themes: dict, members: dict | None) -> Iterator[tuple]:
    for row in db.session.execute(query):
        (oid, starts_at, zone, meeting_id, title, org, city, country, cycle, reference, state, rec_id,
         ask_id, ask_text, position, summary, commitment, notes, open_count, author, created_at, member_id) = row
        local = starts_at.astimezone(ZoneInfo(zone))
        yield (oid, local.date(), f"{local:%H:%M} {local.tzname()}", zone, meeting_id, title, org, city,
               country, cycle, reference, state, country_name(state) if state else None, themes.get(rec_id, ""),
               ask_id, ask_text, position, (POSITIONS.get(position) or ASK_POSITIONS.get(position)) if position else None, summary,
               commitment, notes,
               open_count, author, created_at) + ((members.get(member_id, ""),) if members is not None else ())


# ---- coverage ----
