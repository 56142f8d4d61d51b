"""/assessments, /recommendations/{id}/responsibilities and /implementation: how far recommendations
are implemented, as the token's user may see it."""
from __future__ import annotations

import io
import re
from datetime import date
from typing import Literal

from flask import g, jsonify, request, send_file
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from engage.access.services import only_visible
from engage.clock import now_utc
from engage.extensions import db
from engage.implementation import queries, services
from engage.implementation.models import (ASSESSMENT_STATUSES, CONFIDENCE, ROLES, SOURCE_KINDS, Assessment)
from engage.implementation.schemas import AssessmentCreate, AssessmentUpdate, ResponsibilitiesWrite
from engage.members.services import coalition_mode
from engage.recommendations.models import MAX_CYCLE, Theme
from engage.upr.services import get_recommendation
from engage.urls import absolute_url

from .common import COALITION_ONLY, ApiError, int_arg, json_body, page_args, paginated, parse, text_arg, utc_text
from .openapi import api_route

Status = Literal[tuple(ASSESSMENT_STATUSES)]  # type: ignore[valid-type]
SourceKind = Literal[tuple(SOURCE_KINDS)]  # type: ignore[valid-type]
Confidence = Literal[tuple(CONFIDENCE)]  # type: ignore[valid-type]
Role = Literal[tuple(ROLES)]  # type: ignore[valid-type]
MAX_ID = 2**31 - 1


class DocumentOut(BaseModel):
    model_config = ConfigDict(title="AssessmentDocument")
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    url: str = Field(description="Its download in engage's pages, for a signed-in browser")
    api_url: str = Field(description="Its download through the API, with the same token")


class AssessmentOut(BaseModel):
    model_config = ConfigDict(title="Assessment")
    id: int
    recommendation_id: int
    assessed_on: str
    status: Status
    evidence: str | None
    links: list[str]
    source_kind: SourceKind
    source_detail: str | None
    meeting_id: int | None
    outcome_id: int | None
    confidence: Confidence
    sensitivity: Literal["internal", "restricted"]
    restricted: bool
    assessed_by_id: int | None
    documents: list[DocumentOut]
    created_at: str
    updated_at: str
    member_id: int | None = Field(default=None, description=COALITION_ONLY + "The member organisation that "
                                  "recorded it.")


class ResponsibilityOut(BaseModel):
    model_config = ConfigDict(title="Responsibility")
    organisation_id: int
    organisation: str
    role: Role


class ResponsibilitiesOut(BaseModel):
    model_config = ConfigDict(title="Responsibilities")
    recommendation_id: int
    responsibilities: list[ResponsibilityOut]


class MatrixRowOut(BaseModel):
    model_config = ConfigDict(title="ImplementationRow")
    recommendation_id: int
    cycle: int
    reference: str
    recommending_states: list[str]
    text: str
    response: str
    status: Status | None
    last_assessed_on: str | None
    assessment_id: int | None
    responsibilities: list[ResponsibilityOut]


def assessment_json(a: Assessment) -> dict:
    """An assessment as the contract shows it."""
    body = AssessmentOut(
        id=a.id, recommendation_id=a.recommendation_id, assessed_on=a.assessed_on.isoformat(), status=a.status,
        evidence=a.evidence, links=a.link_list, source_kind=a.source_kind, source_detail=a.source_detail,
        meeting_id=a.meeting_id, outcome_id=a.outcome_id, confidence=a.confidence, sensitivity=a.sensitivity,
        restricted=a.restricted, assessed_by_id=a.assessed_by_id,
        documents=[DocumentOut(id=d.id, filename=d.filename, content_type=d.content_type, size=d.size, sha256=d.sha256,
                               url=absolute_url("implementation.document", assessment_id=a.id, document_id=d.id),
                               api_url=absolute_url("api.implementation_get_assessment_document", assessment_id=a.id,
                                                    document_id=d.id))
                   for d in a.documents],
        created_at=utc_text(a.created_at), updated_at=utc_text(a.updated_at)).model_dump(mode="json")
    # No word of members outside a coalition: the field is left out, as the document says.
    if coalition_mode():
        body["member_id"] = a.member_id
    else:
        body.pop("member_id")
    return body


