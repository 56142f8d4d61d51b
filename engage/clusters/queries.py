"""What the cluster pages read: members with their recommendations, and the lists' summaries in a
fixed number of statements."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from engage.extensions import db
from engage.recommendations.models import Recommendation, RecommendationState

from .models import ClusterMember, RecommendationCluster


@dataclass
class ClusterSummary:
    """What a list shows of a cluster: its size, per cycle, Kenya's responses and how many states."""

    members: int = 0
    cycles: dict[int, int] = field(default_factory=dict)  # cycle -> recommendations, oldest cycle first
    responses: Counter = field(default_factory=Counter)
    states: int = 0


def summaries(cluster_ids) -> dict[int, ClusterSummary]:
    """{cluster id: its summary} for these clusters, in two statements whatever their number."""
    ids = list(cluster_ids)
    out = {i: ClusterSummary() for i in ids}
    if not ids:
        return out
    rows = db.session.execute(
        select(ClusterMember.cluster_id, Recommendation.cycle, Recommendation.response, func.count())
        .join(Recommendation, Recommendation.id == ClusterMember.recommendation_id)
        .where(ClusterMember.cluster_id.in_(ids))
        .group_by(ClusterMember.cluster_id, Recommendation.cycle, Recommendation.response)
        .order_by(ClusterMember.cluster_id, Recommendation.cycle)).all()
    for cluster_id, cycle, response, count in rows:
        summary = out[cluster_id]
        summary.members += count
        summary.cycles[cycle] = summary.cycles.get(cycle, 0) + count
        summary.responses[response] += count
    states = db.session.execute(
        select(ClusterMember.cluster_id, func.count(func.distinct(RecommendationState.state)))
        .join(RecommendationState, RecommendationState.recommendation_id == ClusterMember.recommendation_id)
        .where(ClusterMember.cluster_id.in_(ids)).group_by(ClusterMember.cluster_id)).all()
    for cluster_id, count in states:
        out[cluster_id].states = count
    return out


def members_of(cluster: RecommendationCluster) -> list[ClusterMember]:
    """The cluster's members with their recommendations (states and themes loaded), oldest cycle first,
    then in paragraph order."""
    return list(db.session.scalars(
        select(ClusterMember).join(Recommendation, Recommendation.id == ClusterMember.recommendation_id)
        .options(selectinload(ClusterMember.recommendation))
        .where(ClusterMember.cluster_id == cluster.id)
        .order_by(Recommendation.cycle, Recommendation.reference_sort, Recommendation.sub_item, Recommendation.id)))


def members_by_cycle(members: list[ClusterMember]) -> dict[int, list[ClusterMember]]:
    """The members grouped by cycle, oldest first: the cluster's history."""
    grouped: dict[int, list[ClusterMember]] = defaultdict(list)
    for member in members:
        grouped[member.recommendation.cycle].append(member)
    return dict(sorted(grouped.items()))


def clusters_of(recommendation_ids) -> dict[int, RecommendationCluster]:
    """{recommendation id: its cluster} for those of `recommendation_ids` in one (one statement)."""
    ids = list(recommendation_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(ClusterMember.recommendation_id, RecommendationCluster)
                              .join(RecommendationCluster, RecommendationCluster.id == ClusterMember.cluster_id)
                              .where(ClusterMember.recommendation_id.in_(ids))).all()
    return {rec_id: cluster for rec_id, cluster in rows}


def all_clusters() -> list[tuple[int, str]]:
    """(id, name) of every cluster by name, for a merge or join picker."""
    return [(row.id, row.name) for row in db.session.execute(
        select(RecommendationCluster.id, RecommendationCluster.name)
        .order_by(func.lower(RecommendationCluster.name), RecommendationCluster.id))]
