"""Reports to hand in: what a report covers, built from the data, and the lead's saved drafts.

Every service takes the `actor` (whose grants decide which evidence shows) and `now`. Leads and
admins make and export these reports; a draft is its owner's alone.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import exists, func, select

from engage.clusters.models import ClusterMember, RecommendationCluster
from engage.cycles.services import today_in_nairobi
from engage.directory.models import Organisation
from engage.errors import NotFoundError, PermissionDenied
from engage.extensions import db
from engage.organisation import services as organisation
from engage.recommendations.models import Recommendation, Theme, recommendation_theme
from engage.schemas import check, refuse

from . import evidence
from .content import Cluster, Item, Report
from .models import ReportDraft
from .schemas import DraftSave, ReportChoices

WRITE_ROLE = "lead"


def _may_report(actor) -> None:
    if actor is not None and not actor.has_role(WRITE_ROLE):
        raise PermissionDenied(_("Only leads and admins make the reports to hand in."))


def default_choices(now: datetime) -> dict:
    """What a new report starts from: the newest cycle with recommendations, the organisation's name, up to today."""
    cycle = db.session.scalar(select(func.max(Recommendation.cycle)))
    return {"cycle": cycle, "themes": [], "ministries": [], "clusters": [], "period_from": None,
            "period_to": today_in_nairobi(now), "coalition": organisation.current().name}


def matrix_choices(theme_id: str, organisation_id: str) -> dict:
    """The implementation matrix's theme and ministry filters (ids, as its address has them) as a report's
    choices; an id that is not a number or names nothing is left out."""
    found: dict = {}
    if theme_id.isascii() and theme_id.isdigit() and len(theme_id) < 10:
        theme = db.session.get(Theme, int(theme_id))
        if theme is not None:
            found["themes"] = [theme.name]
    if organisation_id.isascii() and organisation_id.isdigit() and len(organisation_id) < 10:
        found["ministries"] = [int(organisation_id)]
    return found


def _themes(names: list[str]) -> list[Theme]:
    if not names:
        return []
    found = {t.name.lower(): t for t in db.session.scalars(
        select(Theme).where(func.lower(Theme.name).in_([n.lower() for n in names])))}
    missing = [n for n in names if n.lower() not in found]
    refuse({"themes": _("No theme called %(name)s.", name=repr(missing[0][:60]))} if missing else {})
    return [found[n.lower()] for n in names]


def _organisations(ids: list[int]) -> list[Organisation]:
    if not ids:
        return []
    found = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    refuse({"ministries": _("No organisation with id %(id)s.", id=missing[0])} if missing else {})
    return [found[i] for i in ids]


