"""Turn meeting changes into outbox messages (invitations, updates, cancellations) and apply answers.

Registered as a meetings change listener: it runs inside the same transaction as the change, so
the outbox rows commit with it or not at all (docs/architecture.md). Nothing here sends mail.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import func

from engage import clock, i18n, signals
from engage.auth.models import User
from engage.directory.models import Contact
from engage.directory.services import create_contact
from engage.errors import NotFoundError, ValidationError
from engage.extensions import db
from engage.i18n import ENGLISH, N_, primary_subtag, recipient_language, translator
from engage.ical import AttendeeData, EventData, build_calendar
from engage.meetings.calendar import meeting_description, meeting_location, neutral_description, organiser_mailbox
from engage.meetings.models import Attendee, Meeting
from engage.meetings.people import people_for
from engage.meetings.changes import AttendeeSnapshot, MeetingChange
from engage.meetings.services import add_attendee, record_response, reschedule_meeting
from engage.mime import build_invitation_message, make_message_id, message_bytes
from engage.members.models import Member
from engage.members.services import coalition_mode
from engage.organisation.services import Organisation, current as current_organisation
from engage.outbox.services import NewMessage, queue_messages
from engage.schemas import check

from .bodies import InvitationContent, describe_when, invitation_subject, render_bodies, when_phrase
from .models import HeldReply, ReplyAlias
from .replies import ReplyData
from .rsvp import make_rsvp_token
from .schemas import RsvpAnswer, TimeProposal

PARTSTAT = {"needs_action": "NEEDS-ACTION", "accepted": "ACCEPTED", "tentative": "TENTATIVE",
            "declined": "DECLINED", "delegated": "DELEGATED"}
RESPONSE_BY_PARTSTAT = {value: key for key, value in PARTSTAT.items()}
ROLE = {"required": "required", "optional": "optional"}
FIELD_LABELS = {"invitation_title": N_("Title"), "location": N_("Place"), "online_url": N_("Online link"),
                "location_kind": N_("Format"), "description": N_("Purpose")}
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


def sender_headers(organisation: Organisation) -> dict:
    """From and Reply-To for a recipient's message: the organisation's name on the configured sender address
    (its domain is the one SPF and DMARC vouch for), and replies from people to the organisation's reply
    address. Calendar answers still reach the organiser mailbox: clients send an iTIP REPLY to the
    calendar's ORGANIZER, never to Reply-To (RFC 6047 §2.1)."""
    return {"organiser_email": organiser_mailbox(), "organiser_name": organisation.name,
            "reply_to": organisation.reply_to}


def inviting(meeting: Meeting) -> Organisation:
    """Who invites to this meeting, as its messages say: the organisation, or in a coalition the
    meeting's member organisation (its sender's name and reply address; the organisation's reply
    address when it has none, and no logo: only the organisation's is served)."""
    organisation = current_organisation()
    if not coalition_mode():
        return organisation
    member = db.session.get(Member, meeting.member_id)
    return Organisation(member.from_name or member.name, member.reply_to or organisation.reply_to)


def logo_url(organisation: Organisation) -> str:
    """The logo's address under ENGAGE_BASE_URL (engage serves it: no mail client is sent elsewhere), or ''."""
    name = organisation.logo_file
    if not name:
        return ""
    # Built from the URL map, not url_for: mail is rendered by the scheduler and the CLI too, outside any request.
    return base_url() + current_app.url_map.bind("engage").build("organisation_logo.logo", {"name": name})


