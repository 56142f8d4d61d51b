"""Meeting services (the commands): schedule, change, cancel, mark held, invite, answer.

Every service takes `actor` and `now`, adds and flushes but never commits, and returns a
MeetingChange (meetings/changes.py), announced to the change listeners inside the same transaction.
What a service accepts is the operation's schema (meetings/schemas.py), or a dict with its field
names; clashes are in meetings/conflicts.py, the change events in meetings/changes.py, the lists and
searches in meetings/queries.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from engage.access.services import (apply_initial_sensitivity, can_manage, can_see, of_own_member, check_may_set,
                                    get_visible, mention, set_sensitivity, set_sharing)
from engage.clock import format_multi_zone
from engage.directory.models import Contact
from engage.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from engage.extensions import db
from engage.members.services import member_id_of
from engage.history import record_change
from engage.i18n import N_
from engage.asks.models import Ask
from engage.recommendations.models import Recommendation
from engage.schemas import check, refuse, spellings

from .changes import AttendeeSnapshot, MeetingChange, announce, attendee_mention, history_changes
from .conflicts import find_conflicts, refuse_conflicts
from .models import ATTENDEE_ROLES, RESPONSES, Attendee, Meeting
from .people import load_contacts
from .schemas import (MAX_ID, AttendeeAdd, MeetingCancel, MeetingCreate, MeetingUpdate, check_contacts,
                      check_asks, check_place, check_recommendations, check_whole, default_reminders, find_users, infer_location_kind)

PLACE_FIELDS = ("location_kind", "location", "online_url")
TIME_FIELDS = ("starts_at", "ends_at")
# Schema fields stored as they are, in the column of the same name.
AS_THEY_ARE = ("title", "invitation_title", "invitation_titles", "description", "starts_at", "ends_at", "timezone", "location_kind",
               "location", "online_url", "tags")
# Fields that say how to make the change rather than what to change.
HOW = ("status", "notify", "allow_conflicts", "sensitivity")


# ---- permissions ----

def can_change(actor, meeting: Meeting) -> bool:
    """Leads change any meeting of their member; staff those they organise, created or take part in;
    None is the system. Another member's meeting is never changed, whatever it shares."""
    if actor is None:
        return True
    if not of_own_member(actor, meeting):
        return False
    if actor.has_role("lead"):
        return True
    if actor.id in (meeting.organiser_id, meeting.created_by_id):
        return True
    return any(a.user_id == actor.id for a in meeting.attendees)


def _check_can_change(actor, meeting: Meeting) -> None:
    if not can_change(actor, meeting):
        if not of_own_member(actor, meeting):
            raise PermissionDenied(_("This meeting is another member organisation's: only its people change it."))
        raise PermissionDenied(_("Only the organiser, a staff participant or a lead can change this meeting."))


# ---- from the schema to the columns ----

