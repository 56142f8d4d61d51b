"""Data protection services: do-not-contact refusals, access requests (export), retention and review.

Erasure lives in erasure.py and the register in register.py. Like every service these only add and
flush; the caller commits.
"""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Text, cast, func, or_, select, update
from sqlalchemy.orm import contains_eager

from engage.audit.models import AuditEvent
from engage.audit.services import record_event
from engage.clock import NAIROBI, localise
from engage.directory.models import Contact, Organisation
from engage.directory.protection import LAWFUL_BASES
from engage.access.guard import note_loaded
from engage.access.services import only_visible
from engage.directory.services import contact_query, get_contact
from engage.errors import ConflictError
from engage.extensions import db
from engage.history import ChangeRecord, record_change
from engage.meetings.models import Attendee, Meeting
from engage.outbox.models import UNSENT_STATUSES, OutboxMessage
from engage.outcomes.models import FollowUp, Outcome
from engage.recommendations.models import Recommendation
from engage.schemas import check, refuse
from engage.spreadsheets import csv_text

from .models import REQUEST_KINDS, DataRequest, SendRefusal
from .schemas import DataRequestCreate

log = logging.getLogger(__name__)

DEFAULT_MESSAGE_DAYS = 90
DEFAULT_REVIEW_MONTHS = 24
MIN_NEEDLE = 3  # shorter names would match inside unrelated words


# ---- do not contact ----

def _refusal_reason(contact: Contact) -> str:
    return "erased" if contact.erased_at is not None else "do_not_contact"


def refuse_if_do_not_contact(meeting: Meeting, recipient, kind: str, now: datetime) -> bool:
    """True (and a SendRefusal recorded) when `recipient` is a contact who must not be contacted.

    The receiver of signals.message_to_recipient: invitations ask it before rendering each message."""
    contact_id = getattr(recipient, "contact_id", None)
    if contact_id is None:
        return False
    # Whoever is acting, even one who may not see a restricted contact, must not reach them.
    # get(): a contact already loaded (a reminder pass loads them all up front) costs no query.
    contact = db.session.get(Contact, contact_id, execution_options={"all_sensitivities": True})
    if contact is None or not (contact.do_not_contact or contact.erased_at is not None):
        return False
    db.session.add(SendRefusal(meeting_id=meeting.id, contact_id=contact.id, kind=kind,
                               reason=_refusal_reason(contact), at=now))
    return True


def withhold_unsent_messages(actor, now: datetime, contact: Contact) -> int:
    """Messages to `contact` still waiting in the outbox become "withheld" (never sent); returns how many."""
    rows = db.session.scalars(select(OutboxMessage).where(
        func.lower(OutboxMessage.recipient) == contact.email.lower(),
        OutboxMessage.status.in_(UNSENT_STATUSES))).all()
    for row in rows:
        row.status, row.lease_until = "withheld", None
        row.last_error = "withheld: the recipient is marked do not contact"
        db.session.add(SendRefusal(meeting_id=row.meeting_id, contact_id=contact.id, kind=row.kind,
                                   reason=_refusal_reason(contact), outbox_message_id=row.id, at=now))
        record_change(actor, now, row, "withheld", {"status": ["pending", "withheld"]})
    db.session.flush()
    return len(rows)


def withhold_on_objection(contact: Contact, *, actor, now: datetime) -> None:
    """Receiver of signals.contact_objected: what was queued for the contact stays unsent."""
    withhold_unsent_messages(actor, now, contact)


def send_refusals_for(meeting: Meeting) -> list[SendRefusal]:
    """Messages about `meeting` that were refused for data-protection reasons, newest first."""
    return list(db.session.scalars(select(SendRefusal).where(SendRefusal.meeting_id == meeting.id)
                                   .order_by(SendRefusal.at.desc(), SendRefusal.id.desc())))


# ---- requests ----

def open_request(actor, now: datetime, data: Any) -> DataRequest:
    """Log an access or erasure request as received (`data`: a DataRequestCreate or what it validates;
    received that day at 09:00 in Nairobi, default now); it stays open until it is answered."""
    body = check(DataRequestCreate, data)
    contact = get_contact(body.contact_id)  # NotFoundError naming the id
    opened_at = localise(body.received_on, time(9), NAIROBI) if body.received_on else None
    errors = {}
    if opened_at is not None and opened_at > now:
        errors["received_on"] = ["The date the request came in cannot be in the future."]
    if contact.erased_at is not None:
        errors["contact_id"] = ["This contact has already been erased."]
    refuse(errors)
    request = DataRequest(kind=body.kind, contact_id=contact.id, subject_ref=f"contact #{contact.id}",
                          opened_by_id=getattr(actor, "id", None), opened_at=opened_at or now, notes=body.notes)
    db.session.add(request)
    db.session.flush()
    return request


