"""Reading assessments and responsibilities, always as one reader sees them.

Other domains (reports, the mid-term report, recommendation pages) read assessments through these
functions only: each returns what the actor may see, and says of each record whether it is
restricted (so a report can mark evidence that must not travel further)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from engage.access.services import only_visible, visible
from engage.directory.models import Organisation
from engage.extensions import db

from .models import Assessment, Responsibility


def _ids(recommendation_ids: Iterable[int]) -> list[int]:
    return sorted({int(i) for i in recommendation_ids})


def latest_visible_subquery(actor, *, where=()):
    """A subquery of the actor's visible assessments with their rank within their recommendation
    (`rank` 1 = the latest: by assessed_on, then by id). Columns: id, recommendation_id, assessed_on,
    status, meeting_id, rank. Filtered for the actor (the statement using it must be marked)."""
    rank = func.row_number().over(partition_by=Assessment.recommendation_id,
                                  order_by=(Assessment.assessed_on.desc(), Assessment.id.desc())).label("rank")
    return (select(Assessment.id, Assessment.recommendation_id, Assessment.assessed_on, Assessment.status,
                   Assessment.meeting_id, rank)
            .where(visible(actor, Assessment), *where).subquery("latest_assessment"))


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
