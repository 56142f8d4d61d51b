"""Where reports read the assessments and the responsible ministries (engage.implementation).

Placeholder until the implementation package lands: no assessment, and the recommendation's single
responsible organisation.
"""
from __future__ import annotations

from datetime import date

from engage.recommendations.models import Recommendation

from .content import Evidence


def responsible_any(organisation_ids: list[int]):
    """SQL: the recommendation is the responsibility of any of these organisations."""
    return Recommendation.responsible_organisation_id.in_(organisation_ids)


def responsible_names(recommendation_ids: list[int]) -> dict[int, list[str]]:
    """{recommendation id: names of the ministries and agencies responsible, the lead first}."""
    return {}


def latest_evidence(actor, recommendation_ids: list[int], period_from: date | None,
                    period_to: date | None) -> dict[int, Evidence]:
    """{recommendation id: the latest assessment in the period that `actor` may see, as Evidence}."""
    return {}


def ministry_condition():
    """SQL: an organisation offered as a ministry or agency responsible (the directory's ministries)."""
    from engage.directory.models import Organisation

    return Organisation.kind == "ministry"
