"""Cluster services: add, rename, merge and delete clusters; add and remove their members.

Who writes: whoever may edit recommendations (staff and up: `upr.views` and the recommendations API
let staff change a recommendation), so the pages and the API need the staff role and nothing more
here. Every change is kept in the cluster's history.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from pydantic import BaseModel
from sqlalchemy import delete, func, select, update

from engage.errors import ConflictError, NotFoundError, PermissionDenied
from engage.extensions import db
from engage.history import record_change
from engage.implementation import services as implementation
from engage.implementation.schemas import ClusterAssessmentCreate
from engage.recommendations.models import Recommendation
from engage.schemas import check, refuse

from .models import ClusterMember, RecommendationCluster
from .schemas import ClusterCreate, ClusterMerge, ClusterUpdate, MembersAdd

SEARCH_TERMS_MAX = 12


def get_cluster(cluster_id: int) -> RecommendationCluster:
    """The cluster with that id, or NotFoundError."""
    cluster = db.session.get(RecommendationCluster, cluster_id) if 0 < cluster_id < 2**31 else None
    if cluster is None:
        raise NotFoundError(_("No cluster with id %(id)s.", id=cluster_id))
    return cluster


def _checked_members(ids: list[int], cluster: RecommendationCluster | None, field: str = "recommendation_ids"
                     ) -> list[int]:
    """The ids not yet in `cluster`; refuses ids with no recommendation (422) and those in another cluster (409)."""
    if not ids:
        return []
    found = set(db.session.scalars(select(Recommendation.id).where(Recommendation.id.in_(ids))))
    missing = [i for i in ids if i not in found]
    if missing:
        refuse({field: _("No recommendation with id %(id)s.", id=", ".join(map(str, missing)))})
    held = dict(db.session.execute(select(ClusterMember.recommendation_id, ClusterMember.cluster_id)
                                   .where(ClusterMember.recommendation_id.in_(ids))).all())
    elsewhere = sorted(i for i, c in held.items() if cluster is None or c != cluster.id)
    if elsewhere:
        names = dict(db.session.execute(select(RecommendationCluster.id, RecommendationCluster.name)
                                        .where(RecommendationCluster.id.in_({held[i] for i in elsewhere}))).all())
        shown = "; ".join(_("%(id)s in “%(name)s”", id=i, name=names[held[i]]) for i in elsewhere)
        raise ConflictError(_("A recommendation is in one cluster at most: %(shown)s. Remove it there first, or "
                              "merge the clusters.", shown=shown),
                            {field: [_("Already in another cluster: %(shown)s.", shown=shown)]})
    return [i for i in ids if i not in held]


def _add(actor, now, cluster: RecommendationCluster, ids: list[int], scores: dict[int, float] | None = None) -> None:
    scores = scores or {}
    for rec_id in ids:
        db.session.add(ClusterMember(cluster_id=cluster.id, recommendation_id=rec_id, score=scores.get(rec_id),
                                     added_by_id=getattr(actor, "id", None), added_at=now))


def create_cluster(actor, now, data: Any, scores: dict[int, float] | None = None) -> RecommendationCluster:
    """Add a cluster (`data`: a ClusterCreate or what it validates) with its first members; `scores`
    are the matcher's, for members confirmed from a suggestion."""
    body = check(ClusterCreate, data)
    ids = _checked_members(body.recommendation_ids, None)
    cluster = RecommendationCluster(name=body.name, description=body.description,
                                    created_by_id=getattr(actor, "id", None), created_at=now, updated_at=now)
    db.session.add(cluster)
    db.session.flush()
    _add(actor, now, cluster, ids, scores)
    record_change(actor, now, cluster, "created", {"name": [None, cluster.name]}
                  | ({"members": [[], ids]} if ids else {}))
    db.session.flush()
    return cluster


def update_cluster(actor, now, cluster: RecommendationCluster, data: Any) -> dict:
    """Rename or describe a cluster (`data`: a ClusterUpdate or what it validates); returns what changed."""
    body = check(ClusterUpdate, data)
    changed = {}
    for name in ("name", "description"):
        if name in body.model_fields_set and getattr(body, name) != getattr(cluster, name):
            if name == "name" and body.name is None:
                refuse({"name": _("Give the cluster a name.")})
            changed[name] = [getattr(cluster, name), getattr(body, name)]
            setattr(cluster, name, getattr(body, name))
    if changed:
        cluster.updated_at = now
        record_change(actor, now, cluster, "updated", changed)
    return changed


