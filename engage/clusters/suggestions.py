"""Which recommendations of other cycles say the same thing: ranked by the asks' matcher, for staff to
confirm as one cluster.

No second matcher and no second rule: a recommendation is put to `engage.asks.matching` as an ask
would be (its text and themes) against a `Pool` of the other cycles' recommendations, ranked the
same way (IDF over the pool, F2 of the weighted overlap, shared themes), and a candidate is
suggested by the asks' own threshold rule (`meets_threshold`: from THRESHOLD, the first-ranked from
BEST_THRESHOLD). Measured on the shipped Slovenian matrices, cycle 3 against cycle 2 (a small
labelled set, tests/clusters/data): the right recommendation ranks first for about three in four
of those that have one, about half of the suggestions are right, and the rule finds a right match
for more recommendations than THRESHOLD alone would at about the same share right
(bench/RESULTS.md, "Clusters across cycles"). Staff confirm every group, unticking what does not
belong.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from engage.asks.matching import BEST_THRESHOLD, THRESHOLD, Ask, Candidate, Pool, meets_threshold
from engage.extensions import db
from engage.recommendations.models import Recommendation
from engage.schemas import check, refuse

from . import services
from .models import ClusterMember, RecommendationCluster
from .queries import clusters_of
from .schemas import SuggestionConfirm

SHOWN = 10  # ranked recommendations shown on a recommendation's page and by the API
PER_PROPOSAL = 6  # matches shown with one recommendation on the suggestions page
NAME_WORDS = 12


@dataclass
class Similar:
    """A recommendation of another cycle ranked against one recommendation, with the matcher's reasons."""

    recommendation: Recommendation
    score: float
    text_score: float
    shared_themes: tuple[str, ...]
    matched_terms: tuple[str, ...]
    suggested: bool
    cluster: RecommendationCluster | None


@dataclass
class Proposal:
    """A recommendation in no cluster and its matches in earlier cycles: a cluster to confirm, or the
    existing cluster (of its best clustered match) to join."""

    recommendation: Recommendation
    matches: list[Similar]
    cluster: RecommendationCluster | None


def _recommendations(*criteria) -> list[Recommendation]:
    # States and themes come with them (two statements more); the goals are not shown here.
    return list(db.session.scalars(select(Recommendation).options(lazyload(Recommendation.sdg_links))
                                   .where(*criteria)
                                   .order_by(Recommendation.cycle, Recommendation.reference_sort,
                                             Recommendation.sub_item, Recommendation.id)))


def _candidate(rec: Recommendation) -> Candidate:
    return Candidate(rec.id, rec.text, tuple(rec.theme_names), tuple(rec.recommending_states), rec.cycle)


def _ask(rec: Recommendation) -> Ask:
    return Ask(rec.text, tuple(rec.theme_names))


def _similar(ranked, by_id: dict[int, Recommendation], clusters: dict[int, RecommendationCluster]) -> list[Similar]:
    return [Similar(by_id[s.candidate.id], s.score, s.text_score, s.shared_themes, s.matched_terms,
                    meets_threshold(position, s.score), clusters.get(s.candidate.id))
            for position, s in enumerate(ranked)]


def similar_to(rec: Recommendation, limit: int | None = SHOWN) -> list[Similar]:
    """The recommendations of the other cycles ranked against `rec`, best first (`suggested` by the
    asks' threshold rule), each with its cluster if it has one."""
    others = _recommendations(Recommendation.cycle != rec.cycle)
    ranked = Pool(_candidate(r) for r in others).rank(_ask(rec), limit=limit)
    by_id = {r.id: r for r in others}
    return _similar(ranked, by_id, clusters_of([s.candidate.id for s in ranked]))


def bar() -> tuple[float, float]:
    """(THRESHOLD, BEST_THRESHOLD): a match is suggested from the first, the first-ranked from the second."""
    return THRESHOLD, BEST_THRESHOLD


def newest_cycle() -> int | None:
    """The newest cycle that has recommendations."""
    return db.session.scalar(select(func.max(Recommendation.cycle)))


def proposals(cycle: int | None = None) -> list[Proposal]:
    """For each recommendation of `cycle` (default: the newest) in no cluster, its matches in earlier
    cycles that the asks' threshold rule suggests, best first; those with none are left out. A
    constant number of statements."""
    cycle = newest_cycle() if cycle is None else cycle
    if cycle is None:
        return []
    held = _recommendations(Recommendation.cycle <= cycle)
    earlier = [r for r in held if r.cycle < cycle]
    clustered = set(db.session.scalars(select(ClusterMember.recommendation_id)
                                       .join(Recommendation).where(Recommendation.cycle <= cycle)))
    if not earlier:
        return []
    pool = Pool(_candidate(r) for r in earlier)
    by_id = {r.id: r for r in earlier}
    found: list[tuple[Recommendation, list]] = []
    for rec in held:
        if rec.cycle != cycle or rec.id in clustered:
            continue
        ranked = [s for position, s in enumerate(pool.rank(_ask(rec), limit=PER_PROPOSAL))
                  if meets_threshold(position, s.score)]
        if ranked:
            found.append((rec, ranked))
    clusters = clusters_of({s.candidate.id for _, ranked in found for s in ranked})
    out = []
    for rec, ranked in found:
        matches = _similar(ranked, by_id, clusters)
        join = next((m.cluster for m in matches if m.cluster is not None), None)
        # Matches in some other cluster than the one to join are shown, not moved.
        out.append(Proposal(rec, [m for m in matches if m.cluster is None or m.cluster is join], join))
    return out


def _name_from(text: str) -> str:
    words = text.split()
    name = " ".join(words[:NAME_WORDS]) + ("…" if len(words) > NAME_WORDS else "")
    return name if len(name) <= 200 else name[:199] + "…"


def confirm(actor, now, data) -> RecommendationCluster:
    """Confirm a suggested group (`data`: a SuggestionConfirm): its recommendations join the cluster
    named, or a new one (named after the first recommendation unless `name` is given). The members
    keep the matcher's score against the first one."""
    body = check(SuggestionConfirm, data)
    lead = db.session.get(Recommendation, body.recommendation_ids[0])
    if lead is None:
        refuse({"recommendation_ids": _("No recommendation with id %(id)s.", id=body.recommendation_ids[0])})
    scores = {s.recommendation.id: s.score for s in similar_to(lead, limit=None)
              if s.recommendation.id in body.recommendation_ids}
    if body.cluster_id is not None:
        cluster = db.session.get(RecommendationCluster, body.cluster_id)
        if cluster is None:
            refuse({"cluster_id": _("No cluster with id %(id)s.", id=body.cluster_id)})
        services.add_members(actor, now, cluster, {"recommendation_ids": body.recommendation_ids}, scores)
        return cluster
    return services.create_cluster(actor, now, {"name": body.name or _name_from(lead.text),
                                                "recommendation_ids": body.recommendation_ids}, scores)
