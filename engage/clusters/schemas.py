"""The cluster write schemas: one model per operation, shared by the cluster pages and the API.

Field names are the API's: `name`, `description`, `recommendation_ids` (a list, or one ';'-separated
text as a form posts it), `cluster_id` (the cluster to merge in or to join). The checks that need
the database (do those recommendations exist, are they in another cluster?) are the services'.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

from engage.schemas import Text, partial, problem

from .models import RecommendationCluster

MAX_ID = 2**31 - 1
MAX_MEMBERS = 500  # Kenya's four cycles hold about 1,100 recommendations; a demand recurs a few dozen times at most


def _ids(value: Any) -> list[int]:
    """Recommendation ids, each once, from a list or a ';'-separated text ("12; 15")."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace(",", ";").split(";") if p.strip()]
        if not all(p.isascii() and p.isdigit() for p in parts):
            raise problem("Must be recommendation ids separated by ;.")
        value = [int(p) for p in parts]
    if not isinstance(value, (list, tuple)) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
        raise problem("Must be a list of recommendation ids.")
    if any(not 1 <= v <= MAX_ID for v in value):
        raise problem("Not a recommendation id.")
    out = list(dict.fromkeys(value))
    if len(out) > MAX_MEMBERS:
        raise problem(f"At most {MAX_MEMBERS} recommendations.")
    return out


def _required_ids(value: Any) -> list[int]:
    ids = _ids(value)
    if not ids:
        raise problem("Choose at least one recommendation.")
    return ids


def _id(value: Any) -> int:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())  # a form's text
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise problem("Must be the id of a cluster.")
    return value


RecommendationIds = Annotated[list[int], PlainValidator(_ids), WithJsonSchema(
    {"anyOf": [{"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                "maxItems": MAX_MEMBERS}, {"type": "string", "description": "ids separated by ';'"},
               {"type": "null"}]})]
RequiredIds = Annotated[list[int], PlainValidator(_required_ids), WithJsonSchema(
    {"anyOf": [{"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                "minItems": 1, "maxItems": MAX_MEMBERS},
               {"type": "string", "minLength": 1, "description": "ids separated by ';'"}]})]
ClusterId = Annotated[int, PlainValidator(_id), WithJsonSchema(
    {"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_ID}, {"type": "string", "pattern": r"^\s*[0-9]+\s*$"}]})]


class ClusterCreate(BaseModel):
    """Add a cluster (POST /clusters, the new-cluster form), with its first members if given."""

    model_config = ConfigDict(title="ClusterCreate")
    name: Text(RecommendationCluster.name, required="Give the cluster a name, e.g. \"Ratify the OP-CAT\".")
    description: Text(RecommendationCluster.description, multiline=True) = None
    recommendation_ids: RecommendationIds = Field(default_factory=list,
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
