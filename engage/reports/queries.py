"""The read side of outcomes: coverage, the dashboard's figures, the summaries (the engagement log's
query is outcomes' own, engage/outcomes/log.py).

Every page built from these issues a fixed number of SQL statements whatever the number of rows
shown: lists load their related rows in the same statement or in one extra per relation.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from engage.access.services import VISIBILITY_APPLIED, only_visible
from engage.clock import NAIROBI
from engage.countries import country_name
from engage.cycles.services import engagement_window
from engage.extensions import db
from engage.i18n import N_
from engage.meetings.models import Meeting
from engage.members.services import coalition_mode, short_names
from engage.outcomes.engaged import engaged_states, engaged_states_by_member
from engage.outcomes.log import day_start
from engage.outcomes.models import POSITIONS, Outcome
from engage.recommendations.models import Recommendation, RecommendationState, Theme, recommendation_theme

# ---- coverage ----

# The words of a cell's status are data too (the exports keep them in English): marked here, translated
# where a page shows them; likewise the orders' words.
COVERAGE_STATES = {"commitment": N_("Commitment secured"), "engaged": N_("Engaged"), "not_engaged": N_("Not engaged")}
COVERAGE_COLOURS = {"commitment": "success", "engaged": "info", "not_engaged": "light"}
# The orders the matrix's rows can take: {key: (link text, how the page explains the order)}.
COVERAGE_SORTS = {
    "recommendations": (N_("Most recommendations"),
                        N_("states with the most recommendations on these themes first, then by name")),
    "state": (N_("State name"), N_("by recommending state, A to Z")),
    "engaged": (N_("Most engaged"),
                N_("most themes engaged (a commitment or a discussion) first, then most outcomes discussed")),
    "commitments": (N_("Most commitments"), N_("most commitments secured first, then most outcomes discussed")),
}


@dataclass
class CoverageCell:
    """One state on one theme (or one recommendation): what we have to show for it this cycle."""

    recommendations: int = 0
    discussed: int = 0     # outcomes where the recommendation was discussed (any position but "not discussed")
    commitments: int = 0   # outcomes that recorded a commitment

    @property
    def status(self) -> str:
        if self.commitments:
            return "commitment"
        if self.discussed:
            return "engaged"
        return "not_engaged"

    @property
    def label(self) -> str:
        return COVERAGE_STATES[self.status]

    def add(self, other: "CoverageCell") -> None:
        self.recommendations += other.recommendations
        self.discussed += other.discussed
        self.commitments += other.commitments


@dataclass
class CoverageRow:
    key: Any              # a state code, or a recommendation id
    label: str
    state: str
    met: bool
    cells: dict[Any, CoverageCell] = field(default_factory=dict)
    recommendation: Any = None

    @property
    def total(self) -> CoverageCell:
        out = CoverageCell()
        for cell in self.cells.values():
            out.add(cell)
        return out


@dataclass
class Coverage:
    """The matrix: rows (states, or one theme's recommendations) × columns (themes, or one status column)."""

    since: date
    until: date | None
    cycle: int | None
    themes: list          # the chosen themes (Theme rows); empty means all
    columns: list         # [(key, label)]
    rows: list[CoverageRow]
    by: str               # "theme" | "recommendation"
    sort: str = "recommendations"   # a key of COVERAGE_SORTS
    recommendations: int = 0        # distinct recommendations on the chosen themes
    # In a coalition: {state: short names of the members whose meetings engaged it}; None otherwise.
    met_by: dict | None = None

    @property
    def order(self) -> str:
        """How the rows are ordered, in words for the page (English: the page translates them)."""
        if self.by == "recommendation" and self.sort in ("state", "recommendations"):
            return N_("by recommending state, A to Z, then newest cycle and reference")
        return COVERAGE_SORTS[self.sort][1]

    def commitment_cells(self) -> list[tuple[CoverageRow, Any, str, CoverageCell]]:
        """(row, column key, column label, cell) of every cell with a commitment secured, in row order."""
        return [(row, key, label, row.cells[key]) for row in self.rows for key, label in self.columns
                if key in row.cells and row.cells[key].commitments]

    @property
    def unmet_states(self) -> list[CoverageRow]:
        """States with recommendations on the chosen themes that nobody has met since `since`."""
        seen, out = set(), []
        for row in self.rows:
            if not row.met and row.state not in seen:
                seen.add(row.state)
                out.append(row)
        return out

    def counts(self) -> dict[str, int]:
        """How many rows are at each status, for the summary line and the dashboard (a joint
        recommendation, on a row under each of its states, counted once)."""
        out = {k: 0 for k in COVERAGE_STATES}
        seen = set()
        for row in self.rows:
            if self.by == "recommendation" and row.key in seen:
                continue
            seen.add(row.key)
            out[row.total.status] += 1
        return out

    @property
    def row_count(self) -> int:
        """States (by theme) or recommendations (each once, however many states made it)."""
        return len({row.key for row in self.rows})

    @property
    def states(self) -> set[str]:
        return {row.state for row in self.rows}


def _seen(query, actor, *models):
    # Without an actor (the CLI, tests of the figures themselves) everything counts.
    return only_visible(actor, query, *models) if actor is not None else query


def _in_period(query, since: date, until: date | None, actor=None, member_id: int | None = None):
    query = query.join(Meeting, Meeting.id == Outcome.meeting_id).where(
        Meeting.starts_at >= day_start(since), Meeting.status != "cancelled")
    if member_id is not None:  # one member's meetings, of those the reader may see (coverage's choice)
        query = query.where(Meeting.member_id == member_id)
    if until:
        query = query.where(Meeting.starts_at < day_start(until + timedelta(days=1)))
    # An outcome is visible only with its meeting, so filtering outcomes filters the joined meeting too.
    return _seen(query, actor, Outcome)


def positions_by_recommendation(since: date, until: date | None = None, actor=None,
                                member_id: int | None = None) -> dict[int | None, dict[str, int]]:
    """{recommendation id (None: overall summaries): {position: outcomes}} for meetings, not cancelled,
    from `since`. None also holds the outcomes on asks (their positions are the asks' own): nothing reads
    it, and telling them apart would read every outcome's row rather than the covering index."""
    # "+ 0" keeps the planner from walking the recommendation index in GROUP BY order; going
    # through the meetings in the period and the covering index is many times faster.
    key = (Outcome.recommendation_id + 0).label("rec")
    query = _in_period(select(key, Outcome.position, func.count()).select_from(Outcome), since, until, actor,
                       member_id).group_by(key, Outcome.position)
    out: dict[int | None, dict[str, int]] = defaultdict(dict)
    for rec_id, position, n in db.session.execute(query):
        out[rec_id][position] = n
    return out


def commitments_by_recommendation(since: date, until: date | None = None, actor=None,
                                  member_id: int | None = None) -> dict[int | None, int]:
    """{recommendation id (None: overall summaries): outcomes that recorded a commitment}; outcomes on
    asks are counted by commitments_on_asks."""
    key = (Outcome.recommendation_id + 0).label("rec")
    # "ask_id + 0" as above: the ask index would read the row of every outcome not on an ask; the
    # commitments' partial index holds ask_id and answers the whole query.
    query = _in_period(select(key, func.count()).select_from(Outcome).where(Outcome.commitment.is_not(None),
                                                                            (Outcome.ask_id + 0).is_(None)),
                       since, until, actor, member_id).group_by(key)
    return dict(db.session.execute(query).all())


def commitments_on_asks(since: date, until: date | None = None, actor=None) -> int:
    """How many outcomes on the coalition's asks (meetings not cancelled, from `since`) recorded a commitment."""
    query = _in_period(select(func.count()).select_from(Outcome).where(Outcome.commitment.is_not(None),
                                                                       (Outcome.ask_id + 0).is_not(None)),
                       since, until, actor)
    return db.session.scalar(query)


def engagement_by_recommendation(since: date, until: date | None = None, actor=None,
                                 member_id: int | None = None) -> dict[int, CoverageCell]:
    """{recommendation id: outcomes discussed and commitments} for meetings (not cancelled) from `since`
    (of one member's meetings with `member_id`)."""
    cells: dict[int, CoverageCell] = {}
    for rec_id, positions in positions_by_recommendation(since, until, actor, member_id).items():
        if rec_id is not None:
            cells[rec_id] = CoverageCell(discussed=sum(n for p, n in positions.items()
                                                       if p is not None and p != "not_discussed"))
    for rec_id, n in commitments_by_recommendation(since, until, actor, member_id).items():
        if rec_id is not None:
            cells.setdefault(rec_id, CoverageCell()).commitments = n
    return cells


def met_states(since: date, now: datetime, until: date | None = None, actor=None,
               member_id: int | None = None) -> set[str]:
    """The states engaged from `since` to now (or the end of `until`): outcomes.engaged.engaged_states,
    the one definition (by one member's meetings with `member_id`)."""
    return engaged_states(since, now, until, actor, member_id=member_id)


def _recommendations_with_themes(cycle: int | None, theme_ids: list[int]) -> tuple[dict[int, tuple], dict[int, list[int]]]:
    """({rec id: ([states], reference shown, reference_sort, cycle)}, {rec id: [theme ids]}) limited to
    `theme_ids`; a joint recommendation's states in the report's order."""
    query = (select(Recommendation.id, RecommendationState.state, Recommendation.reference, Recommendation.sub_item,
                    Recommendation.reference_sort, Recommendation.cycle)
             .join(RecommendationState, RecommendationState.recommendation_id == Recommendation.id)
             .order_by(Recommendation.id, RecommendationState.position))
    if cycle:
        query = query.where(Recommendation.cycle == cycle)
    links = select(recommendation_theme.c.recommendation_id, recommendation_theme.c.theme_id)
    if theme_ids:
        links = links.where(recommendation_theme.c.theme_id.in_(theme_ids))
        query = query.where(Recommendation.id.in_(
            select(recommendation_theme.c.recommendation_id).where(recommendation_theme.c.theme_id.in_(theme_ids))))
    recs: dict[int, tuple] = {}
    for rec_id, state, reference, sub_item, reference_sort, rec_cycle in db.session.execute(query):
        if rec_id in recs:
            recs[rec_id][0].append(state)
        else:
            recs[rec_id] = ([state], f"{reference} ({sub_item})" if sub_item else reference, reference_sort, rec_cycle)
    themes_of: dict[int, list[int]] = defaultdict(list)
    for rec_id, theme_id in db.session.execute(links):
        if rec_id in recs:
            themes_of[rec_id].append(theme_id)
    return recs, themes_of


def sort_coverage_rows(rows: list[CoverageRow], sort: str, by: str = "theme") -> None:
    """Put the matrix's rows in the order `sort` names (COVERAGE_SORTS), in place.

    Ties keep the order they had: by state name for states, and by state, cycle and reference for
    one theme's recommendations (the order they come in).
    """
    def engaged(row: CoverageRow) -> int:
        return sum(1 for cell in row.cells.values() if cell.status != "not_engaged")

    keys = {
        "recommendations": lambda r: -r.total.recommendations,
        "state": lambda r: country_name(r.state),
        "engaged": lambda r: (-engaged(r), -r.total.discussed),
        "commitments": lambda r: (-r.total.commitments, -r.total.discussed),
    }
    if by == "theme":
        rows.sort(key=lambda r: r.label)
    if by == "recommendation" and sort == "recommendations":
        sort = "state"   # one recommendation a row: "most recommendations" says nothing
    rows.sort(key=keys[sort])


def coverage(now: datetime, since: date | None = None, until: date | None = None, cycle: int | None = None,
             theme_ids: list[int] | None = None, by: str = "theme", actor=None,
             sort: str = "recommendations", member_id: int | None = None) -> Coverage:
    """The coverage matrix for meetings from `since` to `until` (default: the current cycle's engagement window).

    by="theme": one row per recommending state with recommendations on the chosen themes (all
    themes when none is chosen), one column per theme. by="recommendation": one row per
    recommendation on the chosen themes, grouped by state, one column. A fixed number of
    statements: themes, recommendations, their theme links, the engagement aggregate, met states.
    """
    if since is None:
        window = engagement_window(now)
        since, until = window.counts_from, until or window.until
    theme_ids = list(theme_ids or [])
    chosen = list(db.session.scalars(select(Theme).where(Theme.id.in_(theme_ids)).order_by(Theme.name))) \
        if theme_ids else []
    recs, themes_of = _recommendations_with_themes(cycle, theme_ids)
    # member_id: one member's meetings rather than the whole coalition's (what the reader may see either way)
    engagement = engagement_by_recommendation(since, until, actor, member_id)
    met = met_states(since, now, until, actor, member_id)
    met_by = None
    if coalition_mode():  # which member met each state: one statement more, only in a coalition
        names = short_names()
        met_by = {state: sorted(names.get(m, "") for m in found)
                  for state, found in engaged_states_by_member(since, now, until, actor, member_id).items()}
    if by == "recommendation":
        rows = []
        objects = {r.id: r for r in db.session.scalars(
            select(Recommendation).where(Recommendation.id.in_(list(recs))))} if recs else {}
        # A row under each state that made it (grouped by state); counts() takes it once.
        pairs = [(rec_id, state, reference, reference_sort, rec_cycle)
                 for rec_id, (states, reference, reference_sort, rec_cycle) in recs.items() for state in states]
        for rec_id, state, reference, _reference_sort, _cycle in sorted(
                pairs, key=lambda p: (country_name(p[1]), -p[4], p[3])):
            cell = CoverageCell(recommendations=1)
            cell.add(engagement.get(rec_id, CoverageCell()))
            rows.append(CoverageRow(key=rec_id, label=f"{reference} ({country_name(state)})", state=state,
                                    met=state in met, cells={"all": cell}, recommendation=objects.get(rec_id)))
        sort_coverage_rows(rows, sort, by)
        return Coverage(since=since, until=until, cycle=cycle, themes=chosen, columns=[("all", N_("Status"))],
                        rows=rows, by=by, sort=sort, recommendations=len(recs), met_by=met_by)
    columns_used: set[int] = set()
    by_state: dict[str, dict[int, CoverageCell]] = defaultdict(dict)
    for rec_id, (states, *_rest) in recs.items():
        for theme_id in themes_of.get(rec_id, []):
            for state in states:  # a joint recommendation counts under each of its states
                cell = by_state[state].setdefault(theme_id, CoverageCell())
                cell.recommendations += 1
                seen = engagement.get(rec_id)
                if seen is not None:
                    cell.discussed += seen.discussed
                    cell.commitments += seen.commitments
            columns_used.add(theme_id)
    theme_rows = chosen
    if not theme_rows and columns_used:
        theme_rows = list(db.session.scalars(select(Theme).where(Theme.id.in_(columns_used)).order_by(Theme.name)))
    rows = [CoverageRow(key=state, label=country_name(state), state=state, met=state in met, cells=cells)
            for state, cells in by_state.items()]
    sort_coverage_rows(rows, sort, by)
    return Coverage(since=since, until=until, cycle=cycle, themes=chosen,
                    columns=[(t.id, t.name) for t in theme_rows], rows=rows, by=by, sort=sort,
                    recommendations=sum(1 for rec_id in recs if themes_of.get(rec_id)), met_by=met_by)


# ---- the dashboard ----

@dataclass
class WeekCount:
    starts_on: date
    past: int = 0        # meetings that have started (held or not marked yet)
    scheduled: int = 0   # meetings still ahead

    @property
    def label(self) -> str:
        return f"{self.starts_on.day} {self.starts_on:%b}"


def meetings_per_week(now: datetime, weeks_back: int = 12, weeks_ahead: int = 6, actor=None) -> list[WeekCount]:
    """Meetings (not cancelled) per Nairobi week, Monday first: `weeks_back` weeks up to this one
    and `weeks_ahead` after it, split into those already started and those still ahead."""
    zone = ZoneInfo(NAIROBI)
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks_back - 1)
    end = monday + timedelta(weeks=weeks_ahead + 1)
    weeks = [WeekCount(first + timedelta(weeks=i)) for i in range(weeks_back + weeks_ahead)]
    rows = db.session.execute(_seen(select(Meeting.starts_at).where(
        Meeting.status != "cancelled", Meeting.starts_at >= day_start(first), Meeting.starts_at < day_start(end)),
        actor, Meeting))
    for (starts_at,) in rows:
        index = (starts_at.astimezone(zone).date() - first).days // 7
        if 0 <= index < len(weeks):
            if starts_at <= now:
                weeks[index].past += 1
            else:
                weeks[index].scheduled += 1
    return weeks