def close_request(actor, now: datetime, kind: str, contact: Contact) -> DataRequest:
    """Close the oldest open request of `kind` about `contact`, or log one opened and closed now."""
    request = db.session.scalar(select(DataRequest).where(
        DataRequest.kind == kind, DataRequest.contact_id == contact.id, DataRequest.closed_at.is_(None))
        .order_by(DataRequest.opened_at, DataRequest.id).limit(1))
    if request is None:
        request = DataRequest(kind=kind, contact_id=contact.id, subject_ref=f"contact #{contact.id}",
                              opened_by_id=getattr(actor, "id", None), opened_at=now)
        db.session.add(request)
    request.closed_at, request.closed_by_id = now, getattr(actor, "id", None)
    db.session.flush()
    return request


def contact_choices(actor, who: str | None = None, chosen: int | None = None, limit: int = 2000) -> list[tuple[str, str]]:
    """(id, "Name — organisation, city") of the contacts `actor` may see that a request can be about
    (not erased; archived ones included: people leave their posts and still ask), by name; `who`
    narrows them by name, email or organisation; `chosen` is kept in the list even when narrowed out."""
    query = contact_query(q=who or None, archived=None, actor=actor).where(Contact.erased_at.is_(None)) \
        .options(contains_eager(Contact.organisation))  # contact_query joins it already: one statement
    contacts = list(db.session.scalars(query.limit(limit)))
    if chosen and all(c.id != chosen for c in contacts):
        extra = db.session.scalar(only_visible(actor, select(Contact).where(
            Contact.id == chosen, Contact.erased_at.is_(None)), Contact))
        contacts = ([extra] if extra is not None else []) + contacts
    out = []
    for c in contacts:
        org = c.organisation
        where = ", ".join(part for part in (org.name if org else "", org.city if org else "") if part)
        out.append((str(c.id), f"{c.full_name} — {where}" if where else c.full_name))
    return out


def contact_names(actor, contact_ids) -> dict[int, str]:
    """{contact id: name} of those contacts `actor` may see, in one statement (the requests list names them)."""
    ids = sorted({i for i in contact_ids if i})
    if not ids:
        return {}
    rows = db.session.execute(only_visible(actor, select(Contact.id, Contact.full_name, Contact.sensitivity)
                                           .where(Contact.id.in_(ids)), Contact)).all()
    # Read as columns, not records: note the restricted ones as loading them would (the view audit).
    note_loaded("contact", [i for i, _name, sensitivity in rows if sensitivity == "restricted"])
    return {i: name for i, name, _sensitivity in rows}


def open_requests_for(contact_id: int) -> list[DataRequest]:
    """The requests about that contact still waiting for an answer, oldest first (for its page)."""
    return list(db.session.scalars(select(DataRequest).where(
        DataRequest.contact_id == contact_id, DataRequest.closed_at.is_(None))
        .order_by(DataRequest.opened_at, DataRequest.id)))


def data_requests(kind: str | None = None, state: str | None = None):
    """A select() of requests, newest first; state is "open" or "closed"."""
    query = select(DataRequest)
    if kind in REQUEST_KINDS:
        query = query.where(DataRequest.kind == kind)
    if state == "open":
        query = query.where(DataRequest.closed_at.is_(None))
    elif state == "closed":
        query = query.where(DataRequest.closed_at.is_not(None))
    return query.order_by(DataRequest.opened_at.desc(), DataRequest.id.desc())


# ---- who the person is, in the data ----