def _event_for(meeting: Meeting, recipient: AttendeeSnapshot | None, status: str,
               partstat: str = "NEEDS-ACTION", tag: str = "en") -> EventData:
    """The meeting as `recipient` reads it in their calendar, in their language (`tag`, BCP 47)."""
    language = recipient_language(tag)
    attendees = ()
    if recipient is not None:
        attendees = (AttendeeData(email=recipient.email, name=recipient.name, role=ROLE.get(recipient.role, "required"),
                                  partstat=partstat, rsvp=True),)
    # Externals never need the internal title; a restricted meeting also keeps its purpose, agenda
    # and the other people invited out of what is sent (neutral invitations).
    restricted = meeting.is_restricted
    return EventData(
        uid=meeting.uid, sequence=meeting.sequence, summary=meeting.title_for_invitations_in(tag),
        starts_at=meeting.starts_at, ends_at=meeting.ends_at,
        organiser_email=organiser_mailbox(), organiser_name=meeting.organiser.display_name,
        # Read outside engage: no restricted contact is named to the others (only counted); each sees themselves.
        description=neutral_description(meeting, "", language) if restricted else meeting_description(
            meeting, "", people_for(None, meeting, getattr(recipient, "attendee_id", None)), language),
        # LANGUAGE= only where it tells a client something: English is what calendars assume, and English
        # invitations keep the bytes they always had.
        summary_language=_unless_english(_title_language(meeting, tag)), description_language=_unless_english(language),
        location=meeting_location(meeting),
        url=meeting.online_url or "", status=status, attendees=attendees,
        created=meeting.created_at, last_modified=meeting.updated_at,
        classification="PRIVATE" if restricted else "PUBLIC",
    )


def _title_language(meeting: Meeting, tag: str) -> str:
    """The language the title `tag`'s reader gets is in: their own when staff wrote one for it, else that
    of their messages."""
    own = primary_subtag(tag)
    if own in (meeting.invitation_titles or {}):
        return own
    if meeting.is_restricted and meeting.invitation_title:
        return ENGLISH  # its own title, untranslated (Meeting.title_for_invitations_in)
    return recipient_language(tag)


def _unless_english(language: str) -> str:
    return "" if language == ENGLISH else language


def _describe_changes(change: MeetingChange, language: str = "en") -> tuple[str, ...]:
    meeting = change.meeting
    t = translator(language)
    lines = []
    if change.time_changed:
        lines.append(t.gettext("Time: was %(old)s, now %(new)s",
                               old=i18n.format_multi_zone(change.previous_starts_at, meeting.timezone, language),
                               new=i18n.format_multi_zone(meeting.starts_at, meeting.timezone, language)))
    for name, label in FIELD_LABELS.items():
        if meeting.is_restricted and name not in NEUTRAL_FIELDS:
            continue
        # The English title's change means nothing to a reader of another title (their own or the default).
        if name == "invitation_title" and language != ENGLISH:
            continue
        if name in change.changed_fields:
            old, new = change.changed_fields[name]
            lines.append(t.gettext("%(label)s: was %(old)s, now %(new)s", label=t.gettext(label),
                                   old=old or "—", new=new or "—"))
    return tuple(lines)