@dataclass
class ThemePositions:
    theme_id: int
    name: str
    positions: dict[str, int]
    commitments: int

    @property
    def total(self) -> int:
        return sum(self.positions.values())


def positions_by_theme(since: date, until: date | None = None, actor=None,
                       commitments: dict[int | None, int] | None = None) -> list[ThemePositions]:
    """Per theme, how many outcomes (meetings not cancelled, from `since`) recorded each position,
    and how many secured a commitment; themes with most outcomes first. `commitments`: the caller's
    commitments_by_recommendation for the same period and actor, if it has it already."""
    per_rec = positions_by_recommendation(since, until, actor)
    if commitments is None:
        commitments = commitments_by_recommendation(since, until, actor)
    names = dict(db.session.execute(select(Theme.id, Theme.name)).all())
    result: dict[int, ThemePositions] = {}
    for rec_id, theme_id in db.session.execute(select(recommendation_theme.c.recommendation_id,
                                                      recommendation_theme.c.theme_id)):
        if rec_id not in per_rec and rec_id not in commitments:
            continue
        row = result.setdefault(theme_id, ThemePositions(theme_id, names.get(theme_id, "?"),
                                                         {k: 0 for k in POSITIONS}, 0))
        for position, n in per_rec.get(rec_id, {}).items():
            if position is not None:
                row.positions[position] = row.positions.get(position, 0) + n
        row.commitments += commitments.get(rec_id, 0)
    return sorted(result.values(), key=lambda r: (-r.total, r.name))