def identifiers(contact: Contact) -> dict[str, set[str]]:
    """Every email, name and phone the contact has had (now and in its change history), lower-case."""
    emails, names, phones = {contact.email.lower()}, {contact.full_name.lower()}, set()
    if contact.phone:
        phones.add(contact.phone.lower())
    for row in db.session.scalars(select(ChangeRecord).where(ChangeRecord.entity_type == "contact",
                                                              ChangeRecord.entity_id == contact.id)):
        for field, target in (("email", emails), ("full_name", names), ("phone", phones)):
            pair = (row.changes or {}).get(field)
            if isinstance(pair, list):
                target.update(str(v).lower() for v in pair if isinstance(v, str) and v)
    if contact.erased_at is not None:
        names.discard("anonymised participant")
    return {"emails": {e for e in emails if "@" in e}, "names": {n for n in names if len(n) >= MIN_NEEDLE},
            "phones": {p for p in phones if len(p) >= 6}}


def needles(ids: dict[str, set[str]]) -> list[str]:
    """The strings to look for, longest first, with their JSON-escaped forms (history rows are JSON)."""
    out = set()
    for group in ids.values():
        for value in group:
            out.add(value)
            out.add(json.dumps(value)[1:-1].lower())  # non-ASCII names are \\u-escaped inside JSON
    return sorted(out, key=len, reverse=True)


def _like_any(column, words: list[str]):
    def escape(w):
        return w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    text = func.lower(cast(column, Text))
    return or_(*[text.like(f"%{escape(w)}%", escape="\\") for w in words])


def mention_pattern(words: list[str]) -> re.Pattern | None:
    """A case-insensitive pattern for any of `words` as a whole word (so "Ann" never hits "Anna")."""
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w.+-])(?:{alternatives})(?![\w-]|\.\w)", re.IGNORECASE)


# Free texts that may name a person: (model, fields). Used by the export and the erasure.
def text_sources():
    """(model, fields) of every free text where staff may have named a contact."""
    return [
        (Contact, ("notes",)),  # another contact's notes ("assistant to …")
        (Meeting, ("title", "description", "cancellation_reason", "location")),
        (Outcome, ("summary", "commitment", "notes")),
        (FollowUp, ("description",)),
        (Organisation, ("notes",)),
        (Recommendation, ("notes",)),
    ]


def find_mentions(ids: dict[str, set[str]]) -> list[tuple[Any, str, str]]:
    """(object, field, text) for each free text that names the person, by email, name or phone."""
    words = needles(ids)
    pattern = mention_pattern(words)
    found = []
    if pattern is None:
        return found
    for model, fields in text_sources():
        candidates = db.session.scalars(select(model).where(or_(*[_like_any(getattr(model, f), words)
                                                                  for f in fields]))).all()
        # Restricted records may be encrypted at rest, where LIKE cannot see: read those in Python.
        if hasattr(model, "sensitivity"):
            seen = {c.id for c in candidates}
            candidates += [r for r in db.session.scalars(select(model).where(model.sensitivity == "restricted"))
                           if r.id not in seen]
        for obj in candidates:
            for f in fields:
                value = getattr(obj, f)
                if isinstance(value, str) and pattern.search(value):
                    found.append((obj, f, value))
    return found


# ---- retention ----

def _message_days() -> int:
    return int(current_app.config.get("ENGAGE_RETENTION_MESSAGE_DAYS") or DEFAULT_MESSAGE_DAYS)


def _review_months() -> int:
    return int(current_app.config.get("ENGAGE_RETENTION_REVIEW_MONTHS") or DEFAULT_REVIEW_MONTHS)


def _last_meeting_subquery():
    return (select(Attendee.contact_id, func.max(Meeting.starts_at).label("last_meeting"))
            .join(Meeting, Meeting.id == Attendee.meeting_id)
            .where(Attendee.contact_id.is_not(None)).group_by(Attendee.contact_id).subquery())


def last_activity(contact: Contact) -> datetime:
    """The latest of: the record's last change, and the start of the latest meeting they were on."""
    last_meeting = db.session.scalar(select(func.max(Meeting.starts_at)).join(Attendee, Attendee.meeting_id == Meeting.id)
                                     .where(Attendee.contact_id == contact.id))
    values = [v for v in (contact.updated_at, contact.created_at, last_meeting) if v is not None]
    return max(values)


def review_date(contact: Contact) -> datetime:
    """When the contact's record is due for review: last activity plus ENGAGE_RETENTION_REVIEW_MONTHS."""
    return last_activity(contact) + relativedelta(months=_review_months())


