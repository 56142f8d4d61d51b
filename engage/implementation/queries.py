"""Reading assessments and responsibilities, always as one reader sees them.

Other domains (reports, the mid-term report, recommendation pages) read assessments through these
functions only: each returns what the actor may see, and says of each record whether it is
restricted (so a report can mark evidence that must not travel further)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload, with_expression

from engage.access.services import VISIBILITY_APPLIED, only_visible, visible
from engage.countries import country_name
from engage.directory.models import Organisation
from engage.extensions import db
from engage.recommendations.models import (Recommendation, RecommendationSdg, RecommendationState,
                                           recommendation_theme, shown_reference)

from .models import ASSESSMENT_STATUSES, STATUS_COLOURS, Assessment, Responsibility, StatusWords


def _ids(recommendation_ids: Iterable[int]) -> list[int]:
    return sorted({int(i) for i in recommendation_ids})


def latest_visible_subquery(actor, *, where=()):
    """A subquery of the actor's visible assessments with their rank within their recommendation
    (`rank` 1 = the latest: by assessed_on, then by id). Columns: id, recommendation_id, assessed_on,
    status, meeting_id, rank. Filtered for the actor (the statement using it must be marked)."""
    rank = func.row_number().over(partition_by=Assessment.recommendation_id,
                                  order_by=(Assessment.assessed_on.desc(), Assessment.id.desc())).label("rank")
    # Marked as filtered: the request guard leaves a statement using it alone.
    return (select(Assessment.id, Assessment.recommendation_id, Assessment.assessed_on, Assessment.status,
                   Assessment.meeting_id, rank)
            .where(visible(actor, Assessment), *where).execution_options(**VISIBILITY_APPLIED)
            .subquery("latest_assessment"))


def latest_status_column(actor):
    """A correlated subquery: the status of the recommendation's latest assessment the actor may see
    (None when none), for a list's own statement (marked as filtered)."""
    return (select(Assessment.status).where(Assessment.recommendation_id == Recommendation.id,
                                            visible(actor, Assessment))
            .order_by(Assessment.assessed_on.desc(), Assessment.id.desc()).limit(1)
            .execution_options(**VISIBILITY_APPLIED).correlate(Recommendation).scalar_subquery())


def with_latest_status(actor, query):
    """`query` (of recommendations) loading each one's `status_seen`: its latest status the actor may
    see, in the same statement."""
    return query.options(with_expression(Recommendation.status_seen, latest_status_column(actor)))


def latest_assessments(actor, recommendation_ids: Iterable[int]) -> dict[int, Assessment]:
    """{recommendation id: its latest assessment the actor may see} (recommendations with none left
    out): the recommendation's current status for this reader. Two statements however many ids."""
    ids = _ids(recommendation_ids)
    if not ids:
        return {}
    ranked = latest_visible_subquery(actor, where=(Assessment.recommendation_id.in_(ids),))
    query = only_visible(actor, select(Assessment).join(ranked, ranked.c.id == Assessment.id)
                         .where(ranked.c.rank == 1)
                         .options(selectinload(Assessment.documents), selectinload(Assessment.meeting),
                                  selectinload(Assessment.assessed_by)), Assessment)
    return {a.recommendation_id: a for a in db.session.scalars(query)}


@dataclass(frozen=True)
class Status(StatusWords):
    """A recommendation's status as one reader sees it, for lists: no record loaded."""

    status: str
    assessed_on: date


def latest_statuses(actor, recommendation_ids: Iterable[int]) -> dict[int, Status]:
    """{recommendation id: its latest status the actor may see, and its date}: one statement, for lists."""
    ids = _ids(recommendation_ids)
    if not ids:
        return {}
    ranked = latest_visible_subquery(actor, where=(Assessment.recommendation_id.in_(ids),))
    query = (select(ranked.c.recommendation_id, ranked.c.status, ranked.c.assessed_on).where(ranked.c.rank == 1)
             .execution_options(**VISIBILITY_APPLIED))
    return {rec_id: Status(status, on) for rec_id, status, on in db.session.execute(query)}


