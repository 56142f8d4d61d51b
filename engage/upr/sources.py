"""Sources of recommendations: each import's copy kept, disagreements arbitrated, stored and reviewed.

An import (engage/upr/imports.py) calls three things here: `held_sources` once for the
recommendations the file touches, `arbitrate` for each row that updates one (which value stands, and
what disagrees), and `save_sources` once at the end (every row's copy and the new disagreements, in
a few statements per batch). The "To review" page and API list what is open through
`open_disagreements`; staff settle each with `resolve_disagreement`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update

from engage.errors import ConflictError, NotFoundError, PermissionDenied
from engage.extensions import db
from engage.i18n import N_, Phrase
from engage.history import record_change
from engage.recommendations.models import RESPONSES, Recommendation
from engage.recommendations.sources import (SOURCE_RANK, UNSOURCED_RANK, RecommendationSource,
                                            SourceDisagreement)
from engage.schemas import check

from .schemas import DisagreementReview

BATCH = 500


def normalised_text(text: str) -> str:
    """A recommendation's text as compared across sources: case, punctuation and spacing ignored."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def kind_of_layout(layout: str) -> str:
    """The source kind of a file read in one of engage's layouts (engage/upr/formats.LAYOUTS)."""
    return {"upr_info_export": "upr_info", "ohchr_matrix": "ohchr_matrix", "ohchr_thematic_list": "ohchr_matrix",
            "un_document": "un_document"}.get(layout, "engage_csv")


def source_reference(kind: str, values: dict[str, Any]) -> str:
    """The row's reference in its own source: "UPR Info 8-12", "A/HRC/15/8 para 101.1"."""
    if kind == "upr_info":
        # formats.export_rows numbers each session's rows: "UPR Info export, session 8 #12".
        found = re.search(r"session (\d+) #(\d+)", values.get("source_ref") or "")
        if found:
            return f"UPR Info {found.group(1)}-{found.group(2)}"
    document = values.get("outcome_document")
    reference = values.get("reference") or ""
    return (f"{document} para {reference}" if document else f"para {reference}")[:120]


@dataclass
class Held:
    """The best source a recommendation was read from so far (its value is the one shown)."""

    rank: int = UNSOURCED_RANK
    kind: str = "engage_csv"
    reference: str | None = None


def held_sources(rec_ids) -> dict[int, Held]:
    """For each recommendation id, its best source so far (one statement per BATCH ids)."""
    ids = list(rec_ids)
    held: dict[int, Held] = {}
    for start in range(0, len(ids), BATCH):
        rows = db.session.execute(select(RecommendationSource.recommendation_id, RecommendationSource.kind,
                                         RecommendationSource.reference)
                                  .where(RecommendationSource.recommendation_id.in_(ids[start:start + BATCH]))
                                  .order_by(RecommendationSource.id))
        for rec_id, kind, reference in rows:
            rank = SOURCE_RANK.get(kind, 0)
            if rec_id not in held or rank > held[rec_id].rank:
                held[rec_id] = Held(rank, kind, reference)
    return held


@dataclass
class Pending:
    """A disagreement found by an import, stored by save_sources."""

    recommendation_id: int
    field: str
    shown_value: str
    shown_kind: str
    other_value: str
    other_kind: str
    other_reference: str | None


def arbitrate(rec: Recommendation, values: dict[str, Any], kind: str, reference: str, held: Held,
              found: list[Pending]) -> list[str]:
    """Decide, for response and text, whose value stands when this source's differs from what is held.

    The better-ranked source's value is shown (SOURCE_RANK); the other is kept in a disagreement
    added to `found`. A source of the same rank as the held one corrects it (a lead's file imported
    again). Pending never disagrees: it only means no response yet. `values` loses what does not
    stand; the messages say, for the report, where the sources disagree.
    """
    rank = SOURCE_RANK.get(kind, 0)
    messages = []
    for name in ("response", "text"):
        new, old = values.get(name), getattr(rec, name)
        if new is None or new == old:
            continue
        if name == "response" and "pending" in (new, old):
            if new == "pending":
                values.pop(name)  # a source that knows no response never blanks a known one
            continue
        same = name == "text" and normalised_text(new) == normalised_text(old)
        if rank == held.rank:
            continue  # the same kind of source again: its new value replaces its old one
        wins = rank > held.rank
        if not wins:
            values.pop(name)
        if same:
            continue  # only case, punctuation or spacing: the better source's wording, no disagreement
        shown, other = (new, old) if wins else (old, new)
        found.append(Pending(rec.id, name, shown, kind if wins else held.kind, other,
                             held.kind if wins else kind, held.reference if wins else reference))
        # Phrases: the import page says them in its reader's language (the responses too).
        outcome = Phrase(N_("the file's is shown")) if wins else Phrase(N_("kept"))
        if name == "response":
            messages.append(Phrase(N_("response: the file says %(said)s, engage holds %(holds)s for %(recommendation)s "
                                      "in cycle %(cycle)s (%(outcome)s)"),
                                   said=Phrase(RESPONSES.get(new, new)), holds=Phrase(RESPONSES.get(old, old)),
                                   recommendation=rec.label, cycle=rec.cycle, outcome=outcome))
        else:
            messages.append(Phrase(N_("text: the file's wording differs from engage's for %(recommendation)s in cycle "
                                      "%(cycle)s (%(outcome)s)"), recommendation=rec.label, cycle=rec.cycle,
                                   outcome=outcome))
    return messages


