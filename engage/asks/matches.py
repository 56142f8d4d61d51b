"""Matches: the recommendations the matcher suggests for an ask, and staff's verdict on each.

After a cycle's recommendations are imported, `engage.asks.matching` ranks them against each ask of
the cycle. A lead confirms a suggestion as taken up in full or in part, or rejects it ("not a
match"); each verdict is an `AskMatch` row, kept in the ask's history. A decided recommendation is no
longer suggested for that ask, so a list of pending suggestions shrinks as a lead works through it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, raiseload, selectinload

from engage.errors import NotFoundError, ValidationError
from engage.extensions import db
from engage.history import record_change
from engage.schemas import check
from engage.recommendations.models import Recommendation

from . import matching
from .models import MATCH_VERDICTS, TAKEN_UP, Ask, AskMatch
from .schemas import MatchDecision
from .services import ask_query, may_write


@dataclass(frozen=True)
class MatchSuggestion:
    """A recommendation the matcher offers for an ask, not yet decided."""

    recommendation: Recommendation
    score: float
    shared_themes: tuple[str, ...]
    target_state: bool  # made by a state the ask is pitched to


class CyclePool:
    """A cycle's recommendations, loaded once, with the matcher's prepared `Pool` over them: build one
    per cycle per request and rank every ask of the cycle against it."""

    def __init__(self, cycle: int):
        self.cycle = cycle
        recommendations = matching.cycle_recommendations(cycle)
        # Held here (the session's identity map holds rows only weakly) so a suggestion costs no query.
        self.recommendations = {r.id: r for r in recommendations}
        self.pool = matching.Pool(matching.as_candidate(r) for r in recommendations)

    def rank(self, ask: Ask) -> list[matching.Suggestion]:
        """Every recommendation of the cycle sharing a word with the ask, best first."""
        return self.pool.rank(_matcher_ask(ask), limit=None)


def _matcher_ask(ask: Ask) -> matching.Ask:
    return matching.Ask(ask.text, tuple(ask.theme_names), tuple(ask.target_states), ask.cycle)


def suggest_matches(ask: Ask, pool: CyclePool | None = None) -> list[MatchSuggestion]:
    """The matcher's ranked suggestions for an ask, without the recommendations already decided for it.
    Pass the cycle's `pool` when ranking several asks."""
    pool = pool if pool is not None and pool.cycle == ask.cycle else CyclePool(ask.cycle)
    decided = {m.recommendation_id for m in ask.matches}
    return [MatchSuggestion(pool.recommendations[s.candidate.id], s.score, s.shared_themes, s.target_state)
            for s in pool.rank(ask) if s.suggested and s.candidate.id not in decided]


def pending_counts(asks: list[Ask], pools: dict[int, CyclePool] | None = None) -> dict[int, int]:
    """For each ask, how many suggestions are still to decide (one pool per cycle, kept in `pools`)."""
    pools = {} if pools is None else pools
    counts = {}
    for ask in asks:
        if ask.cycle not in pools:
            pools[ask.cycle] = CyclePool(ask.cycle)
        counts[ask.id] = len(suggest_matches(ask, pools[ask.cycle]))
    return counts


def cycle_asks_with_pending(cycle: int) -> tuple[list[Ask], dict[int, int], CyclePool]:
    """The asks of a cycle (with their matches, not the past recommendations they build on), how many
    suggestions each has still to decide, and the cycle's pool: a constant number of statements however
    many asks. Keep the pool while showing the matches: it holds their recommendations."""
    # The pool first: it loads every recommendation of the cycle with its themes and states, so the
    # matches' recommendations (all of the ask's cycle) are found in the session without a statement.
    pool = CyclePool(cycle)
    query = ask_query(cycle=cycle).options(raiseload(Ask.recommendations),
                                           selectinload(Ask.matches).lazyload(AskMatch.recommendation))
    asks = list(db.session.scalars(query))
    return asks, pending_counts(asks, {cycle: pool}), pool


def split_matches(ask: Ask) -> tuple[list[AskMatch], list[AskMatch]]:
    """The ask's decided matches: (taken up in full or in part, best first; rejected)."""
    confirmed = sorted((m for m in ask.matches if m.taken_up),
                       key=lambda m: (m.verdict != "full", m.recommendation.reference_sort, m.recommendation.sub_item))
    rejected = [m for m in ask.matches if not m.taken_up]
    return confirmed, rejected


