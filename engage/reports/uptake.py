"""The uptake report: for a cycle, which of the coalition's asks which states took up in their
recommendations to the state under review, and whether a meeting came first.

Pitched: the state was met about the ask (outcomes.asks_met, the definition the asks' planning view
counts too) at a meeting that has begun. Taken up: a recommendation of the cycle that staff confirmed
as taking the ask up in full or in part (an `AskMatch` whose verdict is in TAKEN_UP), attributed to
each of its recommending states. Taken up after a meeting: the state was pitched the ask at a meeting
that began before the day of the cycle's Working Group review (or at any meeting, while the cycle
has no review date).

Meetings and outcomes are read through the visibility API, so a restricted meeting or outcome
neither shows nor counts for a reader without a grant; every count is the length of a list shown.
Asks and recommendations are not restricted. A constant number of statements, however many asks.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import raiseload, selectinload

from engage.asks.models import MATCH_VERDICTS, TAKEN_UP, Ask, AskMatch
from engage.clock import NAIROBI, format_date, start_of_day
from engage.countries import country_name
from engage.cycles.models import Cycle, Milestone
from engage.errors import ValidationError
from engage.extensions import db
from engage.i18n import N_, current_language, format_short_day
from engage.members.services import coalition_mode, short_names
from engage.outcomes.asks_met import ask_positions, meetings_about_asks
from engage.outcomes.models import ASK_POSITIONS
from engage.recommendations.models import MAX_CYCLE, RESPONSES, Recommendation, RecommendationState

# Words that are data too (the exports keep them in English); a page translates them.
NO_THEME = N_("No theme")
ALL_ASKS = N_("All asks")  # the totals' row
# What a pair (an ask and a state) came to; the chart's segments and the totals, in this order.
PAIR_KINDS = {
    "pitched_taken_up": N_("Pitched, then taken up"),
    "taken_up_without_meeting": N_("Taken up without a meeting first"),
    "pitched_not_taken_up": N_("Pitched, not taken up"),
}
PAIR_FILLS = {"pitched_taken_up": "#198754", "taken_up_without_meeting": "#0d6efd",
              "pitched_not_taken_up": "#adb5bd"}
_VERDICT_RANK = {"full": 0, "partial": 1}  # a state's best verdict on an ask is the one it shows


@dataclass(frozen=True)
class MemberPitch:
    """In a coalition: a member organisation whose meeting pitched an ask to a state, and when it first did."""

    member_id: int
    member: str  # its short name
    first_met_on: date


@dataclass
class Pitch:
    """A state met about an ask: when first, whether before the review, and what it last said; in a
    coalition, which members' meetings pitched it, each with its first (`pitched_by`, earliest first)."""

    state: str
    first_met_on: date
    before_review: bool
    position: str | None = None
    pitched_by: list[MemberPitch] = field(default_factory=list)

    @property
    def name(self) -> str:
        return country_name(self.state)

    @property
    def position_label(self) -> str:
        return ASK_POSITIONS.get(self.position, "—") if self.position else "—"


@dataclass
class MatchedRecommendation:
    """A recommendation confirmed as taking an ask up, and Kenya's response to it."""

    id: int
    reference: str
    text: str
    response: str
    verdict: str
    states: list[str] = field(default_factory=list)

    @property
    def verdict_label(self) -> str:
        return MATCH_VERDICTS.get(self.verdict, self.verdict)

    @property
    def response_label(self) -> str:
        return RESPONSES.get(self.response, self.response)

    @property
    def state_names(self) -> list[str]:
        return [country_name(s) for s in self.states]


@dataclass
class TakenUp:
    """A state that made a recommendation taking an ask up: its best verdict, and whether a meeting came first."""

    state: str
    verdict: str
    after_meeting: bool

    @property
    def name(self) -> str:
        return country_name(self.state)

    @property
    def verdict_label(self) -> str:
        return MATCH_VERDICTS.get(self.verdict, self.verdict)


@dataclass
class AskUptake:
    """One ask of the cycle: the states pitched, the recommendations that took it up and their states."""

    ask: Ask
    pitched: list[Pitch]
    recommendations: list[MatchedRecommendation]
    taken_up: list[TakenUp]

    @property
    def pitched_not_taken_up(self) -> list[Pitch]:
        states = {t.state for t in self.taken_up}
        return [p for p in self.pitched if p.state not in states]


