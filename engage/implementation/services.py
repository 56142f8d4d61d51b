"""Recording, changing and deleting assessments with their documents, and setting who is responsible.

Who writes: anyone on staff records an assessment (as anyone on staff may log what a meeting
achieved); whoever recorded or made it, or a lead, changes or deletes it. An assessment from a
meeting needs a meeting the actor may see, and one from a restricted meeting is restricted itself
too, so it stays restricted if the meeting is later deleted. Responsibilities are set by staff.
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select

from engage.access import services as access
from engage.directory.models import Organisation
from engage.errors import NotFoundError, PermissionDenied, ServiceError, ValidationError
from engage.extensions import db, model_for
from engage.history import record_change
from engage.members.services import member_id_of, secretariat_id
from engage.recommendations.models import Recommendation
from engage.schemas import check

from .models import ASSESSMENT_STATUSES, DOCUMENT_TYPES, MAX_DOCUMENT_BYTES, RESPONSIBLE_KINDS, Assessment, AssessmentDocument, Responsibility
from .queries import latest_statuses
from .schemas import AssessmentCreate, AssessmentUpdate, ResponsibilitiesWrite

FIELDS = ("assessed_on", "status", "evidence", "links", "source_kind", "source_detail", "meeting_id", "confidence")
MAX_DOCUMENTS = 10


class DocumentTooLarge(ServiceError):
    """An uploaded document over the size kept with a record (413)."""

    status = 413
    code = "too_large"


def _staff(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", True)
                and not getattr(actor, "is_disabled", False) and actor.has_role("staff"))


def can_record(actor) -> bool:
    """True for anyone on staff (and above)."""
    return _staff(actor)


def can_change(actor, assessment: Assessment) -> bool:
    """True for whoever recorded or made the assessment, and for leads and admins."""
    if not _staff(actor):
        return False
    return actor.has_role("lead") or actor.id in (assessment.created_by_id, assessment.assessed_by_id)


def get_assessment(assessment_id, actor) -> Assessment:
    """The assessment with that id if the actor may see it, else NotFoundError."""
    if not isinstance(assessment_id, int) or not 0 < assessment_id < 2**31:
        raise NotFoundError(_("No such assessment."))
    query = access.only_visible(actor, select(Assessment).where(Assessment.id == assessment_id), Assessment)
    found = db.session.scalar(query)
    if found is None:
        raise NotFoundError(_("No such assessment."))
    return found


def _meeting(actor, meeting_id, errors: dict):
    if meeting_id is None:
        return None
    meeting = access.get_visible(actor, model_for("meeting"), meeting_id)
    if meeting is None:
        errors["meeting_id"] = [_("No meeting with id %(id)s.", id=meeting_id)]
    return meeting


def _values(actor, data, model, errors: dict, partial: bool) -> tuple[dict, Any, Any]:
    body = check(model, data)
    sent = body.model_fields_set
    values = {name: getattr(body, name) for name in FIELDS if not partial or name in sent}
    meeting = _meeting(actor, values.get("meeting_id"), errors)
    if "meeting_id" in values:
        if values.get("source_kind") is None and (not partial or "source_kind" not in sent):
            values["source_kind"] = "meeting" if meeting is not None else "other"
        elif values.get("source_kind") == "meeting" and values["meeting_id"] is None:
            errors["meeting_id"] = [_("Choose the meeting this came from, or another source.")]
    if not partial:
        values["source_kind"] = values.get("source_kind") or "other"
        values["confidence"] = values.get("confidence") or "medium"
        if values["source_kind"] == "meeting" and meeting is None and "meeting_id" not in errors:
            errors["meeting_id"] = [_("Choose the meeting this came from, or another source.")]
    else:
        for name, default in (("confidence", "medium"), ("source_kind", "other")):
            if name in values and values[name] is None:
                values[name] = default
    return values, body, meeting


def create_assessment(actor, now: datetime, data: Any, documents=(), outcome=None) -> Assessment:
    """Record an assessment (`data`: an AssessmentCreate or what it validates) with documents
    (`(filename, content_type, bytes)` each); from `outcome`, its meeting is the source. All or nothing."""
    if not can_record(actor):
        raise PermissionDenied(_("Only staff record assessments."))
    errors: dict[str, list[str]] = {}
    if outcome is not None and isinstance(data, dict) and not data.get("meeting_id"):
        data = {**data, "meeting_id": outcome.meeting_id}
    values, body, meeting = _values(actor, data, AssessmentCreate, errors, partial=False)
    if db.session.get(Recommendation, body.recommendation_id) is None:
        errors["recommendation_id"] = [_("No recommendation with id %(id)s.", id=body.recommendation_id)]
    documents = list(documents)
    checked = _check_documents(documents, errors)
    if errors:
        raise ValidationError.for_fields(errors)
    assessment = Assessment(recommendation_id=body.recommendation_id, **values, assessed_by_id=actor.id,
                            created_by_id=actor.id, created_at=now, updated_at=now,
                            outcome_id=getattr(outcome, "id", None))
    sensitivity = body.sensitivity or "internal"
    # Restricted with its meeting or outcome, and for good: a deleted meeting must not open it.
    if access.is_restricted(meeting) or access.is_restricted(outcome):
        sensitivity = "restricted"
    db.session.add(assessment)
    db.session.flush()
    access.apply_initial_sensitivity(actor, now, assessment, sensitivity)
    for name, content_type, data_bytes in checked:
        _new_document(actor, now, assessment, name, content_type, data_bytes)
    record_change(actor, now, assessment, "created",
                  {k: v for k, v in values.items() if v is not None} | {"sensitivity": sensitivity})
    db.session.flush()
    return assessment


def update_assessment(actor, now: datetime, assessment: Assessment, data: Any, documents=()) -> dict:
    """Change an assessment (`data`: an AssessmentUpdate: only the fields sent) and add documents;
    returns what changed."""
    if not can_change(actor, assessment):
        raise PermissionDenied(_("Only whoever recorded this assessment, or a lead, can change it."))
    errors: dict[str, list[str]] = {}
    values, body, meeting = _values(actor, data, AssessmentUpdate, errors, partial=True)
    if values.get("source_kind") == "meeting" and values.get("meeting_id", assessment.meeting_id) is None:
        errors["meeting_id"] = [_("Choose the meeting this came from, or another source.")]
    checked = _check_documents(list(documents), errors, held=len(assessment.documents))
    sensitivity = body.sensitivity if "sensitivity" in body.model_fields_set and body.sensitivity else None
    if sensitivity is not None:
        try:
            access.check_may_set(actor, assessment, sensitivity)
        except PermissionDenied as exc:
            errors["sensitivity"] = [exc.message]
    if errors:
        raise ValidationError.for_fields(errors)
    changes = {}
    for name, value in values.items():
        old = getattr(assessment, name)
        if old != value:
            changes[name] = [old, value]
            setattr(assessment, name, value)
    if "meeting_id" in changes and access.is_restricted(meeting) and assessment.sensitivity != "restricted":
        sensitivity = "restricted"
    for name, content_type, data_bytes in checked:
        _new_document(actor, now, assessment, name, content_type, data_bytes)
        changes.setdefault("documents added", []).append(name)
    if changes:
        assessment.updated_at = now
        record_change(actor, now, assessment, "updated", changes)
    if sensitivity is not None and access.set_sensitivity(actor, now, assessment, sensitivity):
        changes["sensitivity"] = True
    db.session.flush()
    return changes


def delete_assessment(actor, now: datetime, assessment: Assessment) -> None:
    """Delete an assessment with its documents; kept in its history."""
    if not can_change(actor, assessment):
        raise PermissionDenied(_("Only whoever recorded this assessment, or a lead, can delete it."))
    record_change(actor, now, assessment, "deleted", {"status": assessment.status,
                                                      "assessed_on": assessment.assessed_on.isoformat()})
    db.session.delete(assessment)
    db.session.flush()


# ---- documents ----

def sniff_type(data: bytes) -> str | None:
    """The document type of these bytes, read from their content, never from the name they came
    with; None when it is none of the types kept."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "mimetype" in names and archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text":
                    return "application/vnd.oasis.opendocument.text"
                if "word/document.xml" in names:
                    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
            return None
        return None
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/plain"
    return None


