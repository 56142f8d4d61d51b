"""The CSV export of clusters: one row per member, with its cycle, reference, text, states and response."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from engage.extensions import db
from engage.recommendations.models import Recommendation
from engage.spreadsheets import csv_chunks

from .models import ClusterMember, RecommendationCluster

COLUMNS = ["cluster_id", "cluster", "cycle", "reference", "text", "states", "state_names", "response", "score"]


def _rows(cluster_query):
    ids = cluster_query.with_only_columns(RecommendationCluster.id).order_by(None)
    statement = (select(RecommendationCluster, ClusterMember, Recommendation)
                 .join(ClusterMember, ClusterMember.cluster_id == RecommendationCluster.id)
                 .join(Recommendation, Recommendation.id == ClusterMember.recommendation_id)
                 .options(lazyload(Recommendation.sdg_links), lazyload(Recommendation.themes))
                 .where(RecommendationCluster.id.in_(ids))
                 .order_by(RecommendationCluster.name, RecommendationCluster.id, Recommendation.cycle,
                           Recommendation.reference_sort, Recommendation.sub_item))
    for cluster, member, rec in db.session.execute(statement):
        yield [cluster.id, cluster.name, rec.cycle, rec.full_reference, rec.text, "; ".join(rec.recommending_states),
               rec.state_name, rec.response, "" if member.score is None else f"{member.score:.2f}"]


def clusters_csv(cluster_query):
    """The members of the clusters a select() finds, as CSV chunks (a BOM, so Excel reads it as UTF-8)."""
    return csv_chunks(COLUMNS, _rows(cluster_query), bom=True)
