"""Where reports read the assessments and the responsible ministries.

Until the implementation package's assessments land, the status is the recommendation's own
`implementation_status` field (no date, no evidence, no sources) and the ministry responsible its
single `responsible_organisation`.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engage.directory.models import Organisation
from engage.extensions import db
from engage.recommendations.models import IMPLEMENTATION_STATUSES, Recommendation

from .content import Evidence


def ministry_condition():
    """SQL: an organisation offered as a ministry or agency responsible (the directory's ministries)."""
    return Organisation.kind == "ministry"


def responsible_any(organisation_ids: list[int]):
    """SQL: the recommendation is the responsibility of any of these organisations."""
    return Recommendation.responsible_organisation_id.in_(organisation_ids)


def responsible_names(recommendation_ids: list[int]) -> dict[int, list[str]]:
    """{recommendation id: names of the ministries and agencies responsible, the lead first}."""
    if not recommendation_ids:
        return {}
    rows = db.session.execute(select(Recommendation.id, Organisation.name)
                              .join(Organisation, Organisation.id == Recommendation.responsible_organisation_id)
                              .where(Recommendation.id.in_(recommendation_ids)))
    return {rec_id: [name] for rec_id, name in rows}


def latest_evidence(_actor, recommendation_ids: list[int], _period_from: date | None,
                    _period_to: date | None) -> dict[int, Evidence]:
    """{recommendation id: the latest assessment in the period that the actor may see, as Evidence}."""
    if not recommendation_ids:
        return {}
    rows = db.session.execute(select(Recommendation.id, Recommendation.implementation_status)
                              .where(Recommendation.id.in_(recommendation_ids),
                                     Recommendation.implementation_status != "unknown"))
    return {rec_id: Evidence(status, IMPLEMENTATION_STATUSES.get(status, status), None) for rec_id, status in rows}