def assessments_for(actor, recommendation_ids: Iterable[int]) -> list[Assessment]:
    """Every assessment of these recommendations the actor may see, newest first per recommendation
    (by recommendation id, then assessed_on and id descending), with meeting, documents and assessor
    loaded. Each has `.restricted`: True when it, or its meeting, is restricted (the reader holds a
    grant or is the DPO, and a report should say so)."""
    ids = _ids(recommendation_ids)
    if not ids:
        return []
    query = only_visible(actor, select(Assessment).where(Assessment.recommendation_id.in_(ids))
                         .order_by(Assessment.recommendation_id, Assessment.assessed_on.desc(), Assessment.id.desc())
                         .options(selectinload(Assessment.documents), selectinload(Assessment.meeting),
                                  selectinload(Assessment.assessed_by)), Assessment)
    return list(db.session.scalars(query))


def timeline(actor, recommendation_id: int) -> list[Assessment]:
    """One recommendation's assessments the actor may see, newest first (the first is its status)."""
    return assessments_for(actor, [recommendation_id])


def last_assessed_on(actor, recommendation_ids: Iterable[int]) -> dict[int, date]:
    """{recommendation id: the date of its latest assessment the actor may see}."""
    ids = _ids(recommendation_ids)
    if not ids:
        return {}
    query = only_visible(actor, select(Assessment.recommendation_id, func.max(Assessment.assessed_on))
                         .where(Assessment.recommendation_id.in_(ids))
                         .group_by(Assessment.recommendation_id), Assessment)
    return dict(db.session.execute(query).all())


def responsibilities_for(recommendation_ids: Iterable[int]) -> dict[int, list[Responsibility]]:
    """{recommendation id: its responsible organisations, leads first then by name}. Not restricted:
    who is responsible is public knowledge, like the recommendation itself."""
    ids = _ids(recommendation_ids)
    if not ids:
        return {}
    found = defaultdict(list)
    query = (select(Responsibility).join(Responsibility.organisation)
             .where(Responsibility.recommendation_id.in_(ids))
             .order_by(Responsibility.recommendation_id, Responsibility.role != "lead", Organisation.name)
             .options(selectinload(Responsibility.organisation)))
    for row in db.session.scalars(query):
        found[row.recommendation_id].append(row)
    return dict(found)


def responsible_for(organisation_id: int) -> list[Responsibility]:
    """The responsibilities of one organisation (a ministry's page), with their recommendations."""
    query = (select(Responsibility).where(Responsibility.organisation_id == organisation_id)
             .options(selectinload(Responsibility.recommendation)))
    return list(db.session.scalars(query))


def anyone_responsible() -> bool:
    """True once some recommendation has a ministry or agency responsible for it."""
    return db.session.scalar(select(Responsibility.recommendation_id).limit(1)) is not None


# ---- the implementation matrix ----

@dataclass(frozen=True)
class MatrixFilters:
    """What the matrix shows: each filter None for all."""

    cycle: int | None = None
    theme_id: int | None = None
    organisation_id: int | None = None
    status: str | None = None  # an assessment status, or "none" (never assessed, as the reader sees it)
    sdg: int | None = None
    not_assessed_since: date | None = None


@dataclass
class MatrixRow:
    """One recommendation in the matrix: its status as the reader sees it and who is responsible."""

    id: int
    cycle: int
    reference: str
    text: str
    response: str
    status: str | None
    assessed_on: date | None
    assessment_id: int | None
    states: list[str] = field(default_factory=list)
    responsible: list[tuple[int, str, str]] = field(default_factory=list)  # (organisation id, name, role)

    @property
    def status_label(self) -> str:
        return ASSESSMENT_STATUSES.get(self.status, "Not assessed") if self.status else "Not assessed"

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "light") if self.status else "light"

    @property
    def badge_class(self) -> str:
        colour = self.status_colour
        return f"badge text-bg-{colour} border" if colour == "light" else f"badge text-bg-{colour}"

    @property
    def state_names(self) -> str:
        return ", ".join(country_name(s) for s in self.states)

    @property
    def lead_names(self) -> list[str]:
        return [name for _, name, role in self.responsible if role == "lead"]

    @property
    def supporting_names(self) -> list[str]:
        return [name for _, name, role in self.responsible if role != "lead"]


