"""Turn meeting changes into outbox messages (invitations, updates, cancellations) and apply answers.

Registered as a meetings change listener: it runs inside the same transaction as the change, so
the outbox rows commit with it or not at all (docs/architecture.md). Nothing here sends mail.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app

from engage import clock, signals
from engage.errors import NotFoundError, ValidationError
from engage.extensions import db
from engage.ical import AttendeeData, EventData, build_calendar
from engage.meetings.calendar import meeting_description, meeting_location, neutral_description, organiser_mailbox
from engage.meetings.models import Attendee, Meeting
from engage.meetings.people import people_for
from engage.meetings.changes import AttendeeSnapshot, MeetingChange
from engage.meetings.services import record_response
from engage.mime import build_invitation_message, make_message_id, message_bytes
from engage.outbox.services import NewMessage, queue_messages

from .bodies import InvitationContent, describe_when, invitation_subject, render_bodies
from .replies import ReplyData
from .rsvp import make_rsvp_token

PARTSTAT = {"needs_action": "NEEDS-ACTION", "accepted": "ACCEPTED", "tentative": "TENTATIVE",
            "declined": "DECLINED"}
RESPONSE_BY_PARTSTAT = {"ACCEPTED": "accepted", "TENTATIVE": "tentative", "DECLINED": "declined",
                        "NEEDS-ACTION": "needs_action"}
ROLE = {"required": "required", "optional": "optional"}
FIELD_LABELS = {"invitation_title": "Title", "location": "Place", "online_url": "Online link",
                "location_kind": "Format", "description": "Purpose"}
# What a restricted meeting's messages may say changed: never its purpose.
NEUTRAL_FIELDS = ("invitation_title", "location", "online_url", "location_kind")


def base_url() -> str:
    """Where links in emails point."""
    return current_app.config.get("ENGAGE_BASE_URL", "http://127.0.0.1:5000").rstrip("/")


def _message_domain() -> str:
    host = urlsplit(base_url()).hostname or ""
    if "." in host and not host.replace(".", "").isdigit():
        return host
    return organiser_mailbox().rsplit("@", 1)[-1]


def rsvp_links(meeting: Meeting, attendee_id: int) -> dict[str, str]:
    """Accept / Maybe / Decline links and the answer page for one attendee (signed, no login)."""
    token = make_rsvp_token(current_app.config["SECRET_KEY"], meeting.id, attendee_id, meeting.uid, meeting.ends_at)
    page = f"{base_url()}/rsvp/{token}"
    return {"answer_page_url": page, "accept_url": f"{page}?answer=accepted",
            "maybe_url": f"{page}?answer=tentative", "decline_url": f"{page}?answer=declined"}


def _event_for(meeting: Meeting, recipient: AttendeeSnapshot | None, status: str,
               partstat: str = "NEEDS-ACTION") -> EventData:
    attendees = ()
    if recipient is not None:
        attendees = (AttendeeData(email=recipient.email, name=recipient.name, role=ROLE.get(recipient.role, "required"),
                                  partstat=partstat, rsvp=True),)
    # Externals never need the internal title; a restricted meeting also keeps its purpose, agenda
    # and the other people invited out of what is sent (neutral invitations).
    restricted = meeting.is_restricted
    return EventData(
        uid=meeting.uid, sequence=meeting.sequence, summary=meeting.title_for_invitations,
        starts_at=meeting.starts_at, ends_at=meeting.ends_at,
        organiser_email=organiser_mailbox(), organiser_name=meeting.organiser.display_name,
        # Read outside engage: no restricted contact is named to the others (only counted); each sees themselves.
        description=neutral_description(meeting, "") if restricted else meeting_description(
            meeting, "", people_for(None, meeting, getattr(recipient, "attendee_id", None))),
        location=meeting_location(meeting),
        url=meeting.online_url or "", status=status, attendees=attendees,
        created=meeting.created_at, last_modified=meeting.updated_at,
        classification="PRIVATE" if restricted else "PUBLIC",
    )


def _describe_changes(change: MeetingChange) -> tuple[str, ...]:
    meeting = change.meeting
    lines = []
    if change.time_changed:
        old = clock.format_multi_zone(change.previous_starts_at, meeting.timezone)
        lines.append(f"Time: was {old}, now {clock.format_multi_zone(meeting.starts_at, meeting.timezone)}")
    for name, label in FIELD_LABELS.items():
        if meeting.is_restricted and name not in NEUTRAL_FIELDS:
            continue
        if name in change.changed_fields:
            old, new = change.changed_fields[name]
            lines.append(f"{label}: was {old or '—'}, now {new or '—'}")
    return tuple(lines)


def _content(meeting: Meeting, kind: str, recipient: AttendeeSnapshot, changes=(), removed=False,
             links: dict | None = None, note: str = "") -> InvitationContent:
    when, for_recipient, duration = describe_when(meeting.starts_at, meeting.ends_at, meeting.timezone,
                                                  recipient.timezone)
    restricted = meeting.is_restricted
    if kind == "cancellation":
        note = "" if restricted else (meeting.cancellation_reason or "")  # a reason can name the topic
    return InvitationContent(
        kind=kind, title=meeting.title_for_invitations, recipient_name=recipient.name, when=when,
        when_for_recipient=for_recipient, duration=duration, location=meeting.location or "",
        online_url=meeting.online_url or "", organiser_name=meeting.organiser.display_name,
        organiser_email=organiser_mailbox(), agenda="" if restricted else (meeting.description or ""),
        recommendations=() if restricted else tuple(f"{r.reference} ({r.state_name}): {r.text}"
                                                    for r in meeting.recommendations),
        changes=tuple(changes), note=note, attendee_removed=removed, **(links or {}),
    )


@dataclass(frozen=True)
class RenderedMessage:
    """One recipient's message, rendered and not yet in the outbox (see queue_rendered)."""

    outbox: NewMessage
    attendee_id: int | None  # a REQUEST records the SEQUENCE this attendee now holds
    sequence: int | None