def _values(body, names, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The fields `names` of a checked schema as the columns hold them, the people and agenda checked
    against the directory (one ValidationError naming every field that fails; added to `errors` instead
    when given)."""
    collect = errors is not None
    errors = {} if errors is None else errors
    out = {name: getattr(body, name) for name in AS_THEY_ARE if name in names}
    if out.get("location_kind", "") is None:
        del out["location_kind"]  # not said: inferred from the address and the link
    if "organiser" in names and body.organiser is not None:
        out["organiser_id"] = (find_users([body.organiser], "organiser", errors) or [None])[0]
    if "staff" in names:
        out["staff_ids"] = find_users(body.staff, "staff", errors)
    if "attendees" in names:
        check_contacts(body.attendees, errors)
        out["attendees"] = [a.model_dump() for a in body.attendees]
    if "recommendation_ids" in names:
        check_recommendations(body.recommendation_ids, errors)
        out["recommendation_ids"] = body.recommendation_ids
    if "ask_ids" in names:
        check_asks(body.ask_ids, errors)
        out["ask_ids"] = body.ask_ids
    if "reminders" in names:
        out["reminder_offsets"] = body.reminders if body.reminders is not None else default_reminders()
    if not collect:
        refuse(errors)
    return out


def _read_booking(data, now: datetime) -> tuple[MeetingCreate | None, dict[str, Any], dict[str, list[str]]]:
    """A booking checked whole: the schema, then the directory and the rules linking fields for every
    field the schema could read, so that one answer names every problem (the form shows them together)."""
    errors: dict[str, list[str]] = {}
    body = None
    try:
        body = check(MeetingCreate, data)
        read = body
        names = set(MeetingCreate.model_fields)
    except ValidationError as exc:
        errors.update(exc.fields or {})
        if not isinstance(data, dict):
            return None, {}, errors
        # Read again what the schema did accept, as a change would be, to check it too.
        failed = {name.split(".")[0] for name in errors}
        other = spellings(MeetingCreate)
        try:
            read = check(MeetingUpdate, {k: v for k, v in data.items() if other.get(k, k) not in failed})
        except ValidationError:
            return None, {}, errors
        names = read.model_fields_set
    values = _values(read, names, errors)
    whole = {"location_kind": None, "location": None, "online_url": None, **values}
    if whole["location_kind"] is None:
        whole["location_kind"] = infer_location_kind(whole["location"], whole["online_url"])
    if "starts_at" in values and "ends_at" in values:
        linked = check_whole(whole, now, read.status or "scheduled", check_past=True)
    else:
        linked = check_place(whole)  # the times could not be read: the place can still be checked
    for name, messages in linked.items():
        errors.setdefault(name, messages)
    return body, values, errors


def booking_problems(now: datetime, data: dict[str, Any]) -> dict[str, list[str]]:
    """Every problem of a booking by field, all at once (nothing is written); {} when it could be booked,
    clashes aside."""
    return _read_booking(data, now)[2]


def get_meeting(meeting_id, actor=None) -> Meeting:
    """The meeting with that id if `actor` may see it, or NotFoundError (without an actor: unchecked here)."""
    valid = isinstance(meeting_id, int) and 1 <= meeting_id <= MAX_ID
    if actor is not None:
        meeting = get_visible(actor, Meeting, meeting_id) if valid else None
    else:
        # A select, not session.get: in a request the access guard hides restricted meetings from it.
        meeting = db.session.scalar(select(Meeting).where(Meeting.id == meeting_id)) if valid else None
    if meeting is None:
        raise NotFoundError(_("No meeting with id %(id)s.", id=meeting_id))
    return meeting


def _set_recommendations(meeting: Meeting, ids: list[int]) -> None:
    meeting.recommendations = list(db.session.scalars(select(Recommendation).where(Recommendation.id.in_(ids)))) \
        if ids else []


def _set_asks(meeting: Meeting, ids: list[int]) -> None:
    meeting.asks = list(db.session.scalars(select(Ask).where(Ask.id.in_(ids)))) if ids else []


def _new_attendees(now: datetime, attendees: list[dict], staff_ids: list[int]) -> list[Attendee]:
    rows = []
    for a in attendees:
        response = a.get("response") or "needs_action"
        rows.append(Attendee(contact_id=a["contact_id"], role=a["role"], response=response,
                             responded_at=now if response != "needs_action" else None, added_at=now))
    rows += [Attendee(user_id=uid, role="required", added_at=now) for uid in staff_ids]
    return rows


# ---- the commands ----

def schedule_meeting(actor, now: datetime, data: dict[str, Any] | MeetingCreate) -> MeetingChange:
    """Book a meeting (or record one already held, with status "held"); refuses clashes unless allowed."""
    body, values, errors = _read_booking(data, now)
    refuse(errors)
    if values.get("location_kind") is None:
        values["location_kind"] = infer_location_kind(values.get("location"), values.get("online_url"))
    organiser_id = values.get("organiser_id") or getattr(actor, "id", None)
    if organiser_id is None:
        raise ValidationError.for_fields({"organiser": _("Choose the organiser.")})
    if not body.allow_conflicts:
        refuse_conflicts(find_conflicts(values["starts_at"], values["ends_at"], values["staff_ids"],
                                        [a["contact_id"] for a in values["attendees"]], viewer=actor))
    meeting = Meeting(
        # Restricted from the first INSERT, so its texts are sealed before they ever reach the disk.
        sensitivity=body.sensitivity or "internal", status=body.status, organiser_id=organiser_id, sequence=0,
        **{name: values[name] for name in AS_THEY_ARE}, reminder_offsets=values["reminder_offsets"],
        created_by_id=getattr(actor, "id", None), created_at=now, updated_by_id=getattr(actor, "id", None),
        updated_at=now, held_at=now if body.status == "held" else None,
        # The booking member owns it (none: the organiser's member), sharing as chosen or as that member
        # does by default.
        member_id=member_id_of(actor), sharing=body.sharing)
    db.session.add(meeting)
    _set_recommendations(meeting, values["recommendation_ids"])
    _set_asks(meeting, values["ask_ids"])
    meeting.attendees.extend(_new_attendees(now, values["attendees"], values["staff_ids"]))
    db.session.flush()
    if body.sensitivity:
        apply_initial_sensitivity(actor, now, meeting, body.sensitivity)  # before invitations are written
    notify = body.notify and body.status == "scheduled"
    # The actions are marked here and translated where the history is shown.
    record_change(actor, now, meeting, N_("created") if body.status == "scheduled" else N_("recorded as held"),
                  {"when": format_multi_zone(meeting.starts_at, meeting.timezone),
                   **({"notify": "no invitations"} if not notify else {})})
    change = MeetingChange(meeting=meeting, kind="created", previous_sequence=None, time_changed=True,
                           place_changed=True, added=[AttendeeSnapshot.of(a) for a in meeting.attendees],
                           notify=notify)
    return announce(change, actor, now)


def update_meeting(actor, now: datetime, meeting: Meeting, data: dict[str, Any] | MeetingUpdate) -> MeetingChange:
    """Change a meeting's details, time, place or attendees; time, place or attendee changes raise sequence."""
    _check_can_change(actor, meeting)
    if meeting.status == "cancelled":
        raise ConflictError(_("This meeting was cancelled; it can no longer be changed."))
    body = check(MeetingUpdate, data)
    if body.sensitivity:
        check_may_set(actor, meeting, body.sensitivity)  # before anything changes
    if body.sharing and body.sharing != meeting.sharing and not can_manage(actor, meeting):
        raise PermissionDenied("Only its member's data-protection officer, leads and admins, or its organiser, "
                               "change what other member organisations see of a meeting.")
    values = _values(body, body.model_fields_set - set(HOW))
    merged = {f: values.get(f, getattr(meeting, f)) for f in TIME_FIELDS + PLACE_FIELDS}
    if "location_kind" not in values and ("location" in values or "online_url" in values):
        merged["location_kind"] = infer_location_kind(merged["location"], merged["online_url"])
    time_changed = any(merged[f] != getattr(meeting, f) for f in TIME_FIELDS)
    refuse(check_whole(merged, now, meeting.status, check_past=time_changed))
    plan = _plan_attendees(actor, meeting, values)
    if not body.allow_conflicts and meeting.status == "scheduled":
        _refuse_new_clashes(actor, meeting, merged, plan, time_changed)

    newly_restricted = False
    if body.sensitivity:
        was = meeting.sensitivity
        set_sensitivity(actor, now, meeting, body.sensitivity, announce=False)  # before any update is written
        newly_restricted = was != "restricted" and meeting.sensitivity == "restricted"
    if body.sharing:
        set_sharing(actor, now, meeting, body.sharing)  # audited and kept in its history; no update is sent
    previous_sequence = meeting.sequence
    changed = _apply_fields(meeting, values, merged)
    place_changed = any(f in changed for f in PLACE_FIELDS)
    # Only a new date or time asks attendees to answer again (as Google and Outlook do): a new place,
    # agenda or title is still sent as an update, and what they answered stands.
    removed, added_rows, responses, role_changes = _apply_attendees(meeting, plan, now, ask_again=time_changed)
    # The invitation title is the SUMMARY attendees hold: a new one is a new revision for them.
    if time_changed or place_changed or added_rows or removed or newly_restricted or "invitation_title" in changed \
            or "invitation_titles" in changed:
        meeting.sequence = previous_sequence + 1
    touched = bool(changed or added_rows or removed or responses or role_changes)
    if touched:
        meeting.updated_at, meeting.updated_by_id = now, getattr(actor, "id", None)
    db.session.flush()
    added_ids = {r.id for r in added_rows}
    change = MeetingChange(
        meeting=meeting, kind="updated", previous_sequence=previous_sequence, time_changed=time_changed,
        place_changed=place_changed, added=[AttendeeSnapshot.of(a) for a in added_rows],
        kept=[AttendeeSnapshot.of(a) for a in meeting.attendees if a.id not in added_ids],
        removed=removed, changed_fields=changed, responses=responses,
        notify=body.notify and meeting.status == "scheduled", resend=newly_restricted,
    )
    if touched:
        _record_update(actor, now, change, role_changes)
    return announce(change, actor, now)


@dataclass
class _AttendeePlan:
    """Who is on the meeting before a change, who is wanted after it, and so who comes and goes."""

    current_contacts: dict[int, Attendee]
    current_staff: dict[int, Attendee]
    wanted_contacts: dict[int, dict] | None
    removed_rows: list[Attendee]
    new_contacts: list[dict]
    new_staff: list[int]


def _plan_attendees(actor, meeting: Meeting, values: dict) -> _AttendeePlan:
    load_contacts([meeting])  # every contact, those the actor may not see too
    current_contacts = {a.contact_id: a for a in meeting.contact_attendees}
    current_staff = {a.user_id: a for a in meeting.staff_attendees}
    wanted_contacts = {a["contact_id"]: a for a in values["attendees"]} if "attendees" in values else None
    wanted_staff = values.get("staff_ids")
    removed_rows = []
    if wanted_contacts is not None:
        # Restricted contacts the actor may not see are not in the list they sent: they stay.
        removed_rows += [a for cid, a in current_contacts.items() if cid not in wanted_contacts
                         and (actor is None or can_see(actor, a.contact))]
    if wanted_staff is not None:
        removed_rows += [a for uid, a in current_staff.items() if uid not in wanted_staff]
    new_contacts = [a for cid, a in (wanted_contacts or {}).items() if cid not in current_contacts]
    new_staff = [uid for uid in (wanted_staff or []) if uid not in current_staff]
    if new_contacts and any(db.session.get(Contact, a["contact_id"]).is_archived for a in new_contacts):
        raise ValidationError.for_fields({"attendees": _("An archived contact cannot be invited; restore it first.")})
    return _AttendeePlan(current_contacts, current_staff, wanted_contacts, removed_rows, new_contacts, new_staff)


def _refuse_new_clashes(actor, meeting: Meeting, merged: dict, plan: _AttendeePlan, time_changed: bool) -> None:
    """A moved meeting is checked for everyone on it after the change; otherwise only the newcomers."""
    if time_changed:
        removed_ids = {a.id for a in plan.removed_rows}
        users = [u for u, a in plan.current_staff.items() if a.id not in removed_ids] + plan.new_staff
        contacts = [c for c, a in plan.current_contacts.items() if a.id not in removed_ids] + \
            [a["contact_id"] for a in plan.new_contacts]
    else:
        users, contacts = plan.new_staff, [a["contact_id"] for a in plan.new_contacts]
    refuse_conflicts(find_conflicts(merged["starts_at"], merged["ends_at"], users, contacts,
                                    exclude_meeting_id=meeting.id, viewer=actor))


def _apply_fields(meeting: Meeting, values: dict, merged: dict) -> dict[str, tuple]:
    """Write the meeting's own fields; returns {field: (old, new)} for those that changed."""
    changed: dict[str, tuple] = {}
    scalar = {f: values[f] for f in AS_THEY_ARE + ("organiser_id", "reminder_offsets") if f in values}
    scalar.update({f: merged[f] for f in TIME_FIELDS + PLACE_FIELDS})
    for name, new in scalar.items():
        old = getattr(meeting, name)
        if old != new:
            changed[name] = (old, new)
            setattr(meeting, name, new)
    if "recommendation_ids" in values:
        old_ids = sorted(r.id for r in meeting.recommendations)
        if old_ids != sorted(values["recommendation_ids"]):
            _set_recommendations(meeting, values["recommendation_ids"])
            changed["recommendation_ids"] = (old_ids, sorted(values["recommendation_ids"]))
    if "ask_ids" in values:
        old_ids = sorted(a.id for a in meeting.asks)
        if old_ids != sorted(values["ask_ids"]):
            _set_asks(meeting, values["ask_ids"])
            changed["ask_ids"] = (old_ids, sorted(values["ask_ids"]))
    return changed


def _apply_attendees(meeting: Meeting, plan: _AttendeePlan, now: datetime, ask_again: bool):
    """Remove, re-role and add attendees; (removed, added rows, {id: (old, new) answer}, role changes)."""
    removed = [AttendeeSnapshot.of(a) for a in plan.removed_rows]
    for row in plan.removed_rows:
        meeting.attendees.remove(row)
    responses: dict[int, tuple[str, str]] = {}
    role_changes: list[dict] = []
    if ask_again:
        # A moved meeting asks everyone again (iTIP: PARTSTAT reset with the new SEQUENCE).
        for a in meeting.attendees:
            if a.response != "needs_action":
                responses[a.id] = (a.response, "needs_action")
                a.response, a.responded_at = "needs_action", None
            a.answer_sequence = a.answer_stamp = None
    for cid, wanted in (plan.wanted_contacts or {}).items():
        row = plan.current_contacts.get(cid)
        if row is None or row in plan.removed_rows:
            continue
        if wanted["role"] != row.role:
            role_changes.append(mention(row.contact_id, f"{row.name}: {ATTENDEE_ROLES[wanted['role']].lower()}"))
            row.role = wanted["role"]
        if wanted.get("response") and wanted["response"] != row.response:
            responses[row.id] = (responses.get(row.id, (row.response,))[0], wanted["response"])
            row.response, row.responded_at = wanted["response"], now
            row.answer_sequence, row.answer_stamp = meeting.sequence, now  # set by hand: stamped when made
    added_rows = _new_attendees(now, plan.new_contacts, plan.new_staff)
    meeting.attendees.extend(added_rows)
    return removed, added_rows, responses, role_changes


def _record_update(actor, now: datetime, change: MeetingChange, role_changes: list[dict]) -> None:
    meeting = change.meeting
    history = history_changes(meeting, change.changed_fields, change.added, change.removed)
    if role_changes:
        history["attendee roles"] = role_changes
    if change.responses and not change.time_changed:
        history["responses"] = [attendee_mention(meeting, aid, f": {RESPONSES[new]}")
                                for aid, (_, new) in change.responses.items()]
    elif change.responses:
        history["responses"] = "asked again after the change"
    record_change(actor, now, meeting, N_("rescheduled") if change.time_changed else N_("updated"), history)


def resend_current(actor, now: datetime, meeting: Meeting) -> MeetingChange | None:
    """Send every attendee of a meeting still to come the meeting as it is now, SEQUENCE raised."""
    if meeting.status != "scheduled" or meeting.ends_at <= now:
        return None
    previous = meeting.sequence
    meeting.sequence = previous + 1
    change = MeetingChange(meeting=meeting, kind="updated", previous_sequence=previous,
                           kept=[AttendeeSnapshot.of(a) for a in meeting.attendees], resend=True)
    return announce(change, actor, now)


def reschedule_meeting(actor, now: datetime, meeting: Meeting, starts_at: datetime, ends_at: datetime,
                       timezone: str | None = None, allow_conflicts: bool = False, notify: bool = True
                       ) -> MeetingChange:
    """Move a meeting to a new time (and optionally zone); sequence rises, answers are asked again."""
    data: dict[str, Any] = {"starts_at": starts_at, "ends_at": ends_at, "allow_conflicts": allow_conflicts,
                            "notify": notify}
    if timezone is not None:
        data["timezone"] = timezone
    return update_meeting(actor, now, meeting, data)


def _attendee_lists(meeting: Meeting) -> tuple[list[dict], list[int]]:
    contacts = [{"contact_id": a.contact_id, "role": a.role} for a in meeting.contact_attendees]
    return contacts, [a.user_id for a in meeting.staff_attendees]


def add_attendee(actor, now: datetime, meeting: Meeting, contact_id: int | None = None, user_id: int | None = None,
                 role: str = "required", allow_conflicts: bool = False, notify: bool = True) -> MeetingChange:
    """Invite one more contact or staff member; sequence rises."""
    body = check(AttendeeAdd, {"contact_id": contact_id, "user_id": user_id, "role": role,
                               "allow_conflicts": allow_conflicts, "notify": notify})
    if (body.contact_id is None) == (body.user_id is None):
        raise ValidationError.for_fields({"attendees": _("Choose a contact or a staff member.")})
    contacts, staff = _attendee_lists(meeting)
    if body.contact_id is not None:
        if any(c["contact_id"] == body.contact_id for c in contacts):
            raise ConflictError(_("That contact is already invited."), {"attendees": [_("Already invited.")]})
        contacts.append({"contact_id": body.contact_id, "role": body.role})
    else:
        if body.user_id in staff:
            raise ConflictError(_("That staff member is already taking part."), {"staff": [_("Already taking part.")]})
        staff.append(body.user_id)
    return update_meeting(actor, now, meeting, {"attendees": contacts, "staff": staff,
                                                "allow_conflicts": body.allow_conflicts, "notify": body.notify})


def remove_attendee(actor, now: datetime, meeting: Meeting, attendee: Attendee, notify: bool = True) -> MeetingChange:
    """Take one attendee off the meeting; sequence rises and the change names them as removed."""
    if attendee.meeting_id != meeting.id:
        raise NotFoundError(_("That person is not on this meeting."))
    contacts, staff = _attendee_lists(meeting)
    contacts = [c for c in contacts if c["contact_id"] != attendee.contact_id]
    staff = [u for u in staff if u != attendee.user_id]
    return update_meeting(actor, now, meeting, {"attendees": contacts, "staff": staff, "notify": notify,
                                                "allow_conflicts": True})


def cancel_meeting(actor, now: datetime, meeting: Meeting, reason: str | None = None,
                   notify: bool = True) -> MeetingChange:
    """Cancel a scheduled meeting: status cancelled, sequence rises, everyone on it is in `kept`."""
    _check_can_change(actor, meeting)
    if meeting.status != "scheduled":
        raise ConflictError(_("This meeting is already cancelled; it cannot be cancelled.") if meeting.status == "cancelled"
                            else _("This meeting is already held; it cannot be cancelled."))
    body = check(MeetingCancel, {"reason": reason, "notify": bool(notify)})
    load_contacts([meeting])  # everyone hears of it, including those the actor may not see
    previous = meeting.sequence
    meeting.status, meeting.cancelled_at, meeting.cancellation_reason = "cancelled", now, body.reason
    meeting.sequence = previous + 1
    meeting.updated_at, meeting.updated_by_id = now, getattr(actor, "id", None)
    db.session.flush()
    record_change(actor, now, meeting, N_("cancelled"), {"reason": body.reason} if body.reason else {})
    change = MeetingChange(meeting=meeting, kind="cancelled", previous_sequence=previous,
                           kept=[AttendeeSnapshot.of(a) for a in meeting.attendees],
                           changed_fields={"status": ("scheduled", "cancelled")}, notify=body.notify)
    return announce(change, actor, now)


def mark_held(actor, now: datetime, meeting: Meeting) -> MeetingChange:
    """Record that a scheduled meeting took place (once it has started)."""
    _check_can_change(actor, meeting)
    if meeting.status != "scheduled":
        raise ConflictError(_("This meeting is cancelled; only a scheduled one can be marked held.") if meeting.status == "cancelled"
                            else _("This meeting is held; only a scheduled one can be marked held."))
    if meeting.starts_at > now:
        raise ValidationError.for_fields({"status": _("The meeting has not started yet.")})
    meeting.status, meeting.held_at = "held", now
    meeting.updated_at, meeting.updated_by_id = now, getattr(actor, "id", None)
    db.session.flush()
    record_change(actor, now, meeting, N_("marked held"))
    change = MeetingChange(meeting=meeting, kind="held", previous_sequence=meeting.sequence,
                           kept=[AttendeeSnapshot.of(a) for a in meeting.attendees],
                           changed_fields={"status": ("scheduled", "held")}, notify=False)
    return announce(change, actor, now)


def record_response(actor, now: datetime, attendee: Attendee, response: str, *, sequence: int | None = None,
                    stamp: datetime | None = None) -> MeetingChange:
    """Store an attendee's answer (from an RSVP link, a calendar reply or by hand) with when it came.

    `sequence` and `stamp` are the SEQUENCE and DTSTAMP the answer carried; by default the revision the
    attendee holds and `now` (a click or a change by hand is stamped when made).
    """
    if response not in RESPONSES:
        raise ValidationError.for_fields({"response": f"Choose one of: {', '.join(RESPONSES)}."})
    meeting = attendee.meeting
    old = attendee.response
    attendee.response, attendee.responded_at = response, now
    attendee.answer_sequence = sequence if sequence is not None else (
        attendee.sent_sequence if attendee.sent_sequence is not None else meeting.sequence)
    attendee.answer_stamp = stamp or now
    db.session.flush()
    responses = {attendee.id: (old, response)} if old != response else {}
    if responses:
        record_change(actor, now, meeting, "answer", {"answer": [mention(
            attendee.contact_id, f"{attendee.name}: {RESPONSES[old]} → {RESPONSES[response]}")]})
    change = MeetingChange(meeting=meeting, kind="responded", previous_sequence=meeting.sequence,
                           kept=[AttendeeSnapshot.of(a) for a in meeting.attendees], responses=responses,
                           notify=False)
    return announce(change, actor, now)