def contacts_due_for_review(now: datetime, months: int | None = None) -> list[tuple[Contact, datetime]]:
    """Contacts (not yet erased) with no activity for `months` (default from config): (contact, last activity)."""
    months = months or _review_months()
    cutoff = now - relativedelta(months=months)
    last = _last_meeting_subquery()
    activity = func.coalesce(last.c.last_meeting, Contact.updated_at)
    rows = db.session.execute(
        select(Contact, last.c.last_meeting).outerjoin(last, last.c.contact_id == Contact.id)
        .where(Contact.erased_at.is_(None), Contact.updated_at < cutoff,
               or_(last.c.last_meeting.is_(None), last.c.last_meeting < cutoff))
        .order_by(activity, Contact.id)).all()
    return [(contact, max(v for v in (contact.updated_at, last_meeting) if v is not None))
            for contact, last_meeting in rows]


def purge_sent_message_bodies(now: datetime, days: int | None = None) -> int:
    """Empty the stored bytes of messages sent (or superseded, or withheld) more than `days` ago; keeps metadata.

    An emptied message cannot be resent: only failed and not-sent messages can be, and those are kept.
    """
    days = days or _message_days()
    cutoff = now - timedelta(days=days)
    done = or_(
        (OutboxMessage.status == "sent") & (OutboxMessage.sent_at < cutoff),
        OutboxMessage.status.in_(("superseded", "withheld")) & (OutboxMessage.created_at < cutoff),
    )
    result = db.session.execute(
        update(OutboxMessage).where(done, func.length(OutboxMessage.raw) > 0).values(raw=b"")
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def retention_pass(now: datetime) -> dict[str, int]:
    """The daily retention job: purge old message bodies and count contacts due for review (logs counts only)."""
    purged = purge_sent_message_bodies(now)
    due = len(contacts_due_for_review(now))
    log.info("retention: %s message bodies removed, %s contacts due for review", purged, due)
    return {"bodies_purged": purged, "contacts_due_for_review": due}


# ---- access requests: everything held about a contact ----

def _iso(value):
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(value, datetime) else value.isoformat()


def export_contact(actor, now: datetime, contact: Contact) -> dict:
    """Everything engage holds about `contact`, as a dict; logs the request and an audit row."""
    if contact.erased_at is not None:
        raise ConflictError(_("This contact was erased; nothing personal is left to export."))
    ids = identifiers(contact)
    org = contact.organisation
    attendances = db.session.scalars(select(Attendee).join(Meeting).where(Attendee.contact_id == contact.id)
                                     .order_by(Meeting.starts_at)).all()
    meeting_ids = [a.meeting_id for a in attendances]
    outcomes = db.session.scalars(select(Outcome).where(Outcome.meeting_id.in_(meeting_ids))
                                  .order_by(Outcome.id)).all() if meeting_ids else []
    messages = db.session.scalars(select(OutboxMessage).where(
        func.lower(OutboxMessage.recipient).in_(ids["emails"])).order_by(OutboxMessage.id)).all()
    history_rows = db.session.scalars(select(ChangeRecord).where(or_(
        (ChangeRecord.entity_type == "contact") & (ChangeRecord.entity_id == contact.id),
        _like_any(ChangeRecord.changes, needles(ids)))).order_by(ChangeRecord.at, ChangeRecord.id)).all()
    audit_rows = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "contact", AuditEvent.object_id == contact.id)
        .order_by(AuditEvent.at, AuditEvent.id)).all()
    refusals = db.session.scalars(select(SendRefusal).where(SendRefusal.contact_id == contact.id)
                                  .order_by(SendRefusal.at)).all()
    requests = db.session.scalars(select(DataRequest).where(DataRequest.contact_id == contact.id)
                                  .order_by(DataRequest.opened_at)).all()
    retention_from = last_activity(contact)

    data = {
        "generated_at": _iso(now),
        "contact": {
            "id": contact.id, "full_name": contact.full_name, "email": contact.email, "phone": contact.phone,
            "position": contact.position, "language": contact.language, "timezone": contact.timezone,
            "notes": contact.notes, "sensitivity": contact.sensitivity, "archived": contact.is_archived,
            "created_at": _iso(contact.created_at), "updated_at": _iso(contact.updated_at),
        },
        "organisation": None if org is None else {
            "id": org.id, "name": org.name, "kind": org.kind, "country": org.country, "city": org.city},
        "lawful_basis": {
            "basis": contact.lawful_basis, "label": LAWFUL_BASES.get(contact.lawful_basis, contact.lawful_basis),
            "consent_wording": contact.consent_wording, "consent_given_at": _iso(contact.consent_given_at),
            "privacy_notice_sent_at": _iso(contact.privacy_notice_sent_at),
            "do_not_contact": contact.do_not_contact, "do_not_contact_reason": contact.do_not_contact_reason,
            "do_not_contact_since": _iso(contact.do_not_contact_since),
        },
        "source": contact.source,
        "retention": {
            "last_activity_at": _iso(retention_from),
            "review_due_at": _iso(retention_from + relativedelta(months=_review_months())),
            "review_after_months": _review_months(),
            "message_bodies_kept_days": _message_days(),
        },
        "meetings": [{
            "meeting_id": a.meeting_id, "title": a.meeting.title, "starts_at": _iso(a.meeting.starts_at),
            "status": a.meeting.status, "role": a.role, "response": a.response,
            "responded_at": _iso(a.responded_at), "added_at": _iso(a.added_at)} for a in attendances],
        "outcomes": [{
            "outcome_id": o.id, "meeting_id": o.meeting_id,
            "recommendation": o.recommendation.full_reference if o.recommendation is not None else None,
            "ask_id": o.ask_id,
            "position": o.position, "summary": o.summary, "commitment": o.commitment, "notes": o.notes,
            "created_at": _iso(o.created_at)} for o in outcomes],
        "mentions": [{"object_type": obj.__tablename__, "object_id": obj.id, "field": field, "text": text}
                     for obj, field, text in find_mentions(ids)],
        "messages": [{
            "message_id": m.id, "kind": m.kind, "meeting_id": m.meeting_id, "to": m.recipient,
            "subject": m.subject, "status": m.status, "created_at": _iso(m.created_at),
            "sent_at": _iso(m.sent_at)} for m in messages],
        "refused_messages": [{"meeting_id": r.meeting_id, "kind": r.kind, "reason": r.reason, "at": _iso(r.at)}
                             for r in refusals],
        "history": [{
            "object_type": r.entity_type, "object_id": r.entity_id, "action": r.action,
            "by": r.actor.display_name if r.actor else "system", "at": _iso(r.at), "changes": r.changes}
            for r in history_rows],
        "access_log": [{"at": _iso(e.at), "by": e.actor_email, "action": e.action, "from": e.ip_address}
                       for e in audit_rows],
        "requests": [{"reference": r.reference, "kind": r.kind, "opened_at": _iso(r.opened_at),
                      "closed_at": _iso(r.closed_at)} for r in requests],
    }
    request = close_request(actor, now, "access", contact)
    record_event(actor, now, "subject_exported", contact, detail=f"access request {request.reference}")
    data["request"] = {"reference": request.reference, "opened_at": _iso(request.opened_at),
                       "closed_at": _iso(request.closed_at)}
    return data