def refused(meeting: Meeting, recipient: AttendeeSnapshot, kind: str, now: datetime) -> bool:
    """True when a receiver of signals.message_to_recipient refuses this message (data protection's: a
    contact who must not be contacted); RuntimeError when none is connected, so nothing goes out unchecked."""
    if not signals.message_to_recipient.receivers:
        raise RuntimeError("no receiver checks recipients (create_app connects data protection's)")
    answers = signals.message_to_recipient.send(meeting, recipient=recipient, kind=kind, now=now)
    return any(refuse for _receiver, refuse in answers)


def render_meeting_message(meeting: Meeting, recipient: AttendeeSnapshot, kind: str, now: datetime,
                           changes=(), removed: bool = False, dedupe_key: str | None = None,
                           partstat: str = "NEEDS-ACTION", note: str = "") -> RenderedMessage | None:
    """Render one recipient's invitation, update, cancellation or reminder, writing nothing but a refusal.

    Returns None when the recipient is a contact marked "do not contact" (the refusal is added to
    the session, to be shown on the meeting page).
    """
    if refused(meeting, recipient, kind, now):
        return None
    method = "CANCEL" if kind == "cancellation" else "REQUEST"
    status = "CANCELLED" if method == "CANCEL" else "CONFIRMED"
    event = _event_for(meeting, recipient, status, partstat)
    calendar = build_calendar([event], method, now)
    links = rsvp_links(meeting, recipient.attendee_id) if method == "REQUEST" else None
    content = _content(meeting, kind, recipient, changes, removed, links, note)
    text, html = render_bodies(content)
    when_short = clock.format_in_zone(meeting.starts_at, meeting.timezone)
    subject = invitation_subject(kind, meeting.title_for_invitations, when_short)
    dedupe_key = dedupe_key or f"meeting:{meeting.id}:seq:{meeting.sequence}:{recipient.email.lower()}:{method}"
    message_id = make_message_id(dedupe_key, _message_domain())
    message = build_invitation_message(
        calendar=calendar, to_email=recipient.email, to_name=recipient.name,
        organiser_email=organiser_mailbox(), organiser_name=meeting.organiser.display_name,
        subject=subject, text_body=text, html_body=html, message_id=message_id, sent_at=now)
    outbox = NewMessage(
        kind=kind, recipient=recipient.email, subject=subject, raw=message_bytes(message), dedupe_key=dedupe_key,
        message_id=message_id, meeting_id=meeting.id,
        # Reminders never replace an unsent invitation; revisions of the meeting do.
        supersede_key=None if kind == "reminder" else f"meeting:{meeting.id}:{recipient.email.lower()}")
    if method == "REQUEST":
        return RenderedMessage(outbox, recipient.attendee_id, meeting.sequence)
    return RenderedMessage(outbox, None, None)


def queue_rendered(rendered: list[RenderedMessage], now: datetime) -> list:
    """Put rendered messages in the outbox (in the caller's transaction); returns their rows, in order."""
    rows = queue_messages(now, [r.outbox for r in rendered])
    for message in rendered:
        if message.attendee_id is not None:
            attendee = db.session.get(Attendee, message.attendee_id)
            if attendee is not None:
                attendee.sent_sequence = message.sequence
    return rows