def commitments_secured(since: date, until: date | None = None, actor=None,
                        commitments: dict[int | None, int] | None = None) -> int:
    """How many outcomes (meetings not cancelled, from `since`) recorded a commitment (from the
    caller's commitments_by_recommendation, if given)."""
    if commitments is None:
        commitments = commitments_by_recommendation(since, until, actor)
    return sum(commitments.values())


def states_engaged(now: datetime, since: date, actor=None, until: date | None = None) -> tuple[int, int]:
    """(states with recommendations engaged in the window `since` to `until`, those not)."""
    states = set(db.session.scalars(select(RecommendationState.state).distinct()))
    met = met_states(since, now, until, actor=actor) & states
    return len(met), len(states - met)


# ---- printable summaries ----

@dataclass
class SummaryRow:
    key: Any
    label: str
    recommendations: int = 0
    positions: dict[str, int] = field(default_factory=lambda: {k: 0 for k in POSITIONS})
    commitments: int = 0
    last_position: str | None = None
    last_on: datetime | None = None
    recommendation: Any = None

    @property
    def discussed(self) -> int:
        return sum(v for k, v in self.positions.items() if k != "not_discussed")


@dataclass
class Summary:
    """An engagement summary for one theme or one state, from `since` to `now`."""

    kind: str             # "theme" | "state"
    title: str
    since: date
    now: datetime
    rows: list[SummaryRow]
    commitments: list     # Outcome rows with a commitment, newest first (at most COMMITMENTS_SHOWN)
    commitments_total: int
    states_with_recommendations: int = 0
    states_met: int = 0
    unmet_states: list[str] = field(default_factory=list)

    distinct_totals: SummaryRow | None = None  # when rows overlap (joint recommendations under each state)

    @property
    def totals(self) -> SummaryRow:
        if self.distinct_totals is not None:
            return self.distinct_totals
        out = SummaryRow(key=None, label="Total")
        for row in self.rows:
            out.recommendations += row.recommendations
            out.commitments += row.commitments
            for k, v in row.positions.items():
                out.positions[k] += v
        return out