def matrix_query(actor, filters: MatrixFilters):
    """A select() of the matrix's columns: each recommendation with its latest assessment the actor may
    see (outer-joined: never assessed is a row too), filtered, by cycle (newest first) and reference."""
    ranked = latest_visible_subquery(actor)
    latest = select(ranked).where(ranked.c.rank == 1).subquery("latest")
    reference = shown_reference(Recommendation.__table__)
    query = (select(Recommendation.id, Recommendation.cycle, reference.label("reference"), Recommendation.text,
                    Recommendation.response, latest.c.status, latest.c.assessed_on, latest.c.id.label("assessment_id"))
             .outerjoin(latest, latest.c.recommendation_id == Recommendation.id))
    if filters.cycle is not None:
        query = query.where(Recommendation.cycle == filters.cycle)
    if filters.theme_id is not None:
        query = query.where(Recommendation.id.in_(select(recommendation_theme.c.recommendation_id)
                                                  .where(recommendation_theme.c.theme_id == filters.theme_id)))
    if filters.organisation_id is not None:
        query = query.where(Recommendation.id.in_(select(Responsibility.recommendation_id)
                                                  .where(Responsibility.organisation_id == filters.organisation_id)))
    if filters.sdg is not None:
        query = query.where(Recommendation.id.in_(select(RecommendationSdg.recommendation_id)
                                                  .where(RecommendationSdg.goal == filters.sdg)))
    if filters.status == "none":
        query = query.where(latest.c.id.is_(None))
    elif filters.status:
        query = query.where(latest.c.status == filters.status)
    if filters.not_assessed_since is not None:
        query = query.where(or_(latest.c.id.is_(None), latest.c.assessed_on < filters.not_assessed_since))
    return (query.order_by(Recommendation.cycle.desc(), Recommendation.reference_sort, Recommendation.id)
            .execution_options(**VISIBILITY_APPLIED))


def matrix(actor, filters: MatrixFilters, limit: int | None = None, offset: int = 0) -> list[MatrixRow]:
    """The implementation matrix for the actor: three statements however many rows (the rows, their
    states, who is responsible)."""
    query = matrix_query(actor, filters)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    rows = [MatrixRow(*row) for row in db.session.execute(query)]
    if not rows:
        return rows
    by_id = {row.id: row for row in rows}
    ids = list(by_id)
    for rec_id, state in db.session.execute(
            select(RecommendationState.recommendation_id, RecommendationState.state)
            .where(RecommendationState.recommendation_id.in_(ids))
            .order_by(RecommendationState.recommendation_id, RecommendationState.position)):
        by_id[rec_id].states.append(state)
    for rec_id, org_id, name, role in db.session.execute(
            select(Responsibility.recommendation_id, Organisation.id, Organisation.name, Responsibility.role)
            .join(Organisation, Organisation.id == Responsibility.organisation_id)
            .where(Responsibility.recommendation_id.in_(ids))
            .order_by(Responsibility.recommendation_id, Responsibility.role != "lead", Organisation.name)):
        by_id[rec_id].responsible.append((org_id, name, role))
    return rows


def matrix_page(actor, filters: MatrixFilters, page: int, per_page: int) -> tuple[int, list[MatrixRow]]:
    """(how many rows the matrix has, the rows of one page)."""
    counted = matrix_query(actor, filters).order_by(None).subquery()
    total = db.session.scalar(select(func.count()).select_from(counted).execution_options(**VISIBILITY_APPLIED))
    return total, matrix(actor, filters, limit=per_page, offset=(page - 1) * per_page)


def due_for_review(actor, since: date, organisation_id: int | None = None) -> list[tuple[int, str, list[MatrixRow]]]:
    """Recommendations some ministry or agency is responsible for that have no assessment the actor may
    see since `since`, grouped by that organisation: [(organisation id, name, rows)], by name."""
    rows = matrix(actor, MatrixFilters(not_assessed_since=since, organisation_id=organisation_id))
    groups: dict[int, tuple[str, list]] = {}
    for row in rows:
        for org_id, name, _role in row.responsible:
            if organisation_id is None or org_id == organisation_id:
                groups.setdefault(org_id, (name, []))[1].append(row)
    return sorted(((org_id, name, found) for org_id, (name, found) in groups.items()), key=lambda g: g[1].lower())