def queue_meeting_message(meeting: Meeting, recipient: AttendeeSnapshot, kind: str, now: datetime, **options):
    """Render one recipient's message and put it in the outbox; None when they must not be contacted."""
    rendered = render_meeting_message(meeting, recipient, kind, now, **options)
    return None if rendered is None else queue_rendered([rendered], now)[0]


def on_change(change: MeetingChange, _actor, now: datetime) -> None:
    """Decide who hears about a meeting change, and queue their messages."""
    meeting = change.meeting
    if not change.notify or change.kind in ("held", "responded"):
        return
    if change.kind == "created":
        for person in change.current:
            queue_meeting_message(meeting, person, "invitation", now)
        return
    if change.kind == "cancelled":
        for person in change.kept:
            queue_meeting_message(meeting, person, "cancellation", now)
        return
    # An update: removed people hear only that they are off it; added people get the meeting as
    # it is now; the others hear only when something that matters to them changed.
    for person in change.removed:
        queue_meeting_message(meeting, person, "cancellation", now, removed=True)
    for person in change.added:
        queue_meeting_message(meeting, person, "invitation", now)
    changes = _describe_changes(change)
    if change.sequence_raised and (change.time_changed or change.place_changed or changes or change.resend):
        for person in change.kept:
            queue_meeting_message(meeting, person, "update", now, changes=changes)



# ---- answers: RSVP links and iTIP replies ----

@dataclass
class ReplyResult:
    uid: str
    attendee_email: str
    response: str | None
    accepted: bool
    reason: str = ""


def find_attendee_by_email(meeting: Meeting, email: str) -> Attendee | None:
    """The attendee of `meeting` with that address (contact or staff), case-insensitive."""
    email = (email or "").strip().lower()
    for attendee in meeting.attendees:
        if attendee.email.lower() == email:
            return attendee
    return None


def apply_reply(reply: ReplyData, now: datetime) -> ReplyResult:
    """Apply one iTIP REPLY: known UID, attendee on the meeting, SEQUENCE not older than what they were sent."""
    meeting = db.session.scalar(db.select(Meeting).where(Meeting.uid == reply.uid))
    if meeting is None:
        return ReplyResult(reply.uid, reply.attendee_email, None, False, "unknown meeting UID")
    attendee = find_attendee_by_email(meeting, reply.attendee_email)
    if attendee is None:
        # Read by whoever runs ingest-replies and stored with the reply: never the staff title.
        return ReplyResult(reply.uid, reply.attendee_email, None, False,
                           f"{reply.attendee_email} is not on the meeting #{meeting.id} "
                           f"('{meeting.title_for_invitations}')")
    current = attendee.sent_sequence if attendee.sent_sequence is not None else meeting.sequence
    if reply.sequence < current:
        return ReplyResult(reply.uid, reply.attendee_email, None, False,
                           f"stale answer: SEQUENCE {reply.sequence}, the invitation they hold is {current}")
    if meeting.status == "cancelled":
        return ReplyResult(reply.uid, reply.attendee_email, None, False, "the meeting is cancelled")
    response = RESPONSE_BY_PARTSTAT.get((reply.partstat or "").upper())
    if response is None:
        return ReplyResult(reply.uid, reply.attendee_email, None, False, f"unknown PARTSTAT {reply.partstat!r}")
    record_response(None, now, attendee, response)
    return ReplyResult(reply.uid, reply.attendee_email, response, True)


def apply_replies(replies: list[ReplyData], now: datetime) -> list[ReplyResult]:
    """Apply each reply; if any is refused, the caller decides whether to keep the others."""
    return [apply_reply(r, now) for r in replies]


def answer_by_link(scope, response: str, now: datetime) -> Attendee:
    """Record an answer from a signed RSVP link (its scope already checked); refuses cancelled meetings."""
    if response not in ("accepted", "tentative", "declined"):
        raise ValidationError.for_fields({"answer": "Choose accept, maybe or decline."})
    attendee = db.session.get(Attendee, scope.attendee_id)
    if attendee is None or attendee.meeting_id != scope.meeting_id or attendee.meeting.uid != scope.uid:
        raise NotFoundError("You are no longer on this meeting's list.")
    if attendee.meeting.status == "cancelled":
        raise ValidationError.for_fields({"answer": "This meeting was cancelled."})
    if attendee.response != response:
        record_response(None, now, attendee, response)
    return attendee