@dataclass
class StateUptake:
    """One state across the cycle's asks."""

    state: str
    pitched: int = 0
    taken_up: int = 0
    after_meeting: int = 0
    pitched_not_taken_up: int = 0
    # In a coalition: {(member id, short name): how many asks its meetings pitched to the state}.
    pitched_by: dict[tuple[int, str], int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return country_name(self.state)

    @property
    def pairs(self) -> dict[str, int]:
        """The state's (ask, state) pairs by what they came to (PAIR_KINDS)."""
        return {"pitched_taken_up": self.after_meeting, "taken_up_without_meeting": self.taken_up - self.after_meeting,
                "pitched_not_taken_up": self.pitched_not_taken_up}


@dataclass
class Tally:
    """Asks and (ask, state) pairs counted together: the whole cycle, or one theme."""

    name: str = ""
    asks: int = 0
    asks_taken_up: int = 0             # taken up by at least one state
    asks_taken_up_after_meeting: int = 0  # by at least one state pitched before the review
    pairs: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PAIR_KINDS, 0))

    def add(self, item: AskUptake) -> None:
        self.asks += 1
        self.asks_taken_up += bool(item.taken_up)
        self.asks_taken_up_after_meeting += any(t.after_meeting for t in item.taken_up)
        for t in item.taken_up:
            self.pairs["pitched_taken_up" if t.after_meeting else "taken_up_without_meeting"] += 1
        self.pairs["pitched_not_taken_up"] += len(item.pitched_not_taken_up)


@dataclass
class CycleShown:
    """The cycle a report shows, and how the page names it."""

    number: int | None
    wg_session: int | None = None
    review_on: date | None = None
    state_under_review: str | None = None

    @property
    def label(self) -> str:
        if self.number is None:
            return "no cycle (no asks yet)"
        parts = [f"UPR {self.wg_session}"] if self.wg_session else []
        parts.append(f"Working Group review {format_date(self.review_on)}" if self.review_on
                     else "no Working Group review date yet")
        return f"cycle {self.number} ({', '.join(parts)})"

    @property
    def shown(self) -> str:
        """`label` in the page's language, for the report's page and PDF (the API keeps `label`, English)."""
        if self.number is None:
            return _("no cycle (no asks yet)")
        parts = [_("UPR %(session)s", session=self.wg_session)] if self.wg_session else []
        parts.append(_("Working Group review %(day)s", day=format_short_day(self.review_on, current_language()))
                     if self.review_on else _("no Working Group review date yet"))
        return _("cycle %(number)s (%(details)s)", number=self.number, details=", ".join(parts))


@dataclass
class UptakeReport:
    cycle: CycleShown
    asks: list[AskUptake]
    states: list[StateUptake]
    themes: list[Tally]
    totals: Tally
    now: datetime
    coalition: bool = False   # more than one member organisation: pitches say whose meetings they were
    member: str | None = None  # the one member whose meetings are counted (`?member=`), by short name
    member_id: int | None = None

    @property
    def not_taken_up(self) -> int:
        return self.totals.asks - self.totals.asks_taken_up


# ---- the query string ----

def cycle_arg(raw: str | None) -> int | None:
    """?cycle=N as a number from 1 to MAX_CYCLE (None: not given); a ValidationError names `cycle` otherwise."""
    raw = (raw or "").strip()
    if not raw:
        return None
    digits = raw.removeprefix("+")  # "+4" is a number as the API's document writes one
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 30 and 1 <= int(digits) <= MAX_CYCLE):
        raise ValidationError.for_fields({"cycle": [_("Choose a cycle from 1 to %(last)s (got %(value)s).", last=MAX_CYCLE,
                                                           value=repr(raw[:20]))]})
    return int(digits)


def cycles_with_asks() -> list[int]:
    """The cycle numbers that have asks, newest first (one statement)."""
    return list(db.session.scalars(select(Ask.cycle).distinct().order_by(Ask.cycle.desc())))


# ---- the report ----

def _cycle_shown(number: int | None) -> CycleShown:
    """The cycle's Working Group session and review date, when the cycle is recorded (one statement)."""
    if number is None:
        return CycleShown(None)
    review = (select(Cycle.wg_session, Cycle.state_under_review, func.min(Milestone.due_on))
              .outerjoin(Milestone, (Milestone.cycle_id == Cycle.id) & (Milestone.kind == "wg_review"))
              .where(Cycle.number == number).group_by(Cycle.id, Cycle.wg_session, Cycle.state_under_review))
    row = db.session.execute(review).first()
    followed = current_app.config["ENGAGE_STATE_UNDER_REVIEW"] if has_app_context() else "KE"
    if row is None:
        return CycleShown(number, state_under_review=followed)
    return CycleShown(number, row[0], row[2], row[1] or followed)


def _matched(ids: list[int]) -> dict[int, list[MatchedRecommendation]]:
    """{ask id: the recommendations confirmed as taking it up, with their states} (one statement)."""
    if not ids:
        return {}
    state = func.coalesce(RecommendationState.state, Recommendation.recommending_state)
    query = (select(AskMatch.ask_id, AskMatch.verdict, Recommendation.id, Recommendation.reference,
                    Recommendation.sub_item, Recommendation.text, Recommendation.response, state)
             .join(Recommendation, Recommendation.id == AskMatch.recommendation_id)
             .outerjoin(RecommendationState, RecommendationState.recommendation_id == Recommendation.id)
             .where(AskMatch.ask_id.in_(ids), AskMatch.verdict.in_(TAKEN_UP))
             .order_by(AskMatch.ask_id, Recommendation.reference_sort, Recommendation.sub_item, Recommendation.id,
                       RecommendationState.position))
    out: dict[int, dict[int, MatchedRecommendation]] = defaultdict(dict)
    for ask_id, verdict, rec_id, reference, sub_item, text, response, code in db.session.execute(query):
        rec = out[ask_id].get(rec_id)
        if rec is None:
            rec = out[ask_id][rec_id] = MatchedRecommendation(
                rec_id, f"{reference} ({sub_item})" if sub_item else reference, text, response, verdict)
        if code and code not in rec.states:
            rec.states.append(code)
    return {ask_id: list(recs.values()) for ask_id, recs in out.items()}