EXPORT_SECTIONS = ("contact", "organisation", "lawful_basis", "source", "retention", "meetings", "outcomes",
                   "mentions", "messages", "refused_messages", "history", "access_log", "requests", "request")


def export_rows(data: dict) -> list[dict]:
    """The export flattened: one dict per item, each with its section (a section with nothing says so)."""
    rows = []
    for section in EXPORT_SECTIONS:
        value = data.get(section)
        if isinstance(value, list):
            if not value:
                rows.append({"section": section, "value": "(none)"})
            rows.extend({"section": section, **item} for item in value)
        elif isinstance(value, dict):
            rows.append({"section": section, **value})
        else:
            rows.append({"section": section, "value": value})
    return rows


def export_csv(data: dict) -> str:
    """The export as CSV: one row per item with a section column, and a column per field name."""
    rows = export_rows(data)
    columns = ["section"]
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    return csv_text(columns, ([_cell(row.get(c)) for c in columns] for row in rows))


def _cell(value):
    # Lists and dicts (an item's tags, a change's fields) as JSON; the rest as engage.spreadsheets writes it.
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def close_without_action(actor, now: datetime, request: DataRequest) -> DataRequest:
    """Close a request that needs no export or erasure (withdrawn, refused, answered elsewhere)."""
    if request.closed_at is not None:
        raise ConflictError(_("%(reference)s is already closed.", reference=request.reference))
    request.closed_at, request.closed_by_id = now, getattr(actor, "id", None)
    db.session.flush()
    return request