def save_sources(actor, now, kind: str, copies: list[tuple[int, str, str | None, str | None]],
                 found: list[Pending]) -> None:
    """Keep each row's copy (recommendation id, reference, response, text) and store new disagreements.

    A source already kept for the recommendation (same kind and reference) is refreshed; an open
    disagreement already stored with the same values is not stored twice (a file imported again).
    Constant statements per BATCH rows, whatever the file's size.
    """
    actor_id = getattr(actor, "id", None)
    for start in range(0, len(copies), BATCH):
        batch = copies[start:start + BATCH]
        ids = {c[0] for c in batch}
        kept = {(rec_id, reference): source_id for source_id, rec_id, reference in db.session.execute(
            select(RecommendationSource.id, RecommendationSource.recommendation_id, RecommendationSource.reference)
            .where(RecommendationSource.recommendation_id.in_(ids), RecommendationSource.kind == kind))}
        new, changed = [], []
        for rec_id, reference, response, text in batch:
            row = {"response": response, "text": text, "imported_at": now, "imported_by_id": actor_id}
            source_id = kept.get((rec_id, reference))
            if source_id is None:
                new.append({"recommendation_id": rec_id, "kind": kind, "reference": reference, **row})
                kept[(rec_id, reference)] = -1  # the same row twice in a file is refused before this
            else:
                changed.append({"id": source_id, **row})
        if new:
            db.session.execute(insert(RecommendationSource), new)
        if changed:
            db.session.execute(update(RecommendationSource), changed)
    for start in range(0, len(found), BATCH):
        batch = found[start:start + BATCH]
        open_now = set(db.session.execute(
            select(SourceDisagreement.recommendation_id, SourceDisagreement.field, SourceDisagreement.shown_value,
                   SourceDisagreement.other_value)
            .where(SourceDisagreement.recommendation_id.in_({p.recommendation_id for p in batch}),
                   SourceDisagreement.resolution.is_(None))).all())
        rows = [{**p.__dict__, "detected_at": now} for p in batch
                if (p.recommendation_id, p.field, p.shown_value, p.other_value) not in open_now]
        if rows:
            db.session.execute(insert(SourceDisagreement), rows)


# ---- reading and reviewing ----

def sources_of(rec: Recommendation) -> list[RecommendationSource]:
    """Every source `rec` was read from, the best first."""
    rows = db.session.scalars(select(RecommendationSource).where(RecommendationSource.recommendation_id == rec.id)
                              .order_by(RecommendationSource.imported_at, RecommendationSource.id))
    return sorted(rows, key=lambda s: -SOURCE_RANK.get(s.kind, 0))


def disagreements_of(rec: Recommendation) -> list[SourceDisagreement]:
    """Every disagreement between `rec`'s sources, open ones first."""
    return list(db.session.scalars(
        select(SourceDisagreement).where(SourceDisagreement.recommendation_id == rec.id)
        .order_by(SourceDisagreement.resolution.is_not(None), SourceDisagreement.detected_at.desc(),
                  SourceDisagreement.id.desc())))


def open_disagreements():
    """A select() of every open disagreement, by cycle and paragraph (one joined statement per page)."""
    return all_disagreements(reviewed=False)


def all_disagreements(reviewed: bool | None = None):
    """A select() of disagreements (`reviewed`: only those settled, or only open ones; None: all), by paragraph."""
    query = select(SourceDisagreement).join(Recommendation, Recommendation.id == SourceDisagreement.recommendation_id)
    if reviewed is not None:
        query = query.where(SourceDisagreement.resolution.is_not(None) if reviewed
                            else SourceDisagreement.resolution.is_(None))
    return (query.order_by(Recommendation.cycle.desc(), Recommendation.reference_sort, Recommendation.recommending_state,
                      SourceDisagreement.id))


def open_disagreement_count() -> int:
    """How many disagreements wait for review (the recommendations page links the list with it)."""
    return db.session.scalar(select(func.count()).select_from(SourceDisagreement)
                             .where(SourceDisagreement.resolution.is_(None))) or 0


def get_disagreement(disagreement_id: int) -> SourceDisagreement:
    """The disagreement with that id, or NotFoundError."""
    found = db.session.get(SourceDisagreement, disagreement_id) if 0 < disagreement_id < 2**63 else None
    if found is None:
        raise NotFoundError(f"No disagreement with id {disagreement_id}.")
    return found


def resolve_disagreement(actor, now, disagreement: SourceDisagreement, data: Any) -> SourceDisagreement:
    """Settle an open disagreement (`data`: a DisagreementReview or what it validates): `other` shows the
    other source's value, `reviewed` keeps the one shown. Leads and admins only; kept in the history."""
    if not actor.has_role("lead"):
        raise PermissionDenied(N_("Only leads and admins review disagreements between sources."))
    choice = check(DisagreementReview, data).choice
    if not disagreement.is_open:
        raise ConflictError(Phrase(N_("This disagreement is already reviewed (%(resolution)s)."),
                                   resolution=Phrase(disagreement.resolution_label)))
    rec = disagreement.recommendation
    changes: dict[str, list] = {"disagreement": [disagreement.field, choice]}
    if choice == "other":
        changes[disagreement.field] = [getattr(rec, disagreement.field), disagreement.other_value]
        setattr(rec, disagreement.field, disagreement.other_value)
        # What was shown becomes the other value, so the row still holds both sources' words.
        disagreement.shown_value, disagreement.other_value = disagreement.other_value, disagreement.shown_value
        disagreement.shown_kind, disagreement.other_kind = disagreement.other_kind, disagreement.shown_kind
        rec.updated_at = now
    disagreement.resolution, disagreement.resolved_at, disagreement.resolved_by = choice, now, actor
    record_change(actor, now, rec, "disagreement_reviewed", changes)
    db.session.flush()
    return disagreement