COMMITMENTS_SHOWN = 300


def _summary_outcomes(where: list, since: date, actor=None):
    """(per (key, position): count and commitments) and the newest commitments for a summary."""
    base = [Outcome.recommendation_id.is_not(None), Meeting.starts_at >= day_start(since),
            Meeting.status != "cancelled", *where]
    commitments = list(db.session.scalars(_seen(
        select(Outcome).join(Outcome.meeting).join(Outcome.recommendation).outerjoin(Outcome.organisation)
        .options(contains_eager(Outcome.meeting), contains_eager(Outcome.recommendation),
                 contains_eager(Outcome.organisation))
        .where(Outcome.commitment.is_not(None), *base)
        .order_by(Meeting.starts_at.desc(), Outcome.id.desc()).limit(COMMITMENTS_SHOWN), actor, Outcome)))
    total = db.session.scalar(_seen(select(func.count(Outcome.id)).join(Outcome.meeting).join(Outcome.recommendation)
                                    .where(Outcome.commitment.is_not(None), *base), actor, Outcome))
    return base, commitments, total


def _latest(rows: dict, key_column, base: list, actor=None, by_state: bool = False) -> None:
    """Fill each row's last position (newest meeting first) in one statement; `by_state`: rows are
    states, reached through each recommendation's states."""
    ranked = (select(key_column.label("key"), Outcome.position, Meeting.starts_at,
                     func.row_number().over(partition_by=key_column,
                                            order_by=(Meeting.starts_at.desc(), Outcome.id.desc())).label("rank"))
              .select_from(Outcome).join(Outcome.meeting).join(Outcome.recommendation)
              .where(Outcome.position.is_not(None), Outcome.position != "not_discussed", *base))
    if by_state:
        ranked = ranked.join(RecommendationState, RecommendationState.recommendation_id == Recommendation.id)
    ranked = _seen(ranked, actor, Outcome).subquery()
    latest = select(ranked).where(ranked.c.rank == 1)
    if actor is not None:
        latest = latest.execution_options(**VISIBILITY_APPLIED)  # the ranked outcomes were filtered
    for key, position, starts_at, _rank in db.session.execute(latest):
        if key in rows:
            rows[key].last_position, rows[key].last_on = position, starts_at


