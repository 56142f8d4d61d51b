"""/recommendations (UPR)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from flask import current_app, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from engage.clock import now_utc
from engage.countries import country_name
from engage.extensions import db
from engage.cycles.services import engagement_window
from engage.upr import services
from engage.upr.imports import import_recommendations_bytes
from engage.upr.previews import preview_counts
from engage.upr.schemas import RecommendationCreate, RecommendationTextWrite, RecommendationUpdate
from engage.recommendations import queries as catalogue
from engage.implementation import queries as implementation
from engage.implementation.models import ASSESSMENT_STATUSES
from engage.recommendations.models import MAX_CYCLE, RESPONSES, Recommendation, Theme

from .common import ApiError, bool_arg, choice_arg, int_arg, json_body, page_args, paginated, parse, state_arg, utc_text
from .openapi import api_route

Response = Literal[tuple(RESPONSES)]  # type: ignore[valid-type]
Implementation = Literal[tuple(ASSESSMENT_STATUSES)]  # type: ignore[valid-type]


class RecommendationOut(BaseModel):
    model_config = ConfigDict(title="Recommendation")
    id: int
    cycle: int
    reference: str
    text: str
    recommending_state: str
    recommending_state_name: str
    response: Response
    themes: list[str]
    implementation_status: Implementation | None = Field(
        description="Its latest assessment you may see (GET /assessments); null when none")
    notes: str | None
    action_category: int | None
    wg_session: int | None
    review_date: date | None
    outcome_document: str | None
    responsible_organisation_id: int | None = Field(
        description="Its first lead ministry or agency (GET /recommendations/{id}/responsibilities has them all)")
    paragraph_text: str | None
    created_at: str
    updated_at: str
    sub_item: str = Field(description='The item within the paragraph ("1" in "102.3 (1)"); "" when not divided')
    recommending_states: list[str] = Field(description="Every state that made it, in the report's order "
                                                      "(ISO alpha-2); recommending_state is the first")
    recommending_state_names: list[str]
    sdgs: list[int] = Field(description="Sustainable Development Goals (1–17)")
    groups_of_persons: list[str]
    source_of_position: str | None


class RecommendationDetailOut(RecommendationOut):
    model_config = ConfigDict(title="RecommendationDetail")
    texts: dict[str, str] = Field(description="Its text in other languages, by BCP 47 primary subtag "
                                              '({"fr": "…"}); `text` is the original (English)')


class ThemeGroupOut(BaseModel):
    model_config = ConfigDict(title="ThemeGroup")
    key: str
    name: str


class ThemeOut(BaseModel):
    model_config = ConfigDict(title="Theme")
    id: int
    name: str
    curated: bool
    groups: list[ThemeGroupOut]


class ImportProblemOut(BaseModel):
    line: int
    message: str


class ImportResultOut(BaseModel):
    model_config = ConfigDict(title="RecommendationImportResult")
    total: int
    created: int
    updated: int
    unchanged: int
    saved: bool
    # What a check (dry_run) counts before anything is written, as the import page shows it.
    merged: int = 0
    conflicting: int = 0
    skipped: int = 0
    unattributed: int = 0
    layout: str | None = None
    conflicts: list[ImportProblemOut] = []



def recommendation_json(rec: Recommendation, status: str | None = None, lead: int | None = None) -> dict:
    """A recommendation as the contract shows it (with its status and lead as the reader sees them)."""
    return RecommendationOut(
        id=rec.id, cycle=rec.cycle, reference=rec.reference, text=rec.text,
        recommending_state=rec.recommending_state, recommending_state_name=country_name(rec.recommending_state),
        sub_item=rec.sub_item, recommending_states=rec.recommending_states, recommending_state_names=rec.state_names,
        sdgs=rec.sdgs, groups_of_persons=rec.groups_of_persons or [], source_of_position=rec.source_of_position,
        response=rec.response, themes=rec.theme_names, implementation_status=status,
        notes=rec.notes, action_category=rec.action_category, wg_session=rec.wg_session,
        review_date=rec.review_date, outcome_document=rec.outcome_document,
        responsible_organisation_id=lead, paragraph_text=rec.paragraph_text,
        created_at=utc_text(rec.created_at), updated_at=utc_text(rec.updated_at)).model_dump(mode="json")




def recommendation_detail_json(rec: Recommendation) -> dict:
    """A recommendation with its status and its texts in other languages (lists leave the texts out)."""
    return {**_with_status([rec])[0], "texts": rec.texts}


def _group_arg() -> str | None:
    raw = request.args.get("theme_group")
    if raw in (None, ""):
        return None
    keys = [g.key for g in catalogue.theme_groups()]
    if raw not in keys:
        raise ApiError(422, "validation_error", f"theme_group must be one of: {', '.join(keys)}.",
                       {"theme_group": [f"Choose one of: {', '.join(keys)}."]})
    return raw


def _cycle_arg() -> int | None:
    cycle = int_arg("cycle")
    if cycle is not None and not 1 <= cycle <= MAX_CYCLE:
        raise ApiError(422, "validation_error", f"cycle must be from 1 to {MAX_CYCLE}.",
                       {"cycle": [f"Must be from 1 to {MAX_CYCLE}."]})
    return cycle


@api_route("/recommendations", "GET", "List recommendations", response=RecommendationOut, is_list=True,
           params=(
               {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
               {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
               {"name": "q", "in": "query", "schema": {"type": "string"},
                "description": "Every word must appear in the text, reference or notes"},
               {"name": "cycle", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_CYCLE}},
               {"name": "recommending_state", "in": "query", "schema": {"type": "string"},
                "description": "ISO alpha-2 code or a state's English name; matches a recommendation any of "
                               "whose recommending_states it is"},
               {"name": "theme", "in": "query", "schema": {"type": "string"}, "description": "A theme name"},
               {"name": "theme_group", "in": "query", "schema": {"type": "string"},
                "description": "A theme group's key (e.g. health): recommendations with any of its themes"},
               {"name": "response", "in": "query", "schema": {"type": "string", "enum": list(RESPONSES)}},
               {"name": "sdg", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 17},
                "description": "A Sustainable Development Goal's number: recommendations linked to it"},
               {"name": "implementation_status", "in": "query",
                "schema": {"type": "string", "enum": list(ASSESSMENT_STATUSES) + ["none"]},
                "description": "Its latest assessment you may see; none: not assessed"},
               {"name": "engaged", "in": "query", "schema": {"type": "boolean"},
                "description": "Whether someone from the recommending state was at a meeting held in the "
                               "engagement window of the cycle `engaged_in` (default: the current cycle)"},
               {"name": "engaged_in", "in": "query", "schema": {"type": "integer", "minimum": 1},
                "description": "The cycle whose engagement window `engaged` counts (GET /cycles)"}))
def list_recommendations():
    page, per_page = page_args()
    window = engagement_window(now_utc(), int_arg("engaged_in"))
    query = services.recommendation_query(
        q=request.args.get("q"), cycle=_cycle_arg(), state=state_arg("recommending_state"), theme=request.args.get("theme") or None,
        group=_group_arg(), sdg=int_arg("sdg"), response=choice_arg("response", RESPONSES),
        implementation_status=choice_arg("implementation_status", [*ASSESSMENT_STATUSES, "none"]),
        engaged=bool_arg("engaged"), engaged_since=window.counts_from, engaged_until=window.until, now=now_utc(),
        actor=g.api_user)
    result = db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    return jsonify({"items": _with_status(result.items), "total": result.total, "page": page, "per_page": per_page})


# Fields a recommendation once held itself: written now as assessments and responsibilities.
MOVED = {"implementation_status": "Record an assessment instead (POST /assessments).",
         "responsible_organisation_id": "Set it with PUT /recommendations/{id}/responsibilities."}


def _without_implementation(data: dict) -> dict:
    """The body, refused (422, naming the field) when it writes what moved to engage/implementation: a
    client that still sends it learns where it went rather than having it silently dropped."""
    sent = {name: [message] for name, message in MOVED.items() if isinstance(data, dict) and name in data}
    if sent:
        first = next(iter(sent))
        raise ApiError(422, "validation_error", f"{first}: {sent[first][0]}", sent)
    return data


def _with_status(recs: list[Recommendation]) -> list[dict]:
    """Recommendations as the contract shows them, with the reader's latest status and the lead of each:
    three statements for the whole page."""
    ids = [rec.id for rec in recs]
    latest = implementation.latest_assessments(g.api_user, ids)
    held = implementation.responsibilities_for(ids)
    return [recommendation_json(rec, latest[rec.id].status if rec.id in latest else None,
                                next((r.organisation_id for r in held.get(rec.id, []) if r.role == "lead"), None))
            for rec in recs]


@api_route("/recommendations", "POST", "Create a recommendation", body=RecommendationCreate,
           response=RecommendationDetailOut, status=201, errors=(400, 401, 403, 409, 422))
def create_recommendation():
    body = parse(RecommendationCreate, _without_implementation(json_body()))
    rec = services.create_recommendation(g.api_user, now_utc(), body)
    return jsonify(recommendation_detail_json(rec)), 201


@api_route("/recommendations/<int:rec_id>", "GET", "Get a recommendation", response=RecommendationDetailOut)
def get_recommendation(rec_id):
    return jsonify(recommendation_detail_json(services.get_recommendation(rec_id)))


@api_route("/recommendations/<int:rec_id>", "PATCH", "Update a recommendation", body=RecommendationUpdate,
           response=RecommendationDetailOut, errors=(400, 401, 403, 404, 409, 422))
def update_recommendation(rec_id):
    rec = services.get_recommendation(rec_id)
    body = parse(RecommendationUpdate, _without_implementation(json_body()))  # themes: null means none, as []
    services.update_recommendation(g.api_user, now_utc(), rec, body)
    return jsonify(recommendation_detail_json(rec))


@api_route("/recommendations/<int:rec_id>/texts", "PUT",
           "Hold a recommendation's text in another language (replacing one held in it)",
           body=RecommendationTextWrite, response=RecommendationDetailOut, errors=(400, 401, 403, 404, 422))
def put_recommendation_text(rec_id):
    rec = services.get_recommendation(rec_id)
    body = parse(RecommendationTextWrite, json_body())
    services.set_recommendation_text(g.api_user, now_utc(), rec, body)
    return jsonify(recommendation_detail_json(rec))


@api_route("/recommendations/import", "POST", "Import recommendations from CSV (all-or-nothing)", role="lead",
           body_content_type="text/csv", response=ImportResultOut, errors=(400, 401, 403, 413, 422),
           params=({"name": "dry_run", "in": "query", "schema": {"type": "boolean"},
                    "description": "Check the file, save nothing"},))
def import_recommendations():
    dry_run = bool_arg("dry_run") or False
    report = import_recommendations_bytes(request.get_data(cache=False), g.api_user, now_utc())
    if not report.ok:
        problems = [ImportProblemOut(line=e.line, message=e.message).model_dump() for e in report.errors]
        raise ApiError(422, "validation_error", f"Nothing imported: {len(problems)} problem(s).",
                       {"file": [f"Line {p['line']}: {p['message']}" for p in problems]}, details=problems)
    if dry_run:
        db.session.rollback()  # a dry run keeps nothing; otherwise the boundary commits
    current_app.logger.info("API import of recommendations by %s: %s", g.api_user.email, report.summary())
    counts = preview_counts(report)
    return jsonify(ImportResultOut(
        total=report.total, created=report.created, updated=report.updated, unchanged=report.unchanged,
        saved=not dry_run, merged=report.merged, conflicting=counts["conflicting"], skipped=report.skipped,
        unattributed=report.unattributed, layout=report.layout,
        conflicts=[ImportProblemOut(line=c.line, message=c.message) for c in report.conflicts]).model_dump())


def theme_json(theme: Theme) -> dict:
    """A theme as the contract shows it, with its groups."""
    return ThemeOut(id=theme.id, name=theme.name, curated=theme.curated,
                    groups=[ThemeGroupOut(key=g.key, name=g.name) for g in theme.groups]).model_dump(mode="json")


@api_route("/themes", "GET", "List themes, with their groups", response=ThemeOut, is_list=True,
           params=({"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                   {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                   {"name": "theme_group", "in": "query", "schema": {"type": "string"},
                    "description": "Only the themes of this group (its key, e.g. health)"}))
def list_themes():
    page, per_page = page_args()
    return paginated(catalogue.themes_query(group=_group_arg()), theme_json, page, per_page)
