"""/clusters: recommendations of several cycles that make the same demand; and a recommendation's
ranked matches in other cycles (/recommendations/{id}/cluster-suggestions)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from flask import g, jsonify
from pydantic import BaseModel, ConfigDict, Field

from engage.clock import now_utc
from engage.clusters import queries, services, suggestions
from engage.clusters.models import RecommendationCluster
from engage.clusters.schemas import ClusterCreate, ClusterMerge, ClusterUpdate, MembersAdd
from engage.extensions import db
from engage.implementation.models import ASSESSMENT_STATUSES
from engage.implementation.queries import latest_assessments
from engage.implementation.schemas import ClusterAssessmentCreate
from engage.recommendations.models import MAX_CYCLE, RESPONSES
from engage.upr.services import get_recommendation

from .common import ApiError, int_arg, json_body, page_args, parse, text_arg, utc_text
from .openapi import api_route

Response = Literal[tuple(RESPONSES)]  # type: ignore[valid-type]
Status = Literal[tuple(ASSESSMENT_STATUSES)]  # type: ignore[valid-type]


class ClusterMemberOut(BaseModel):
    model_config = ConfigDict(title="ClusterMember")
    recommendation_id: int
    cycle: int
    reference: str = Field(description='As shown, with its item: "102.3 (1)"')
    text: str
    recommending_states: list[str]
    recommending_state_names: list[str]
    response: Response
    score: float | None = Field(description="The matcher's score when confirmed from a suggestion; null when added by hand")
    added_at: str
    latest_status: Status | None = Field(None, description="Its latest assessment's status that the caller may "
                                                           "see; null when none")
    latest_assessed_on: date | None = None


class ClusterOut(BaseModel):
    model_config = ConfigDict(title="Cluster")
    id: int
    name: str
    description: str | None
    member_count: int
    cycles: list[int] = Field(description="The cycles its recommendations were made in, oldest first")
    created_at: str
    updated_at: str


class ClusterDetailOut(ClusterOut):
    model_config = ConfigDict(title="ClusterWithMembers")
    members: list[ClusterMemberOut] = Field(description="Oldest cycle first, then in paragraph order")


class ClusterSuggestionOut(BaseModel):
    model_config = ConfigDict(title="ClusterSuggestion")
    recommendation_id: int
    cycle: int
    reference: str
    text: str
    recommending_states: list[str]
    response: Response
    score: float
    suggested: bool = Field(description="Reaches the bar staff are asked to confirm from")
    shared_themes: list[str]
    cluster_id: int | None = Field(description="The cluster it is in already, if any")


class ClusterSuggestionsOut(BaseModel):
    model_config = ConfigDict(title="ClusterSuggestions")
    recommendation_id: int
    cluster_id: int | None
    threshold: float = Field(description="A match is suggested from this score")
    best_threshold: float = Field(description="The first-ranked match is suggested from this score")
    items: list[ClusterSuggestionOut]


def _cluster_fields(cluster: RecommendationCluster, summary: queries.ClusterSummary) -> dict:
    return dict(id=cluster.id, name=cluster.name, description=cluster.description, member_count=summary.members,
                cycles=sorted(summary.cycles), created_at=utc_text(cluster.created_at),
                updated_at=utc_text(cluster.updated_at))


def cluster_json(cluster: RecommendationCluster) -> dict:
    """A cluster with its members, as the contract shows it."""
    members = queries.members_of(cluster)
    summary = queries.summaries([cluster.id])[cluster.id]
    latest = latest_assessments(g.api_user, [m.recommendation_id for m in members])
    return ClusterDetailOut(**_cluster_fields(cluster, summary), members=[ClusterMemberOut(
        recommendation_id=m.recommendation_id, cycle=m.recommendation.cycle, reference=m.recommendation.full_reference,
        text=m.recommendation.text, recommending_states=m.recommendation.recommending_states,
        recommending_state_names=m.recommendation.state_names, response=m.recommendation.response,
        score=m.score, added_at=utc_text(m.added_at),
        latest_status=latest[m.recommendation_id].status if m.recommendation_id in latest else None,
        latest_assessed_on=latest[m.recommendation_id].assessed_on if m.recommendation_id in latest else None)
        for m in members]).model_dump(mode="json")


@api_route("/clusters", "GET", "List clusters of recommendations across cycles", response=ClusterOut, is_list=True,
           params=(
               {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
               {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
               {"name": "q", "in": "query", "schema": {"type": "string"},
                "description": "Every word must appear in the name or description"},
               {"name": "cycle", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_CYCLE},
                "description": "Only clusters with a recommendation of this cycle"}))
def list_clusters():
    page, per_page = page_args()
    # Not common.paginated: a page's summaries are read together (two statements), not per cluster.
    result = db.paginate(services.cluster_query(q=text_arg("q"), cycle=int_arg("cycle")), page=page,
                         per_page=per_page, error_out=False, count=True)
    found = queries.summaries(c.id for c in result.items)
    return jsonify({"items": [ClusterOut(**_cluster_fields(c, found[c.id])).model_dump(mode="json")
                              for c in result.items],
                    "total": result.total, "page": page, "per_page": per_page})


@api_route("/clusters", "POST", "Add a cluster, with its first members", body=ClusterCreate,
           response=ClusterDetailOut, status=201, errors=(400, 401, 403, 409, 422))
def create_cluster():
    body = parse(ClusterCreate, json_body())
    cluster = services.create_cluster(g.api_user, now_utc(), body)
    return jsonify(cluster_json(cluster)), 201


@api_route("/clusters/<int:cluster_id>", "GET", "Get a cluster with its members", response=ClusterDetailOut)
def get_cluster(cluster_id):
    return jsonify(cluster_json(services.get_cluster(cluster_id)))


@api_route("/clusters/<int:cluster_id>", "PATCH", "Rename a cluster or change its description", body=ClusterUpdate,
           response=ClusterDetailOut, errors=(400, 401, 403, 404, 422))
def update_cluster(cluster_id):
    cluster = services.get_cluster(cluster_id)
    body = parse(ClusterUpdate, json_body())
    services.update_cluster(g.api_user, now_utc(), cluster, body)
    return jsonify(cluster_json(cluster))


@api_route("/clusters/<int:cluster_id>", "DELETE", "Delete a cluster (its recommendations are kept)", status=204,
           errors=(401, 403, 404))
def delete_cluster(cluster_id):
    services.delete_cluster(g.api_user, now_utc(), services.get_cluster(cluster_id))
    return "", 204


@api_route("/clusters/<int:cluster_id>/members", "POST", "Add recommendations to a cluster", body=MembersAdd,
           response=ClusterDetailOut, errors=(400, 401, 403, 404, 409, 422))
def add_members(cluster_id):
    cluster = services.get_cluster(cluster_id)
    body = parse(MembersAdd, json_body())
    services.add_members(g.api_user, now_utc(), cluster, body)
    return jsonify(cluster_json(cluster))


@api_route("/clusters/<int:cluster_id>/members", "DELETE", "Take a recommendation out of a cluster", status=204,
           errors=(401, 403, 404, 422), params=(
               {"name": "recommendation_id", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1},
                "description": "The recommendation to take out (it is kept, in no cluster)"},))
def remove_member(cluster_id):
    cluster = services.get_cluster(cluster_id)
    rec_id = int_arg("recommendation_id")
    if rec_id is None:
        raise ApiError(422, "validation_error", "recommendation_id: This is required.",
                       {"recommendation_id": ["This is required."]})
    services.remove_member(g.api_user, now_utc(), cluster, rec_id)
    return "", 204


@api_route("/clusters/<int:cluster_id>/merge", "POST", "Merge another cluster into this one (it is deleted)",
           body=ClusterMerge, response=ClusterDetailOut, errors=(400, 401, 403, 404, 422))
def merge_cluster(cluster_id):
    cluster = services.get_cluster(cluster_id)
    body = parse(ClusterMerge, json_body())
    services.merge_clusters(g.api_user, now_utc(), cluster, body)
    return jsonify(cluster_json(cluster))


class ClusterAssessmentsOut(BaseModel):
    model_config = ConfigDict(title="ClusterAssessments")
    assessment_ids: list[int] = Field(description="The assessments recorded, one per recommendation of the cluster "
                                                  "(GET /assessments/{id})")
    recommendation_ids: list[int] = Field(description="Their recommendations, in the same order")


@api_route("/clusters/<int:cluster_id>/assessments", "POST",
           "Record the same assessment of every recommendation in a cluster (all or none)",
           body=ClusterAssessmentCreate, response=ClusterAssessmentsOut, status=201, errors=(400, 401, 403, 404, 422))
def assess_cluster(cluster_id):
    cluster = services.get_cluster(cluster_id)
    body = parse(ClusterAssessmentCreate, json_body())
    made = services.assess_cluster(g.api_user, now_utc(), cluster, body)
    return jsonify(ClusterAssessmentsOut(assessment_ids=[a.id for a in made],
                                         recommendation_ids=[a.recommendation_id for a in made])
                   .model_dump(mode="json")), 201


@api_route("/recommendations/<int:rec_id>/cluster-suggestions", "GET",
           "The recommendations of other cycles that say the same thing, ranked", response=ClusterSuggestionsOut,
           params=({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50},
                    "description": "How many (default 10)"},))
def cluster_suggestions(rec_id):
    rec = get_recommendation(rec_id)
    ranked = suggestions.similar_to(rec, limit=int_arg("limit") or suggestions.SHOWN)
    cluster = queries.clusters_of([rec.id]).get(rec.id)
    return jsonify(ClusterSuggestionsOut(
        recommendation_id=rec.id, cluster_id=cluster.id if cluster else None, threshold=suggestions.bar()[0], best_threshold=suggestions.bar()[1],
        items=[ClusterSuggestionOut(
            recommendation_id=s.recommendation.id, cycle=s.recommendation.cycle,
            reference=s.recommendation.full_reference, text=s.recommendation.text,
            recommending_states=s.recommendation.recommending_states, response=s.recommendation.response,
            score=s.score, suggested=s.suggested, shared_themes=list(s.shared_themes),
            cluster_id=s.cluster.id if s.cluster else None) for s in ranked]).model_dump(mode="json"))
