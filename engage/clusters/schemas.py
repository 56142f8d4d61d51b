"""The cluster write schemas: one model per operation, shared by the cluster pages and the API.

Field names are the API's: `name`, `description`, `recommendation_ids` (a list, or one ';'-separated
text as a form posts it), `cluster_id` (the cluster to merge in or to join). The checks that need
the database (do those recommendations exist, are they in another cluster?) are the services'.
"""
from __future__ import annotations

from typing import Annotated, Any

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

from engage.i18n import N_
from engage.schemas import MAX_ID, RecommendationIds, Text, partial, problem

from .models import RecommendationCluster

MAX_MEMBERS = 500  # Kenya's four cycles hold about 1,100 recommendations; a demand recurs a few dozen times at most


def _id(value: Any) -> int:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())  # a form's text
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise problem(_("Must be the id of a cluster."))
    return value


RequiredIds = RecommendationIds(MAX_MEMBERS, required=True)
ClusterId = Annotated[int, PlainValidator(_id), WithJsonSchema(
    {"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_ID}, {"type": "string", "pattern": r"^\s*[0-9]+\s*$"}]})]


class ClusterCreate(BaseModel):
    """Add a cluster (POST /clusters, the new-cluster form), with its first members if given."""

    model_config = ConfigDict(title="ClusterCreate")
    name: Text(RecommendationCluster.name, required=N_("Give the cluster a name, e.g. \"Ratify the OP-CAT\"."))
    description: Text(RecommendationCluster.description, multiline=True) = None
    recommendation_ids: RecommendationIds(MAX_MEMBERS) = Field(default_factory=list,
                                                  description="Its first members (each in no other cluster)")


# Rename or describe (PATCH, the edit form): members change through MembersAdd and removal.
ClusterUpdate = partial(ClusterCreate, "ClusterUpdate", exclude=("recommendation_ids",))


class MembersAdd(BaseModel):
    """Add recommendations to a cluster (POST /clusters/{id}/members, the cluster page)."""

    model_config = ConfigDict(title="ClusterMembersAdd")
    recommendation_ids: RequiredIds = Field(description="The recommendations to add (each in no other cluster)")


class ClusterMerge(BaseModel):
    """Merge another cluster into this one: its members move here and it is deleted."""

    model_config = ConfigDict(title="ClusterMerge")
    cluster_id: ClusterId = Field(description="The cluster merged into this one (it is deleted)")


class SuggestionConfirm(BaseModel):
    """Confirm a suggested group: the recommendations (the first is the one the others were matched
    to) join `cluster_id`, or a new cluster named `name`."""

    model_config = ConfigDict(title="ClusterSuggestionConfirm")
    recommendation_ids: RequiredIds
    cluster_id: Annotated[int | None, PlainValidator(lambda v: None if v in (None, "") else _id(v)),
                          WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]})] = None
    name: Text(RecommendationCluster.name) = None