def _clusters(ids: list[int]) -> list[RecommendationCluster]:
    if not ids:
        return []
    found = {c.id: c for c in db.session.scalars(select(RecommendationCluster).where(RecommendationCluster.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    refuse({"clusters": _("No cluster with id %(id)s.", id=missing[0])} if missing else {})
    return [found[i] for i in ids]


def cluster_choices() -> list[RecommendationCluster]:
    """Every cluster, by name, for the report's choices."""
    return list(db.session.scalars(select(RecommendationCluster).order_by(RecommendationCluster.name)))


def _clusters_of(recommendation_ids: list[int]) -> dict[int, RecommendationCluster]:
    """{recommendation id: its cluster} in one statement (a recommendation is in one cluster at most)."""
    if not recommendation_ids:
        return {}
    rows = db.session.execute(select(ClusterMember.recommendation_id, RecommendationCluster)
                              .join(RecommendationCluster, RecommendationCluster.id == ClusterMember.cluster_id)
                              .where(ClusterMember.recommendation_id.in_(recommendation_ids)))
    return {rec_id: cluster for rec_id, cluster in rows}


def report_recommendations(choices: ReportChoices, themes: list[Theme], ministries: list[Organisation],
                           clusters: list[RecommendationCluster] = ()):
    """The cycle's recommendations on any of the themes (all when none), for which any of the ministries is
    responsible (all when none), in any of the clusters (all when none), in the report's order."""
    query = select(Recommendation).where(Recommendation.cycle == choices.cycle)
    if clusters:
        query = query.where(exists().where(ClusterMember.recommendation_id == Recommendation.id,
                                           ClusterMember.cluster_id.in_([c.id for c in clusters])))
    if themes:
        query = query.where(exists().where(recommendation_theme.c.recommendation_id == Recommendation.id,
                                           recommendation_theme.c.theme_id.in_([t.id for t in themes])))
    if ministries:
        query = query.where(evidence.responsible_any([o.id for o in ministries]))
    return list(db.session.scalars(query.order_by(Recommendation.reference_sort, Recommendation.sub_item)))


def build_report(actor, now: datetime, data, kind: str = "midterm", texts: dict | None = None) -> Report:
    """The report `data` (ReportChoices) asks for, as `actor` may see it: each recommendation with its
    latest assessment in the period (restricted evidence only for a reader with a grant, and marked),
    the lead's `texts` (introduction, methodology, conclusion, comments by recommendation id) laid in."""
    _may_report(actor)
    choices = check(ReportChoices, data)
    themes, ministries = _themes(choices.themes), _organisations(choices.ministries)
    recommendations = report_recommendations(choices, themes, ministries, _clusters(choices.clusters))
    ids = [r.id for r in recommendations]
    clusters = _clusters_of(ids)
    found = evidence.latest_evidence(actor, ids, choices.period_from, choices.period_to)
    responsible = evidence.responsible_names(ids)
    texts = texts or {}
    comments = texts.get("comments") or {}
    cluster_comments = texts.get("cluster_comments") or {}
    report = Report(kind=kind, coalition=choices.coalition, cycle=choices.cycle,
                    state_under_review=_state_under_review(), period_from=choices.period_from,
                    period_to=choices.period_to, made_on=today_in_nairobi(now),
                    themes=[t.name for t in themes], ministries=[o.name for o in ministries],
                    introduction=texts.get("introduction") or "", methodology=texts.get("methodology") or "",
                    conclusion=texts.get("conclusion") or "")
    for rec in recommendations:
        report.items.append(Item(recommendation_id=rec.id, reference=rec.full_reference, text=rec.text,
                                 states=rec.recommending_states, response=rec.response,
                                 themes=[t.name for t in rec.themes], ministries=responsible.get(rec.id, []),
                                 evidence=found.get(rec.id), comment=comments.get(str(rec.id)) or "",
                                 cluster_id=clusters[rec.id].id if rec.id in clusters else None))
    for cluster in clusters.values():
        report.clusters.setdefault(cluster.id, Cluster(cluster.id, cluster.name, cluster.description,
                                                       cluster_comments.get(str(cluster.id)) or ""))
    report.number_sources()
    return report


def _state_under_review() -> str:
    return current_app.config["ENGAGE_STATE_UNDER_REVIEW"] if has_app_context() else "KE"


# ---- drafts ----

def drafts_of(actor) -> list[ReportDraft]:
    """The actor's own drafts, the newest change first."""
    return list(db.session.scalars(select(ReportDraft).where(ReportDraft.owner_id == actor.id)
                                   .order_by(ReportDraft.updated_at.desc(), ReportDraft.id.desc())))


def get_draft(actor, draft_id: int) -> ReportDraft:
    """The actor's draft with that id; NotFoundError for anyone else's, as for an id never used."""
    _may_report(actor)
    draft = db.session.get(ReportDraft, draft_id)
    if draft is None or draft.owner_id != actor.id:
        raise NotFoundError(_("No such draft."))
    return draft


def _title(body: DraftSave) -> str:
    return body.title or _("Mid-term report, cycle %(cycle)s: %(coalition)s", cycle=body.cycle,
                           coalition=body.coalition)[:200]


def create_draft(actor, now: datetime, data) -> ReportDraft:
    """Save a new mid-term report draft owned by the actor (its themes and ministries checked)."""
    _may_report(actor)
    body = check(DraftSave, data)
    _themes(body.themes), _organisations(body.ministries), _clusters(body.clusters)
    draft = ReportDraft(kind="midterm", title=_title(body), owner_id=actor.id,
                        content={"choices": body.as_json(), "texts": body.texts_json()},
                        created_at=now, updated_at=now)
    db.session.add(draft)
    db.session.flush()
    return draft


def update_draft(actor, now: datetime, draft: ReportDraft, data) -> ReportDraft:
    """Replace a draft's choices and texts with what the lead saved."""
    _may_report(actor)
    if draft.owner_id != actor.id:
        raise NotFoundError(_("No such draft."))
    body = check(DraftSave, data)
    _themes(body.themes), _organisations(body.ministries), _clusters(body.clusters)
    draft.title = _title(body)
    draft.content = {"choices": body.as_json(), "texts": body.texts_json()}
    draft.updated_at = now
    db.session.flush()
    return draft


def delete_draft(actor, draft: ReportDraft) -> None:
    """Delete one of the actor's drafts."""
    _may_report(actor)
    if draft.owner_id != actor.id:
        raise NotFoundError(_("No such draft."))
    db.session.delete(draft)
    db.session.flush()


def draft_report(actor, now: datetime, draft: ReportDraft) -> Report:
    """The report a saved draft makes today: its choices over the current data, its texts laid in."""
    content = draft.content or {}
    return build_report(actor, now, content.get("choices") or {}, texts=content.get("texts") or {})