def _recommendation(ask: Ask, recommendation_id: int) -> Recommendation:
    recommendation = db.session.get(Recommendation, recommendation_id)
    if recommendation is None:
        message = _("No recommendation with id %(id)s.", id=recommendation_id)
        raise NotFoundError(message, {"recommendation_id": [message]})
    if recommendation.cycle != ask.cycle:
        # An ask is pitched for one review; a recommendation of another cycle answers another pitch.
        raise ValidationError.for_fields({"recommendation_id": _(
            "Recommendation %(recommendation)s is of cycle %(cycle)s; ask %(ask)s is of cycle %(ask_cycle)s. "
            "Link a recommendation of the ask's cycle.", recommendation=recommendation.label,
            cycle=recommendation.cycle, ask=ask.id, ask_cycle=ask.cycle)})
    return recommendation


def _matcher_score(ask: Ask, recommendation: Recommendation) -> float | None:
    """The matcher's score for the pair when it suggests it; None for a link made by hand."""
    for suggestion in CyclePool(ask.cycle).rank(ask):
        if suggestion.candidate.id == recommendation.id:
            return suggestion.score if suggestion.suggested else None
    return None


def decide_match(actor, now, ask: Ask, data: Any) -> tuple[AskMatch, bool]:
    """Record whether a recommendation of the ask's cycle takes the ask up (`data`: a MatchDecision or
    what it validates); deciding again changes the verdict. Returns the match and whether it is new.
    Kept in the ask's history. Leads and admins only."""
    may_write(actor)
    body = check(MatchDecision, data)
    recommendation = _recommendation(ask, body.recommendation_id)
    match = next((m for m in ask.matches if m.recommendation_id == recommendation.id), None)
    label = f"recommendation {recommendation.label}"
    if match is None:
        match = AskMatch(recommendation=recommendation, verdict=body.verdict, note=body.note,
                         score=_matcher_score(ask, recommendation), decided_by_id=getattr(actor, "id", None),
                         decided_at=now)
        ask.matches.append(match)
        db.session.flush()
        changes = {label: [None, MATCH_VERDICTS[body.verdict]]}
        if body.note:
            changes["note"] = [None, body.note]
        record_change(actor, now, ask, "match_decided", changes)
        return match, True
    changes = {}
    if match.verdict != body.verdict:
        changes[label] = [match.verdict_label, MATCH_VERDICTS[body.verdict]]
    if "note" in body.model_fields_set and match.note != body.note:
        changes["note"] = [match.note, body.note]
    if changes:
        match.verdict = body.verdict
        if "note" in body.model_fields_set:
            match.note = body.note
        match.decided_by_id, match.decided_at = getattr(actor, "id", None), now
        db.session.flush()
        record_change(actor, now, ask, "match_decided", changes)
    return match, False


def undo_match(actor, now, ask: Ask, recommendation_id: int) -> None:
    """Forget the verdict on a recommendation for an ask: the matcher may suggest it again. Kept in the
    ask's history. Leads and admins only."""
    may_write(actor)
    match = next((m for m in ask.matches if m.recommendation_id == recommendation_id), None)
    if match is None:
        message = _("Nothing was decided for recommendation %(recommendation)s on ask %(ask)s.",
                    recommendation=recommendation_id, ask=ask.id)
        raise NotFoundError(message, {"recommendation_id": [message]})
    record_change(actor, now, ask, "match_undone",
                  {f"recommendation {match.recommendation.label}": [match.verdict_label, None]})
    ask.matches.remove(match)
    db.session.flush()


def confirmed_query(cycle: int | None = None):
    """A select() of the links taken up (in full or in part), by cycle, ask and recommendation."""
    query = (select(AskMatch).join(AskMatch.ask).join(AskMatch.recommendation)
             .options(contains_eager(AskMatch.ask), contains_eager(AskMatch.recommendation),
                      joinedload(AskMatch.decided_by))
             .where(AskMatch.verdict.in_(TAKEN_UP)))
    if cycle is not None:
        query = query.where(Ask.cycle == cycle)
    return query.order_by(Ask.cycle.desc(), Ask.id, Recommendation.reference_sort, Recommendation.sub_item,
                          AskMatch.id)