def theme_summary(theme: Theme, now: datetime, since: date | None = None, actor=None) -> Summary:
    """Per recommending state on `theme`: recommendations, positions, commitments, last position;
    the newest commitments; and the states nobody has met. A joint recommendation (and its
    outcomes) counts under each of its states, and once in the totals."""
    window = engagement_window(now)
    until = window.until if since is None else None
    since = since or window.counts_from
    on_theme = select(recommendation_theme.c.recommendation_id).where(recommendation_theme.c.theme_id == theme.id)
    state = RecommendationState.state
    rows: dict[str, SummaryRow] = {}
    for code, n in db.session.execute(select(state, func.count()).where(RecommendationState.recommendation_id.in_(on_theme))
                                      .group_by(state)):
        rows[code] = SummaryRow(key=code, label=country_name(code), recommendations=n)
    base, commitments, total = _summary_outcomes([Outcome.recommendation_id.in_(on_theme)], since, actor)
    totals = SummaryRow(key=None, label="Total", recommendations=db.session.scalar(
        select(func.count()).select_from(on_theme.subquery())))
    for code, position, n, c in db.session.execute(_seen(
            select(state, Outcome.position, func.count(), func.count().filter(Outcome.commitment.is_not(None)))
            .select_from(Outcome).join(Outcome.meeting).join(Outcome.recommendation)
            .join(RecommendationState, RecommendationState.recommendation_id == Recommendation.id)
            .where(Outcome.position.is_not(None), *base)
            .group_by(state, Outcome.position), actor, Outcome)):
        if code in rows:
            rows[code].positions[position] += n
            rows[code].commitments += c
    for position, n, c in db.session.execute(_seen(
            select(Outcome.position, func.count(), func.count().filter(Outcome.commitment.is_not(None)))
            .select_from(Outcome).join(Outcome.meeting).join(Outcome.recommendation)
            .where(Outcome.position.is_not(None), *base).group_by(Outcome.position), actor, Outcome)):
        totals.positions[position] += n
        totals.commitments += c
    _latest(rows, state, base, actor, by_state=True)
    met = met_states(since, now, until, actor=actor) & set(rows)
    ordered = sorted(rows.values(), key=lambda r: (-r.recommendations, r.label))
    return Summary(kind="theme", title=theme.name, since=since, now=now, rows=ordered, commitments=commitments,
                   commitments_total=total, states_with_recommendations=len(rows), states_met=len(met),
                   unmet_states=sorted((country_name(s) for s in set(rows) - met)), distinct_totals=totals)