def _clean_filename(filename: str | None, content_type: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?').strip()[:200]
    return name or f"document{DOCUMENT_TYPES[content_type]}"


def _check_documents(documents: list, errors: dict, held: int = 0) -> list[tuple[str, str, bytes]]:
    """Each upload's (name, type, bytes), or its problem in `errors` under "document"; too big is a 413."""
    if held + len(documents) > MAX_DOCUMENTS:
        errors["document"] = [_("At most %(max)s documents per assessment.", max=MAX_DOCUMENTS)]
        return []
    checked = []
    for filename, _declared, data in documents:
        if len(data) > MAX_DOCUMENT_BYTES:
            raise DocumentTooLarge(_("document: %(file)s is %(size)s MB; documents kept with an assessment are at "
                                     "most %(max)s MB.", file=filename or _("the file"),
                                     size=f"{len(data) / 1048576:.1f}", max=MAX_DOCUMENT_BYTES // 1048576),
                                   {"document": [_("At most %(max)s MB.", max=MAX_DOCUMENT_BYTES // 1048576)]})
        if not data:
            errors["document"] = [_("%(file)s is empty.", file=filename or _("The file"))]
            continue
        content_type = sniff_type(data)
        if content_type is None:
            errors["document"] = [_("%(file)s is not a PDF, Word (.docx), OpenDocument (.odt), PNG, JPEG or plain "
                                    "text file.", file=filename or _("The file"))]
            continue
        checked.append((_clean_filename(filename, content_type), content_type, data))
    return checked


def _new_document(actor, now, assessment, filename, content_type, data) -> AssessmentDocument:
    document = AssessmentDocument(assessment=assessment, filename=filename, content_type=content_type,
                                  size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data,
                                  created_at=now, created_by_id=getattr(actor, "id", None))
    db.session.add(document)
    return document


def get_document(assessment: Assessment, document_id: int) -> AssessmentDocument:
    """One document of an assessment already checked visible, or NotFoundError."""
    for document in assessment.documents:
        if document.id == document_id:
            return document
    raise NotFoundError(_("No such document."))


def delete_document(actor, now: datetime, assessment: Assessment, document: AssessmentDocument) -> None:
    """Remove one document from an assessment; kept in its history."""
    if not can_change(actor, assessment):
        raise PermissionDenied(_("Only whoever recorded this assessment, or a lead, can change it."))
    record_change(actor, now, assessment, "updated", {"documents removed": [document.filename]})
    assessment.documents.remove(document)
    assessment.updated_at = now
    db.session.flush()


# ---- responsibilities ----

def responsible_choices() -> list[Organisation]:
    """The directory's ministries and agencies (kinds ministry and other), not archived, by name."""
    return list(db.session.scalars(select(Organisation).where(Organisation.kind.in_(RESPONSIBLE_KINDS),
                                                              Organisation.is_archived.is_(False))
                                   .order_by(Organisation.name)))


def set_responsibilities(actor, now: datetime, rec: Recommendation, data: Any) -> dict:
    """Replace who is responsible for a recommendation (`data`: a ResponsibilitiesWrite); returns what changed."""
    if not _staff(actor):
        raise PermissionDenied(_("Only staff set who is responsible for a recommendation."))
    body = check(ResponsibilitiesWrite, data)
    wanted: dict[int, str] = {}
    errors: dict[str, list[str]] = {}
    ids = [item.organisation_id for item in body.responsibilities]
    found = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))} if ids else {}
    for i, item in enumerate(body.responsibilities):
        org = found.get(item.organisation_id)
        if org is None:
            errors[f"responsibilities.{i}.organisation_id"] = [_("No organisation with id %(id)s.",
                                                                   id=item.organisation_id)]
        elif org.kind not in RESPONSIBLE_KINDS:
            errors[f"responsibilities.{i}.organisation_id"] = [_("%(name)s is not a ministry or agency.",
                                                                   name=org.name)]
        elif item.organisation_id in wanted:
            errors[f"responsibilities.{i}.organisation_id"] = [_("%(name)s is listed twice.", name=org.name)]
        else:
            wanted[item.organisation_id] = item.role or "lead"
    if errors:
        raise ValidationError.for_fields(errors)
    held = {r.organisation_id: r.role for r in db.session.scalars(
        select(Responsibility).where(Responsibility.recommendation_id == rec.id))}
    if held == wanted:
        return {}
    db.session.execute(delete(Responsibility).where(Responsibility.recommendation_id == rec.id))
    for org_id, role in wanted.items():
        db.session.add(Responsibility(recommendation_id=rec.id, organisation_id=org_id, role=role))
    names = {o.id: o.name for o in found.values()}
    missing = set(held) - set(names)
    if missing:
        names |= dict(db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(missing))).all())
    changes = {"responsible": [sorted(f"{names.get(i, i)} ({r})" for i, r in held.items()),
                               sorted(f"{names[i]} ({r})" for i, r in wanted.items())]}
    rec.updated_at = now
    record_change(actor, now, rec, "updated", changes)
    db.session.flush()
    return changes


# ---- statuses given by a file of recommendations ----

# The words a recommendations file may give as its implementation status: the statuses, and those of
# the single field engage held before assessments ("partial"; "unknown" is none at all).
IMPORTED_WORDS = {**{key: key for key in ASSESSMENT_STATUSES}, "partial": "partially_implemented",
                  "partially implemented": "partially_implemented", "not started": "not_started",
                  "in progress": "in_progress", "no information": "no_information", "unknown": None}
IMPORTED_DETAIL = "Imported with the recommendations"


def imported_status(value) -> tuple[str | None, str | None]:
    """(the assessment status a file's cell stands for, or None; a problem to report, or None)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    word = " ".join(str(value).strip().lower().replace("_", " ").split())
    key = word.replace(" ", "_")
    if key in IMPORTED_WORDS:
        return IMPORTED_WORDS[key], None
    if word in IMPORTED_WORDS:
        return IMPORTED_WORDS[word], None
    return None, _("Choose one of: %(choices)s (or leave it blank).", choices=", ".join(ASSESSMENT_STATUSES))


def record_imported_statuses(actor, now: datetime, statuses: dict[int, str]) -> int:
    """Record, as assessments dated `now` (source "other"), the statuses a file gave for these
    recommendations where they differ from the latest one the importer sees; returns how many. One
    INSERT for them all."""
    if not statuses:
        return 0
    held = latest_statuses(actor, statuses)
    # Core rows skip the members' flush hook: owned as an ORM-made assessment from no meeting would be.
    member_id = member_id_of(actor) or secretariat_id()
    rows = [{"recommendation_id": rec_id, "member_id": member_id, "assessed_on": now.date(), "status": status, "source_kind": "other",
             "source_detail": IMPORTED_DETAIL, "confidence": "medium", "sensitivity": "internal",
             "assessed_by_id": getattr(actor, "id", None), "created_by_id": getattr(actor, "id", None),
             "created_at": now, "updated_at": now}
            for rec_id, status in sorted(statuses.items()) if rec_id not in held or held[rec_id].status != status]
    if rows:
        db.session.execute(insert(Assessment), rows)
    return len(rows)


def assess_from_outcome(actor, now: datetime, outcome, data: dict) -> Assessment | None:
    """With an outcome on a recommendation, record the assessment its meeting gave (`data`: status,
    evidence, confidence; nothing when no status), dated the meeting's day, sourced to the meeting.
    Refusals name the outcome form's fields (assessment_status, …)."""
    if not data.get("status"):
        return None
    if outcome.recommendation_id is None:
        raise ValidationError.for_fields({"assessment_status": _("Choose the recommendation the assessment is of.")})
    meeting = outcome.meeting
    day = meeting.starts_at.astimezone(ZoneInfo(meeting.timezone)).date()
    try:
        return create_assessment(actor, now, {"recommendation_id": outcome.recommendation_id, "assessed_on": day,
                                              "status": data.get("status"), "evidence": data.get("evidence"),
                                              "confidence": data.get("confidence"), "meeting_id": meeting.id,
                                              "source_kind": "meeting"}, outcome=outcome)
    except ValidationError as exc:
        raise ValidationError.for_fields({f"assessment_{name}": messages
                                          for name, messages in exc.fields.items()}) from None