def add_members(actor, now, cluster: RecommendationCluster, data: Any,
                scores: dict[int, float] | None = None) -> list[int]:
    """Add recommendations to a cluster (`data`: a MembersAdd or what it validates); returns the ids
    added (those already in it are left as they are). Refuses one in another cluster (409)."""
    body = check(MembersAdd, data)
    ids = _checked_members(body.recommendation_ids, cluster)
    if ids:
        _add(actor, now, cluster, ids, scores)
        cluster.updated_at = now
        record_change(actor, now, cluster, "members_added", {"members": [None, ids]})
        db.session.flush()
    return ids


def remove_member(actor, now, cluster: RecommendationCluster, recommendation_id: int) -> None:
    """Take a recommendation out of a cluster (NotFoundError when it is not in it)."""
    gone = db.session.execute(delete(ClusterMember).where(ClusterMember.cluster_id == cluster.id,
                                                          ClusterMember.recommendation_id == recommendation_id))
    if not gone.rowcount:
        raise NotFoundError(_("Recommendation %(id)s is not in this cluster.", id=recommendation_id))
    cluster.updated_at = now
    record_change(actor, now, cluster, "member_removed", {"members": [[recommendation_id], None]})


def merge_clusters(actor, now, cluster: RecommendationCluster, data: Any) -> int:
    """Merge another cluster into `cluster` (`data`: a ClusterMerge): its members move here and it is
    deleted. Returns how many members moved."""
    body = check(ClusterMerge, data)
    if body.cluster_id == cluster.id:
        refuse({"cluster_id": _("Choose another cluster: a cluster cannot be merged into itself.")})
    other = db.session.get(RecommendationCluster, body.cluster_id)
    if other is None:
        refuse({"cluster_id": _("No cluster with id %(id)s.", id=body.cluster_id)})
    moved = db.session.execute(update(ClusterMember).where(ClusterMember.cluster_id == other.id)
                               .values(cluster_id=cluster.id)).rowcount
    cluster.updated_at = now
    record_change(actor, now, cluster, "merged", {"merged": [other.name, cluster.name], "moved": [None, moved]})
    record_change(actor, now, other, "deleted", {"merged into": [None, cluster.id]})
    db.session.execute(delete(RecommendationCluster).where(RecommendationCluster.id == other.id))
    db.session.expunge(other)
    return moved


def delete_cluster(actor, now, cluster: RecommendationCluster) -> None:
    """Delete a cluster: its recommendations stay, in no cluster."""
    record_change(actor, now, cluster, "deleted", {"name": [cluster.name, None]})
    # The members go in SQL with the row (ON DELETE CASCADE); the session forgets the cluster.
    db.session.execute(delete(RecommendationCluster).where(RecommendationCluster.id == cluster.id))
    db.session.expunge(cluster)


def assess_cluster(actor, now, cluster: RecommendationCluster, data: Any, documents=()) -> list:
    """Record the same assessment (`data`: a ClusterAssessmentCreate or what it validates) of every
    recommendation in `cluster`, each with its own copy of the documents; returns them. All or nothing."""
    if not implementation.can_record(actor):
        raise PermissionDenied(_("Only staff record assessments."))
    fields = data.model_dump(exclude_unset=True) if isinstance(data, BaseModel) else dict(data)
    ids = list(db.session.scalars(select(ClusterMember.recommendation_id)
                                  .where(ClusterMember.cluster_id == cluster.id)
                                  .order_by(ClusterMember.recommendation_id)))
    if not ids:
        refuse({"cluster": _("This cluster has no recommendations to assess: add some first.")})
    check(ClusterAssessmentCreate, fields)  # the fields' own messages, before anything is written
    documents = list(documents)
    # Each assessment is recorded by the one service that records one, so each is checked, restricted
    # and kept in history the same way. Every member gets the same checked input, so a refusal comes
    # from the first before anything is written; any later one is rolled back with the request.
    # Each keeps its own copy of the documents: deleting one assessment (or a document of it) leaves
    # the others' evidence whole.
    return [implementation.create_assessment(actor, now, {**fields, "recommendation_id": rec_id}, documents)
            for rec_id in ids]


def cluster_query(q: str | None = None, cycle: int | None = None):
    """A select() of clusters by name; `q` matches every word of the name or description, `cycle` keeps
    those with a member of that cycle."""
    query = select(RecommendationCluster)
    if q:
        for term in q.replace("\x00", " ").split()[:SEARCH_TERMS_MAX]:
            term = term.lower()
            query = query.where(
                func.lower(RecommendationCluster.name).contains(term, autoescape=True)
                | func.lower(func.coalesce(RecommendationCluster.description, "")).contains(term, autoescape=True))
    if cycle is not None:
        query = query.where(select(ClusterMember.cluster_id).join(Recommendation)
                            .where(ClusterMember.cluster_id == RecommendationCluster.id, Recommendation.cycle == cycle)
                            .exists())
    return query.order_by(func.lower(RecommendationCluster.name), RecommendationCluster.id)