def _responsibilities_json(rec_id: int) -> dict:
    held = queries.responsibilities_for([rec_id]).get(rec_id, [])
    return ResponsibilitiesOut(recommendation_id=rec_id, responsibilities=[
        ResponsibilityOut(organisation_id=r.organisation_id, organisation=r.organisation.name, role=r.role)
        for r in held]).model_dump(mode="json")


def _date_arg(name: str) -> date | None:
    """An optional date (YYYY-MM-DD, as the document's `format: date`); given blank or otherwise, a 422."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, "validation_error", f"{name} must be a date written YYYY-MM-DD.",
                       {name: ["Must be a date written YYYY-MM-DD."]}) from None


def _status_arg(allow_none: bool = False) -> str | None:
    raw = text_arg("status")
    if raw is None:
        return None
    if raw in ASSESSMENT_STATUSES or (allow_none and raw == "none"):
        return raw
    choices = list(ASSESSMENT_STATUSES) + (["none"] if allow_none else [])
    raise ApiError(422, "validation_error", f"status: choose one of {', '.join(choices)}.",
                   {"status": [f"Choose one of: {', '.join(choices)}."]})


ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
PAGE_PARAMS = ({"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
               {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}})


@api_route("/assessments", "GET", "List assessments of recommendations (those you may see), newest first",
           response=AssessmentOut, is_list=True, params=PAGE_PARAMS + (
               {"name": "recommendation_id", "in": "query", "schema": ID_SCHEMA},
               {"name": "meeting_id", "in": "query", "schema": ID_SCHEMA},
               {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(ASSESSMENT_STATUSES)}},
               {"name": "source_kind", "in": "query", "schema": {"type": "string", "enum": list(SOURCE_KINDS)}},
               {"name": "since", "in": "query", "schema": {"type": "string", "format": "date"},
                "description": "Assessed on or after this day"}))
def list_assessments():
    page, per_page = page_args()
    query = select(Assessment)
    for name, column in (("recommendation_id", Assessment.recommendation_id), ("meeting_id", Assessment.meeting_id)):
        value = int_arg(name)
        if value is not None:
            query = query.where(column == value)
    status = _status_arg()
    if status:
        query = query.where(Assessment.status == status)
    kind = text_arg("source_kind")
    if kind in SOURCE_KINDS:
        query = query.where(Assessment.source_kind == kind)
    since = _date_arg("since")
    if since is not None:
        query = query.where(Assessment.assessed_on >= since)
    query = only_visible(g.api_user, query.order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
                         .options(selectinload(Assessment.documents), selectinload(Assessment.meeting)), Assessment)
    return paginated(query, assessment_json, page, per_page)


@api_route("/assessments", "POST", "Record an assessment of a recommendation", body=AssessmentCreate,
           response=AssessmentOut, status=201, errors=(400, 401, 403, 422))
def create_assessment():
    body = parse(AssessmentCreate, json_body())
    assessment = services.create_assessment(g.api_user, now_utc(), body.model_dump(exclude_unset=True))
    return jsonify(assessment_json(assessment)), 201


@api_route("/assessments/<int:assessment_id>", "GET", "Get an assessment", response=AssessmentOut)
def get_assessment(assessment_id):
    return jsonify(assessment_json(services.get_assessment(assessment_id, g.api_user)))


@api_route("/assessments/<int:assessment_id>/documents/<int:document_id>", "GET",
           "Download one of an assessment's documents (its type is the document's content_type)",
           response_content_type="application/octet-stream", errors=(401, 404))
def get_assessment_document(assessment_id, document_id):
    # The web page's link answers a token with the sign-in page: an API client downloads here,
    # through the same visibility check as the assessment itself.
    document = services.get_document(services.get_assessment(assessment_id, g.api_user), document_id)
    return send_file(io.BytesIO(document.data), mimetype="application/octet-stream", as_attachment=True,
                     download_name=document.filename, etag=document.sha256, max_age=0)


@api_route("/assessments/<int:assessment_id>", "PATCH", "Change an assessment (whoever recorded it, or a lead)",
           body=AssessmentUpdate, response=AssessmentOut, errors=(400, 401, 403, 404, 422))
def update_assessment(assessment_id):
    assessment = services.get_assessment(assessment_id, g.api_user)
    body = parse(AssessmentUpdate, json_body())
    services.update_assessment(g.api_user, now_utc(), assessment, body.model_dump(exclude_unset=True))
    return jsonify(assessment_json(assessment))


@api_route("/assessments/<int:assessment_id>", "DELETE", "Delete an assessment (whoever recorded it, or a lead)",
           status=204, errors=(401, 403, 404))
def delete_assessment(assessment_id):
    assessment = services.get_assessment(assessment_id, g.api_user)
    services.delete_assessment(g.api_user, now_utc(), assessment)
    return "", 204


@api_route("/recommendations/<int:rec_id>/responsibilities", "GET",
           "The ministries and agencies responsible for a recommendation", response=ResponsibilitiesOut)
def get_responsibilities(rec_id):
    rec = get_recommendation(rec_id)
    return jsonify(_responsibilities_json(rec.id))


@api_route("/recommendations/<int:rec_id>/responsibilities", "PUT",
           "Replace the ministries and agencies responsible for a recommendation", body=ResponsibilitiesWrite,
           response=ResponsibilitiesOut, errors=(400, 401, 403, 404, 422))
def put_responsibilities(rec_id):
    rec = get_recommendation(rec_id)
    body = parse(ResponsibilitiesWrite, json_body())
    services.set_responsibilities(g.api_user, now_utc(), rec, body.model_dump())
    return jsonify(_responsibilities_json(rec.id))


@api_route("/implementation", "GET",
           "The implementation matrix: each recommendation's latest status you may see, and who is responsible",
           response=MatrixRowOut, is_list=True, params=PAGE_PARAMS + (
               {"name": "cycle", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_CYCLE}},
               {"name": "theme", "in": "query", "schema": {"type": "string"}, "description": "A theme's name"},
               {"name": "organisation_id", "in": "query", "schema": ID_SCHEMA,
                "description": "A responsible ministry or agency"},
               {"name": "status", "in": "query",
                "schema": {"type": "string", "enum": list(ASSESSMENT_STATUSES) + ["none"]},
                "description": "The latest status; none: never assessed"},
               {"name": "sdg", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 17}},
               {"name": "not_assessed_since", "in": "query", "schema": {"type": "string", "format": "date"}}))
def implementation_matrix():
    page, per_page = page_args()
    theme_id = None
    theme = text_arg("theme")
    if theme:
        theme_id = db.session.scalar(select(Theme.id).where(func.lower(Theme.name) == theme.lower())) or -1
    filters = queries.MatrixFilters(cycle=int_arg("cycle"), theme_id=theme_id, organisation_id=int_arg("organisation_id"),
                                    status=_status_arg(allow_none=True), sdg=int_arg("sdg"),
                                    not_assessed_since=_date_arg("not_assessed_since"))
    total, rows = queries.matrix_page(g.api_user, filters, page, per_page)
    items = [MatrixRowOut(recommendation_id=r.id, cycle=r.cycle, reference=r.reference, recommending_states=r.states,
                          text=r.text, response=r.response, status=r.status,
                          last_assessed_on=r.assessed_on.isoformat() if r.assessed_on else None,
                          assessment_id=r.assessment_id, responsibilities=[
                              ResponsibilityOut(organisation_id=org_id, organisation=name, role=role)
                              for org_id, name, role in r.responsible]).model_dump(mode="json") for r in rows]
    return jsonify({"items": items, "total": total, "page": page, "per_page": per_page})