def uptake_report(number: int | None, now: datetime, actor=None, member_id: int | None = None) -> UptakeReport:
    """The uptake report of cycle `number` (None: the newest cycle with asks) as `actor` may see it.

    In a coalition each pitch names the members whose meetings made it (of those the reader may see),
    and `member_id` counts one member's meetings alone: its pitches, the positions stated at its
    meetings, and "after a meeting" by its meetings."""
    coalition = coalition_mode()
    names = short_names() if coalition else {}
    member_id = member_id if coalition else None
    if number is None:
        number = db.session.scalar(select(func.max(Ask.cycle)))
    cycle = _cycle_shown(number)
    asks = list(db.session.scalars(
        select(Ask).where(Ask.cycle == number)
        # Only the themes are read: the rest would be a statement each (raiseload keeps it so).
        .options(selectinload(Ask.themes), raiseload("*"))
        .order_by(Ask.id))) if number is not None else []
    ids = [a.id for a in asks]
    review_starts = start_of_day(cycle.review_on, NAIROBI) if cycle.review_on else None
    # A state was met about an ask once such a meeting began; the state under review never recommends to itself.
    first_met: dict[tuple[int, str], datetime] = {}
    before_review: set[tuple[int, str]] = set()
    by_member: dict[tuple[int, str], dict[int, datetime]] = defaultdict(dict)  # each member's first pitch
    for ask_id, state, _meeting_id, starts_at, owner in meetings_about_asks(ids, actor, member_id, with_member=True):
        if starts_at > now or state == cycle.state_under_review:
            continue
        key = (ask_id, state)
        if key not in first_met or starts_at < first_met[key]:
            first_met[key] = starts_at
        if owner not in by_member[key] or starts_at < by_member[key][owner]:
            by_member[key][owner] = starts_at
        if review_starts is None or starts_at < review_starts:
            before_review.add(key)
    positions = ask_positions(ids, now, actor, member_id)
    matched = _matched(ids)

    def pitched_by(key) -> list[MemberPitch]:
        if not coalition:
            return []
        return sorted((MemberPitch(owner, names.get(owner, ""), met.date()) for owner, met in by_member[key].items()),
                      key=lambda b: (b.first_met_on, b.member))

    items = []
    for ask in asks:
        pitched = sorted((Pitch(state, met.date(), (ask.id, state) in before_review, positions.get((ask.id, state)),
                                pitched_by((ask_id, state)))
                          for (ask_id, state), met in first_met.items() if ask_id == ask.id), key=lambda p: p.name)
        best: dict[str, str] = {}
        for rec in matched.get(ask.id, []):
            for state in rec.states:
                if state not in best or _VERDICT_RANK[rec.verdict] < _VERDICT_RANK[best[state]]:
                    best[state] = rec.verdict
        taken_up = sorted((TakenUp(state, verdict, (ask.id, state) in before_review) for state, verdict in best.items()),
                          key=lambda t: t.name)
        items.append(AskUptake(ask, pitched, matched.get(ask.id, []), taken_up))
    return UptakeReport(cycle, items, _by_state(items), _by_theme(items), _total(items), now, coalition,
                        names.get(member_id) if member_id is not None else None, member_id)


def _by_state(items: list[AskUptake]) -> list[StateUptake]:
    states: dict[str, StateUptake] = {}
    for item in items:
        for p in item.pitched:
            row = states.setdefault(p.state, StateUptake(p.state))
            row.pitched += 1
            for b in p.pitched_by:
                key = (b.member_id, b.member)
                row.pitched_by[key] = row.pitched_by.get(key, 0) + 1
        for t in item.taken_up:
            row = states.setdefault(t.state, StateUptake(t.state))
            row.taken_up += 1
            row.after_meeting += t.after_meeting
        for p in item.pitched_not_taken_up:
            states[p.state].pitched_not_taken_up += 1
    return sorted(states.values(), key=lambda s: (-s.taken_up, -s.pitched, s.name))


def _by_theme(items: list[AskUptake]) -> list[Tally]:
    themes: dict[str, Tally] = {}
    for item in items:  # an ask counts under each of its themes
        for name in item.ask.theme_names or [NO_THEME]:
            themes.setdefault(name, Tally(name)).add(item)
    return sorted(themes.values(), key=lambda t: (t.name == NO_THEME, -t.asks, t.name))


def _total(items: list[AskUptake]) -> Tally:
    total = Tally(ALL_ASKS)
    for item in items:
        total.add(item)
    return total