def state_summary(state: str, now: datetime, since: date | None = None, actor=None) -> Summary:
    """Per recommendation made by `state`: positions, commitments, last position; the newest commitments."""
    window = engagement_window(now)
    until = window.until if since is None else None
    since = since or window.counts_from
    made = Recommendation.id.in_(select(RecommendationState.recommendation_id).where(RecommendationState.state == state))
    recs = list(db.session.scalars(select(Recommendation).where(made)
                                   .order_by(Recommendation.cycle.desc(), Recommendation.reference_sort,
                                             Recommendation.sub_item)))
    rows = {r.id: SummaryRow(key=r.id, label=r.full_reference, recommendations=1, recommendation=r) for r in recs}
    base, commitments, total = _summary_outcomes([made], since, actor)
    for rec_id, position, n, c in db.session.execute(_seen(
            select(Outcome.recommendation_id, Outcome.position, func.count(),
                   func.count().filter(Outcome.commitment.is_not(None)))
            .select_from(Outcome).join(Outcome.meeting).join(Outcome.recommendation)
            .where(Outcome.position.is_not(None), *base)
            .group_by(Outcome.recommendation_id, Outcome.position), actor, Outcome)):
        if rec_id in rows:
            rows[rec_id].positions[position] += n
            rows[rec_id].commitments += c
    _latest(rows, Outcome.recommendation_id, base, actor)
    met = state in met_states(since, now, until, actor=actor)
    return Summary(kind="state", title=country_name(state), since=since, now=now, rows=list(rows.values()),
                   commitments=commitments, commitments_total=total, states_with_recommendations=1 if recs else 0,
                   states_met=1 if met else 0, unmet_states=[] if met or not recs else [country_name(state)])
