"""Where reports read the assessments and the responsible ministries: engage.implementation's queries,
which give only what the reader may see and say of each assessment whether it is restricted.

Sources are built from an assessment's own fields: its meeting as "Meeting with <organisations>,
<date>" (never the meeting's title, which is for staff; the organisations of restricted attendees
are never named, as in invitations), the report or article it names, its links and its documents.
"""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import exists

from engage.access.services import can_see
from engage.directory.models import Organisation
from engage.i18n import N_
from engage.implementation.models import RESPONSIBLE_KINDS, SOURCE_KINDS, Assessment, Responsibility
from engage.implementation.queries import assessments_for, responsibilities_for
from engage.meetings.people import load_contacts
from engage.recommendations.models import Recommendation

from .content import Evidence, Source, long_date


def ministry_condition():
    """SQL: an organisation that may be responsible for a recommendation (ministries and agencies)."""
    return Organisation.kind.in_(RESPONSIBLE_KINDS)


def responsible_any(organisation_ids: list[int]):
    """SQL: the recommendation is the responsibility (lead or supporting) of any of these organisations."""
    return exists().where(Responsibility.recommendation_id == Recommendation.id,
                          Responsibility.organisation_id.in_(organisation_ids))


def responsible_names(recommendation_ids: list[int]) -> dict[int, list[str]]:
    """{recommendation id: names of the ministries and agencies responsible, the leads first}."""
    return {rec_id: [r.organisation.name + (" (lead)" if r.role == "lead" and len(rows) > 1 else "") for r in rows]
            for rec_id, rows in responsibilities_for(recommendation_ids).items()}


def _in_period(day: date, period_from: date | None, period_to: date | None) -> bool:
    return (period_from is None or day >= period_from) and (period_to is None or day <= period_to)


def meeting_source(meeting, restricted: bool) -> Source:
    """"Meeting with Ministry of Health, 7 December 2026": who was met (organisations every reader may
    know of) and the day, in the meeting's own time zone."""
    names = [o.name for o in meeting.organisations]
    who = _("%(some)s and %(last)s", some=", ".join(names[:-1]), last=names[-1]) if len(names) > 1 else \
        (names[0] if names else "")
    day = meeting.starts_at.astimezone(ZoneInfo(meeting.timezone)).date() if meeting.timezone else meeting.starts_at.date()
    text = _("Meeting with %(who)s, %(day)s", who=who, day=long_date(day)) if who else \
        _("Meeting, %(day)s", day=long_date(day))
    return Source(text, restricted=restricted)


def sources_of(assessment: Assessment) -> list[Source]:
    """The sources an assessment names, each marked restricted when the assessment is."""
    restricted = assessment.restricted
    found = []
    if assessment.meeting is not None:
        found.append(meeting_source(assessment.meeting, restricted))
    if assessment.source_detail:
        kind = _(SOURCE_KINDS.get(assessment.source_kind, N_("Source")))
        found.append(Source(_("%(kind)s: %(detail)s", kind=kind, detail=assessment.source_detail), restricted=restricted))
    found += [Source(url, url, restricted) for url in assessment.link_list]
    found += [Source(_("Document: %(file)s", file=d.filename), restricted=restricted) for d in assessment.documents]
    return found


def latest_evidence(actor, recommendation_ids: list[int], period_from: date | None,
                    period_to: date | None) -> dict[int, Evidence]:
    """{recommendation id: the latest assessment in the period that `actor` may see, as Evidence}.

    A reader without a grant never gets a restricted assessment from the query (nor one from a
    restricted meeting); the recommendation then shows its latest visible one. A reader with one
    gets it marked restricted."""
    latest: dict[int, Assessment] = {}
    for assessment in assessments_for(actor, recommendation_ids):  # newest first per recommendation
        if assessment.recommendation_id in latest or not _in_period(assessment.assessed_on, period_from, period_to):
            continue
        if assessment.meeting is not None and not can_see(actor, assessment.meeting):
            continue  # the query already leaves these out; a report is no place to rely on one check
        latest[assessment.recommendation_id] = assessment
    load_contacts([a.meeting for a in latest.values() if a.meeting is not None])  # one query for every meeting named
    return {rec_id: Evidence(a.status, a.status_label, a.assessed_on, a.evidence, a.restricted, sources=sources_of(a))
            for rec_id, a in latest.items()}