def _content(meeting: Meeting, kind: str, recipient: AttendeeSnapshot, changes=(), removed=False,
             links: dict | None = None, note: str = "") -> InvitationContent:
    language = recipient_language(recipient.language)
    when, for_recipient, duration = describe_when(meeting.starts_at, meeting.ends_at, meeting.timezone,
                                                  recipient.timezone, language)
    restricted = meeting.is_restricted
    organisation = inviting(meeting)
    if kind == "cancellation":
        note = "" if restricted else (meeting.cancellation_reason or "")  # a reason can name the topic
    return InvitationContent(
        kind=kind, title=meeting.title_for_invitations_in(recipient.language), recipient_name=recipient.name, when=when,
        when_for_recipient=for_recipient, duration=duration, location=meeting.location or "",
        online_url=meeting.online_url or "", organiser_name=meeting.organiser.display_name,
        organiser_email=organisation.reply_to or organiser_mailbox(),
        # Until it is named, a body says only who the organiser is (as it did before there was a name).
        organisation_name=organisation.name if organisation.named else "", logo_url=logo_url(organisation),
        agenda="" if restricted else (meeting.description or ""),
        recommendations=() if restricted else tuple(f"{r.full_reference} ({r.state_name}): {r.text}"
                                                    for r in meeting.recommendations),
        changes=tuple(changes), note=note, attendee_removed=removed, language=language, **(links or {}),
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
                           partstat: str = "NEEDS-ACTION", note: str = "",
                           until: timedelta | None = None) -> RenderedMessage | None:
    """Render one recipient's invitation, update, cancellation or reminder, writing nothing but a refusal.

    Everything the recipient reads is in their language (engage.i18n.recipient_language of the
    contact's tag). `until`: a reminder's time before the meeting ("in 3 days", in that language).
    Returns None when the recipient is a contact marked "do not contact" (the refusal is added to
    the session, to be shown on the meeting page).
    """
    if refused(meeting, recipient, kind, now):
        return None
    method = "CANCEL" if kind == "cancellation" else "REQUEST"
    status = "CANCELLED" if method == "CANCEL" else "CONFIRMED"
    language = recipient_language(recipient.language)
    event = _event_for(meeting, recipient, status, partstat, recipient.language)
    calendar = build_calendar([event], method, now)
    links = rsvp_links(meeting, recipient.attendee_id) if method == "REQUEST" else None
    if until is not None:
        note = when_phrase(until, language)
    content = _content(meeting, kind, recipient, changes, removed, links, note)
    text, html = render_bodies(content)
    when_short = i18n.format_in_zone(meeting.starts_at, meeting.timezone, language)
    subject = invitation_subject(kind, content.title, when_short, language)
    dedupe_key = dedupe_key or f"meeting:{meeting.id}:seq:{meeting.sequence}:{recipient.email.lower()}:{method}"
    message_id = make_message_id(dedupe_key, _message_domain())
    message = build_invitation_message(
        calendar=calendar, to_email=recipient.email, to_name=recipient.name,
        **sender_headers(inviting(meeting)),
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

    def others(people):
        # The organiser has the meeting in engage already: no invitation to their own meeting.
        return [p for p in people if p.user_id is None or p.user_id != meeting.organiser_id]
    if change.kind == "created":
        for person in others(change.current):
            queue_meeting_message(meeting, person, "invitation", now)
        return
    if change.kind == "cancelled":
        for person in others(change.kept):
            queue_meeting_message(meeting, person, "cancellation", now)
        return
    # An update: removed people hear only that they are off it; added people get the meeting as
    # it is now; the others hear only when something that matters to them changed.
    for person in others(change.removed):
        queue_meeting_message(meeting, person, "cancellation", now, removed=True)
    for person in others(change.added):
        queue_meeting_message(meeting, person, "invitation", now)
    changes = _describe_changes(change)
    if change.sequence_raised and (change.time_changed or change.place_changed or changes or change.resend):
        for person in others(change.kept):
            # A new time asks again (NEEDS-ACTION); otherwise their calendar keeps the answer they gave.
            partstat = "NEEDS-ACTION" if change.time_changed else PARTSTAT.get(person.response, "NEEDS-ACTION")
            language = recipient_language(person.language)
            queue_meeting_message(meeting, person, "update", now, partstat=partstat,
                                  changes=changes if language == ENGLISH else _describe_changes(change, language))



# ---- answers: RSVP links and iTIP replies ----

@dataclass
class ReplyResult:
    """What became of one answer: applied, ignored (nothing to change), held for staff, or refused."""

    uid: str
    attendee_email: str
    response: str | None
    outcome: str  # applied | ignored | held | refused
    reason: str = ""

    @property
    def refused(self) -> bool:
        return self.outcome == "refused"


def find_attendee_by_email(meeting: Meeting, email: str) -> Attendee | None:
    """The attendee of `meeting` with that address (contact or staff), case-insensitive."""
    email = (email or "").strip().lower()
    for attendee in meeting.attendees:
        if attendee.email.lower() == email:
            return attendee
    return None


def known_senders(attendee: Attendee) -> set[str]:
    """The addresses a reply for `attendee` may come from: their own, their delegates' and their
    delegator's (RFC 5546 §3.2.2.3), and those staff trusted for this contact."""
    meeting = attendee.meeting
    senders = {attendee.email.lower()}
    for other in meeting.attendees:
        if other.delegated_from_id == attendee.id or other.id == attendee.delegated_from_id:
            senders.add(other.email.lower())
    if attendee.contact_id is not None:
        senders |= set(db.session.scalars(db.select(ReplyAlias.email).where(ReplyAlias.contact_id == attendee.contact_id)))
    return senders


def apply_reply(reply: ReplyData, now: datetime, source: str = "api", trusted: bool = False) -> ReplyResult:
    """Apply one iTIP REPLY (or hold a COUNTER, or one not sent by the attendee, for staff).

    Refused: unknown UID, an address not on the meeting, a DKIM/DMARC failure, a cancelled meeting, a
    SEQUENCE older than the attendee holds. Ignored: no answer in it, or an answer stamped before the
    one recorded. `trusted` when staff confirmed a held reply.
    """
    meeting = db.session.scalar(db.select(Meeting).where(Meeting.uid == reply.uid))

    def result(outcome, reason="", response=None):
        return ReplyResult(reply.uid, reply.attendee_email, response, outcome, reason)
    if meeting is None:
        return result("refused", "unknown meeting UID")
    attendee = find_attendee_by_email(meeting, reply.attendee_email)
    if attendee is None:
        # Read by whoever runs ingest-replies and stored with the reply: never the staff title.
        return result("refused", f"{reply.attendee_email} is not on the meeting #{meeting.id} "
                                 f"('{meeting.title_for_invitations}')")
    if reply.auth_failure:
        return result("refused", f"the mail failed the receiving server's check ({reply.auth_failure}): "
                                 "it may be forged")
    if meeting.status == "cancelled":
        return result("refused", "the meeting is cancelled")
    current = attendee.sent_sequence if attendee.sent_sequence is not None else meeting.sequence
    if reply.sequence < current:
        return result("refused", f"stale answer: SEQUENCE {reply.sequence}, the invitation they hold is {current}")
    if reply.method == "COUNTER":
        # Reasons name addresses, never a contact's name: ingest-replies prints them.
        return _hold(meeting, attendee, reply, "counter", now, source,
                     f"{reply.proposed_starts_at:%Y-%m-%d %H:%M} UTC instead", result)
    response = RESPONSE_BY_PARTSTAT.get(reply.partstat)
    if response is None or response == "needs_action":
        return result("ignored", f"no answer in it (PARTSTAT {reply.partstat or 'missing'}): "
                                 f"the recorded answer ({attendee.response_label}) is kept")
    stamp = reply.dtstamp or now
    if _older_than_recorded(attendee, reply.sequence, stamp):
        return result("ignored", f"an older answer (DTSTAMP {stamp:%Y-%m-%d %H:%M:%S} UTC) than the one recorded "
                                 f"({attendee.answer_stamp:%Y-%m-%d %H:%M:%S} UTC)", response)
    if not trusted and (reply.sender or "") not in known_senders(attendee):
        why = (f"sent from {reply.sender}, not from {attendee.email}" if reply.sender
               else "a calendar file with no sender to check")
        return _hold(meeting, attendee, reply, "unconfirmed", now, source, why, result, response)
    record_response(None, now, attendee, response, sequence=reply.sequence, stamp=stamp)
    if response == "delegated":
        for address in reply.delegated_to:
            _add_delegate(meeting, attendee, address, now)
    return result("applied", response=response)


def _older_than_recorded(attendee: Attendee, sequence: int, stamp: datetime) -> bool:
    """RFC 5546 §2.1.5: a lower SEQUENCE, or the same SEQUENCE with an earlier DTSTAMP, is older."""
    if attendee.answer_sequence is None or attendee.answer_stamp is None or attendee.response == "needs_action":
        return False
    return (sequence, stamp) < (attendee.answer_sequence, attendee.answer_stamp)


def _hold(meeting, attendee, reply: ReplyData, kind: str, now: datetime, source: str, why: str, result,
          response: str | None = None) -> ReplyResult:
    values = dict(meeting_id=meeting.id, attendee_id=attendee.id, kind=kind, sender=reply.sender or None,
                  response=response, sequence=reply.sequence, dtstamp=reply.dtstamp,
                  proposed_starts_at=reply.proposed_starts_at, proposed_ends_at=reply.proposed_ends_at)
    same = db.session.scalar(db.select(HeldReply.id).filter_by(**values))  # the same file uploaded twice
    if same is None:
        db.session.add(HeldReply(**values, comment=reply.comment[:2000] or None, reason=why, source=source,
                                 received_at=now))
        db.session.flush()
    what = "a proposed new time" if kind == "counter" else "needs confirmation"
    return result("held", f"{what}: {why}; shown on the meeting page for staff", response)


def _add_delegate(meeting: Meeting, delegator: Attendee, address: str, now: datetime) -> None:
    """RFC 5546 §3.2.2.3: whoever an attendee delegated to becomes an attendee and is sent the invitation."""
    if find_attendee_by_email(meeting, address) is None:
        # An existing contact is matched by address whatever its sensitivity (a second contact with
        # the same address is not allowed); a new one is as visible as the person who delegated.
        user = db.session.scalar(db.select(User).where(func.lower(User.email) == address, User.is_disabled.is_(False)))
        if user is not None:
            add_attendee(None, now, meeting, user_id=user.id, role=delegator.role, allow_conflicts=True)
        else:
            contact = db.session.scalar(db.select(Contact).where(func.lower(Contact.email) == address,
                                                                 Contact.is_archived.is_(False))
                                        .execution_options(all_sensitivities=True))
            if contact is None:
                contact = _new_delegate_contact(delegator, address, now)
            add_attendee(None, now, meeting, contact_id=contact.id, role=delegator.role, allow_conflicts=True)
    delegate = find_attendee_by_email(meeting, address)
    if delegate is not None and delegate.id != delegator.id:
        delegate.delegated_from_id = delegator.id


def _new_delegate_contact(delegator: Attendee, address: str, now: datetime) -> Contact:
    person = delegator.person
    data = {"full_name": address.split("@", 1)[0], "email": address,
            "organisation_id": getattr(person, "organisation_id", None),
            "notes": f"Added when {delegator.name} delegated a meeting invitation to this address."}
    if delegator.contact_id is not None and person.sensitivity == "restricted":
        data["sensitivity"] = "restricted"
    return create_contact(None, now, data)


def apply_replies(replies: list[ReplyData], now: datetime, source: str = "api") -> list[ReplyResult]:
    """Apply each reply; if any is refused, the caller decides whether to keep the others."""
    return [apply_reply(r, now, source) for r in replies]


def answer_by_link(scope, response: str, now: datetime) -> Attendee:
    """Record an answer from a signed RSVP link (its scope already checked); refuses cancelled meetings.

    The link is the attendee's own, so it needs no confirmation; the click is stamped when made and
    does not replace an answer stamped later (a calendar reply sent after it).
    """
    if response not in ("accepted", "tentative", "declined"):
        raise ValidationError.for_fields({"answer": "Choose accept, maybe or decline."})
    attendee = db.session.get(Attendee, scope.attendee_id)
    if attendee is None or attendee.meeting_id != scope.meeting_id or attendee.meeting.uid != scope.uid:
        raise NotFoundError("You are no longer on this meeting's list.")
    if attendee.meeting.status == "cancelled":
        raise ValidationError.for_fields({"answer": "This meeting was cancelled."})
    sequence = attendee.sent_sequence if attendee.sent_sequence is not None else attendee.meeting.sequence
    if attendee.response != response and not _older_than_recorded(attendee, sequence, now):
        record_response(None, now, attendee, response, sequence=sequence, stamp=now)
    return attendee


def answer_from_page(scope, data: dict, now: datetime) -> Attendee:
    """Record an answer given on the RSVP page and, when the page sent one, the note to the organiser."""
    values = check(RsvpAnswer, data)
    attendee = answer_by_link(scope, values.answer, now)
    if "note" in values.model_fields_set:
        attendee.answer_note = values.note
        db.session.flush()
    return attendee


def propose_time_by_link(scope, data: dict, now: datetime, zone: str) -> ReplyResult:
    """Another time suggested on the RSVP page (date and time read in `zone`, the meeting's length kept):
    held on the meeting page for staff to accept or decline, as a calendar's COUNTER is."""
    values = check(TimeProposal, data)
    attendee = db.session.get(Attendee, scope.attendee_id)
    if attendee is None or attendee.meeting_id != scope.meeting_id or attendee.meeting.uid != scope.uid:
        raise NotFoundError("You are no longer on this meeting's list.")
    meeting = attendee.meeting
    if meeting.status == "cancelled":
        raise ValidationError.for_fields({"date": N_("This meeting was cancelled.")})
    try:
        # A time the clocks skip is refused; one they pass twice is taken the first time (a suggestion).
        starts_at = clock.localise(values.date, values.time, zone, fold=0).astimezone(UTC)
    except clock.LocalTimeError as exc:
        raise ValidationError.for_fields({"time": f"{exc}."}) from None
    if starts_at <= now:
        raise ValidationError.for_fields({"date": N_("Choose a time still to come.")})
    if starts_at == meeting.starts_at:
        raise ValidationError.for_fields({"time": N_("That is the meeting's time already.")})
    sequence = attendee.sent_sequence if attendee.sent_sequence is not None else meeting.sequence
    # Through the same path as a COUNTER from a calendar, so staff see it, accept or decline it alike.
    reply = ReplyData(uid=meeting.uid, sequence=sequence, attendee_email=attendee.email.lower(), partstat="",
                      dtstamp=now, comment=values.comment or "", method="COUNTER", sender=attendee.email.lower(),
                      proposed_starts_at=starts_at, proposed_ends_at=starts_at + (meeting.ends_at - meeting.starts_at))
    return apply_reply(reply, now, source="rsvp")


def invitation_ics(scope, now: datetime) -> bytes:
    """The meeting as the recipient's invitation shows it (its invitation title only), for "Add to calendar"."""
    attendee = db.session.get(Attendee, scope.attendee_id)
    if attendee is None or attendee.meeting_id != scope.meeting_id or attendee.meeting.uid != scope.uid:
        raise NotFoundError("You are no longer on this meeting's list.")
    meeting = attendee.meeting
    # The same UID as the emailed invitation: a later update moves this entry rather than adding another.
    event = _event_for(meeting, None, "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED",
                       tag=attendee.language)
    return build_calendar([event], "PUBLISH", now, name=event.summary)


# ---- held replies: staff confirm or discard them, accept or decline a proposed time ----

def held_replies(meeting: Meeting, shown_attendee_ids) -> list[HeldReply]:
    """The replies held on `meeting` for attendees the reader may see, oldest first."""
    ids = set(shown_attendee_ids)
    rows = db.session.scalars(db.select(HeldReply).where(HeldReply.meeting_id == meeting.id)
                              .order_by(HeldReply.received_at, HeldReply.id))
    return [r for r in rows if r.attendee_id in ids]


def get_held_reply(meeting: Meeting, held_id: int) -> HeldReply:
    """A reply held on this meeting, or NotFoundError."""
    row = db.session.get(HeldReply, held_id)
    if row is None or row.meeting_id != meeting.id:
        raise NotFoundError("That reply is no longer waiting: someone has dealt with it.")
    return row


def confirm_held_reply(actor, now: datetime, held: HeldReply, trust_sender: bool = False) -> ReplyResult:
    """Apply a reply held for confirmation as if the attendee had sent it; optionally trust its sender."""
    if held.kind != "unconfirmed":
        raise ValidationError.for_fields({"reply": _("A proposed new time is accepted or declined, not confirmed.")})
    attendee = held.attendee
    reply = ReplyData(uid=attendee.meeting.uid, sequence=held.sequence, attendee_email=attendee.email.lower(),
                      partstat=PARTSTAT.get(held.response or "", ""), dtstamp=held.dtstamp, sender=held.sender or "")
    result = apply_reply(reply, now, held.source, trusted=True)
    if result.refused:
        raise ValidationError.for_fields({"reply": _("It cannot be applied any more: %(reason)s.", reason=result.reason)})
    if trust_sender and held.sender and attendee.contact_id is not None:
        exists = db.session.scalar(db.select(ReplyAlias.id).filter_by(contact_id=attendee.contact_id,
                                                                       email=held.sender))
        if exists is None:
            db.session.add(ReplyAlias(contact_id=attendee.contact_id, email=held.sender,
                                      added_by_id=getattr(actor, "id", None), added_at=now))
    db.session.delete(held)
    db.session.flush()
    return result


def discard_held_reply(_actor, _now: datetime, held: HeldReply) -> None:
    """Drop a held reply (or decline nothing: a proposed time is declined with decline_counter)."""
    db.session.delete(held)
    db.session.flush()


def accept_counter(actor, now: datetime, held: HeldReply, allow_conflicts: bool = False):
    """Move the meeting to the proposed time: a reschedule, so every attendee is sent the update."""
    if held.kind != "counter":
        raise ValidationError.for_fields({"reply": "Only a proposed new time can be accepted."})
    meeting = held.attendee.meeting
    change = reschedule_meeting(actor, now, meeting, held.proposed_starts_at, held.proposed_ends_at,
                                allow_conflicts=allow_conflicts)
    db.session.delete(held)
    db.session.flush()
    return change


def decline_counter(_actor, now: datetime, held: HeldReply):
    """Tell the attendee their proposed time is declined: a DECLINECOUNTER (RFC 5546 §3.2.8) through the outbox."""
    if held.kind != "counter":
        raise ValidationError.for_fields({"reply": "Only a proposed new time can be declined."})
    attendee, meeting = held.attendee, held.attendee.meeting
    recipient = AttendeeSnapshot.of(attendee)
    row = None
    if not refused(meeting, recipient, "counter_declined", now):
        language = recipient_language(recipient.language)
        t = translator(language)
        event = _event_for(meeting, recipient, "CONFIRMED", PARTSTAT.get(attendee.response, "NEEDS-ACTION"),
                           recipient.language)
        calendar = build_calendar([event], "DECLINECOUNTER", now)
        when_short = i18n.format_in_zone(meeting.starts_at, meeting.timezone, language)
        subject = t.gettext("Proposed new time declined: %(title)s — %(when)s", title=event.summary, when=when_short)
        proposed = i18n.format_multi_zone(held.proposed_starts_at, recipient.timezone, language)
        organisation = inviting(meeting)
        text = (t.gettext("Dear %(name)s,", name=recipient.name) + "\n\n"
                + t.gettext("Thank you for proposing %(proposed)s. The meeting stays as it is: %(when)s.",
                            proposed=proposed,
                            when=i18n.format_multi_zone(meeting.starts_at, meeting.timezone, language))
                + f"\n\n{meeting.organiser.display_name}\n{organisation.name}\n")
        html = "<p>" + "</p><p>".join(escape(p).replace("\n", "<br>") for p in text.strip().split("\n\n")) + "</p>"
        dedupe_key = f"meeting:{meeting.id}:declinecounter:{held.id}:{recipient.email.lower()}"
        message_id = make_message_id(dedupe_key, _message_domain())
        message = build_invitation_message(
            calendar=calendar, to_email=recipient.email, to_name=recipient.name, **sender_headers(organisation),
            subject=subject, text_body=text, html_body=html, message_id=message_id, sent_at=now)
        row = queue_messages(now, [NewMessage(kind="counter_declined", recipient=recipient.email, subject=subject,
                                              raw=message_bytes(message), dedupe_key=dedupe_key,
                                              message_id=message_id, meeting_id=meeting.id)])[0]
    db.session.delete(held)
    db.session.flush()
    return row
