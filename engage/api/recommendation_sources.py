"""/recommendations/{id}/sources and /recommendations/disagreements: where a recommendation came from,
and where its sources disagree (engage/upr/sources.py)."""
from __future__ import annotations

from typing import Literal

from flask import g, jsonify, request
from pydantic import BaseModel, ConfigDict

from engage.clock import now_utc
from engage.recommendations.sources import DISAGREEING_FIELDS, RESOLUTIONS, SOURCE_KINDS, SourceDisagreement
from engage.upr import services, sources
from engage.upr.schemas import DisagreementReview

from .common import ApiError, json_body, page_args, paginated, parse, utc_text
from .openapi import api_route

Kind = Literal[tuple(SOURCE_KINDS)]  # type: ignore[valid-type]
Field = Literal[tuple(DISAGREEING_FIELDS)]  # type: ignore[valid-type]
Resolution = Literal[tuple(RESOLUTIONS)]  # type: ignore[valid-type]


class SourceOut(BaseModel):
    model_config = ConfigDict(title="RecommendationSource")
    kind: Kind
    kind_label: str
    reference: str
    response: str | None
    text: str | None
    imported_at: str
    imported_by: str | None


class DisagreementOut(BaseModel):
    model_config = ConfigDict(title="SourceDisagreement")
    id: int
    recommendation_id: int
    recommendation_label: str
    cycle: int
    field: Field
    shown_value: str
    shown_kind: Kind
    other_value: str
    other_kind: Kind
    other_reference: str | None
    detected_at: str
    resolution: Resolution | None
    resolved_at: str | None
    resolved_by: str | None


class SourcesOut(BaseModel):
    model_config = ConfigDict(title="RecommendationSources")
    recommendation_id: int
    sources: list[SourceOut]
    disagreements: list[DisagreementOut]



def _source_json(source) -> dict:
    return SourceOut(kind=source.kind, kind_label=source.kind_label, reference=source.reference,
                     response=source.response, text=source.text, imported_at=utc_text(source.imported_at),
                     imported_by=source.imported_by.display_name if source.imported_by else None).model_dump()


def disagreement_json(found: SourceDisagreement) -> dict:
    """A disagreement between two sources as the contract shows it."""
    return DisagreementOut(
        id=found.id, recommendation_id=found.recommendation_id, recommendation_label=found.recommendation.label,
        cycle=found.recommendation.cycle, field=found.field, shown_value=found.shown_value,
        shown_kind=found.shown_kind, other_value=found.other_value, other_kind=found.other_kind,
        other_reference=found.other_reference, detected_at=utc_text(found.detected_at), resolution=found.resolution,
        resolved_at=utc_text(found.resolved_at),
        resolved_by=found.resolved_by.display_name if found.resolved_by else None).model_dump()


@api_route("/recommendations/<int:rec_id>/sources", "GET", "Where a recommendation came from, and where its "
           "sources disagree", response=SourcesOut)
def recommendation_sources(rec_id):
    rec = services.get_recommendation(rec_id)
    return jsonify(SourcesOut(recommendation_id=rec.id, sources=[_source_json(s) for s in sources.sources_of(rec)],
                              disagreements=[disagreement_json(d) for d in sources.disagreements_of(rec)]).model_dump())


@api_route("/recommendations/disagreements", "GET", "Disagreements between sources (the To review list)",
           role="lead", response=DisagreementOut, is_list=True, params=(
               {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
               {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
               {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["open", "reviewed", "all"]},
                "description": "Default: open (those waiting for review)"}))
def list_disagreements():
    page, per_page = page_args()
    status = request.args.get("status") or "open"
    if status not in ("open", "reviewed", "all"):
        raise ApiError(422, "validation_error", "status must be one of: open, reviewed, all.",
                       {"status": ["Choose one of: open, reviewed, all."]})
    query = sources.open_disagreements() if status == "open" else sources.all_disagreements(
        reviewed=True if status == "reviewed" else None)
    return paginated(query, disagreement_json, page, per_page)


@api_route("/recommendations/disagreements/<int:disagreement_id>", "POST",
           "Review a disagreement: take the other source's value, or keep the one shown", role="lead",
           body=DisagreementReview, response=DisagreementOut, errors=(400, 401, 403, 404, 409, 422))
def review_disagreement(disagreement_id):
    found = sources.get_disagreement(disagreement_id)
    body = parse(DisagreementReview, json_body())
    sources.resolve_disagreement(g.api_user, now_utc(), found, body)
    return jsonify(disagreement_json(found))
