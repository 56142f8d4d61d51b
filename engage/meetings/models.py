"""Meetings, their attendees (contacts and staff) and their agenda."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.dbtypes import UTCDateTime
from engage.sealed import SealedText
from engage.extensions import db
from engage.settings import DEFAULT_REMINDERS

from engage.i18n import ENGLISH, N_, primary_subtag, recipient_language
from engage.members.models import SHARING

from .titles import meeting_with, titled_in

# Labels that are also data (the CSV and the API carry the English): pages translate them where shown.
MEETING_STATUSES = {"scheduled": N_("Scheduled"), "cancelled": N_("Cancelled"), "held": N_("Held")}
LOCATION_KINDS = {"in_person": N_("In person"), "online": N_("Online"), "hybrid": N_("Hybrid")}
ATTENDEE_ROLES = {"required": N_("Required"), "optional": N_("Optional")}
# Marked for the catalogues: the RSVP page shows a recipient their answer in their language.
RESPONSES = {"needs_action": N_("No answer yet"), "accepted": N_("Accepted"), "tentative": N_("Maybe"),
             "declined": N_("Declined"), "delegated": N_("Delegated")}

meeting_recommendation = Table(
    "meeting_recommendation",
    db.metadata,
    Column("meeting_id", Integer, ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("recommendation_id", Integer, ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True),
)
# The coalition's asks on a meeting's agenda, beside the past recommendations.
meeting_ask = Table(
    "meeting_ask",
    db.metadata,
    Column("meeting_id", Integer, ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("ask_id", Integer, ForeignKey("ask.id", ondelete="CASCADE"), primary_key=True, index=True),
)


def new_uid() -> str:
    """A permanent iCalendar UID for a new meeting."""
    return f"{uuid.uuid4()}@engage"


class MeetingLabels:
    """The words a page shows for a meeting's status and kind of place: one definition for the ORM
    record and the list row (`listing.MeetingRow`)."""

    __slots__ = ()

    @property
    def status_label(self) -> str:
        return MEETING_STATUSES.get(self.status, self.status)

    @property
    def location_kind_label(self) -> str:
        return LOCATION_KINDS.get(self.location_kind, self.location_kind)


class Meeting(MeetingLabels, db.Model):
    """A pre-session meeting with ministries or missions."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(255), unique=True, default=new_uid)
    sequence: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    # What invitations and reminders call the meeting; None: "Meeting with <organisation>".
    invitation_title: Mapped[str | None] = mapped_column(String(200))
    # The invitation title in other languages, {language: title} (engage.i18n.TITLE_LANGUAGES); a
    # recipient whose language has none reads the translated default (title_for_invitations_in).
    invitation_titles: Mapped[dict | None] = mapped_column(JSON)
    sensitivity: Mapped[str] = mapped_column(String(20), default="internal", server_default="internal")
    # The member organisation that owns it (engage/members; the access policy reads it). Set on
    # the first flush when left blank: see engage/members/services.py.
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    # What other members see of it (engage.members.models.SHARING): "private", "coalition_summary"
    # (that it took place, with whom, on which asks and recommendations) or "coalition_full". Blank
    # on a new meeting: its member's default.
    sharing: Mapped[str] = mapped_column(String(20), server_default="coalition_summary")
    # sealed when restricted (engage/sealed.py); TEXT, so the schemas' limit is kept in `info`
    description: Mapped[str | None] = mapped_column(SealedText, info={"max_length": 20000})
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)  # indexed by ix_meeting_period
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    location_kind: Mapped[str] = mapped_column(String(20), default="in_person")
    location: Mapped[str | None] = mapped_column(String(500))
    online_url: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(20), default="scheduled", index=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reminder_offsets: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_REMINDERS))  # minutes before start
    tags: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancellation_reason: Mapped[str | None] = mapped_column(SealedText, info={"max_length": 2000})
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it was marked held

    organiser = relationship("User", foreign_keys=[organiser_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    updated_by = relationship("User", foreign_keys=[updated_by_id])
    attendees = relationship("Attendee", back_populates="meeting", cascade="all, delete-orphan",
                             order_by="Attendee.id")
    recommendations = relationship("Recommendation", secondary=meeting_recommendation,
                                   order_by="Recommendation.reference")
    asks = relationship("Ask", secondary=meeting_ask, order_by="Ask.id")

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # Meetings from a date (coverage, the dashboard, "engaged in a cycle", the log by date): the
        # status, sensitivity and end (was it held?) every such query asks are read from the index.
        Index("ix_meeting_period", "starts_at", "status", "sensitivity", "ends_at"),
    )

    @property
    def sharing_label(self) -> str:
        """What other member organisations see of it, in words (English: translated where shown)."""
        return SHARING.get(self.sharing or "", self.sharing or "")

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def organisations(self):
        """The organisations of the external attendees who are not restricted, each once, in attendee order.

        It names the meeting in invitations ("Meeting with …"), which every attendee reads, and on pages
        for everyone: a restricted contact's organisation is never named there (pages that may show it
        ask meetings.people.people_for).
        """
        # Imported here: people builds on these models (it imports this module), and only this
        # property needs it back; both live in meetings, so no other package is involved.
        from .people import load_contacts

        load_contacts([self])
        seen = {}
        for a in self.contact_attendees:
            if a.contact.organisation is not None and a.contact.sensitivity != "restricted":
                seen.setdefault(a.contact.organisation.id, a.contact.organisation)
        return list(seen.values())

    @property
    def is_restricted(self) -> bool:
        return self.sensitivity == "restricted"

    @property
    def title_for_invitations(self) -> str:
        """What invitations and reminders call it: the invitation title, or "Meeting with <organisations>"."""
        if self.invitation_title:
            return self.invitation_title
        return meeting_with([o.name for o in self.organisations])

    def title_for_invitations_in(self, tag: str | None) -> str:
        """What a recipient whose language is `tag` (BCP 47) reads: the title staff gave in that language,
        else, in English (or for a restricted meeting with an invitation title), title_for_invitations,
        else the default translated ("Réunion avec …").
        Like title_for_invitations it names only organisations every attendee may read."""
        titles = self.invitation_titles or {}
        own = titles.get(primary_subtag(tag))
        if own:
            return own
        language = recipient_language(tag)
        # A restricted meeting's invitation title may be there to say nothing of whom it meets: the
        # translated default would name them, so every language reads it until staff translate it.
        if language == ENGLISH or (self.is_restricted and self.invitation_title):
            return self.title_for_invitations
        return titled_in(language, tuple((o.name, o.kind, o.country) for o in self.organisations))

    @property
    def contact_attendees(self):
        return [a for a in self.attendees if a.contact_id is not None]

    @property
    def staff_attendees(self):
        return [a for a in self.attendees if a.user_id is not None]

    def __repr__(self):
        return f"<Meeting {self.id} {self.title!r} seq={self.sequence}>"


class Attendee(db.Model):
    """Someone invited to a meeting: an external contact or a staff user (exactly one of the two)."""

    __tablename__ = "attendee"
    __table_args__ = (
        UniqueConstraint("meeting_id", "contact_id", name="uq_attendee_meeting_contact"),
        UniqueConstraint("meeting_id", "user_id", name="uq_attendee_meeting_user"),
        CheckConstraint("(contact_id IS NULL) != (user_id IS NULL)", name="contact_or_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="required")
    response: Mapped[str] = mapped_column(String(20), default="needs_action")
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The SEQUENCE of the last REQUEST sent to this attendee: a reply older than that is stale.
    sent_sequence: Mapped[int | None]
    # The SEQUENCE and DTSTAMP of the answer recorded (a click on an RSVP link is stamped when made):
    # with equal SEQUENCE, an answer stamped earlier does not replace it (RFC 5546 §2.1.5).
    answer_sequence: Mapped[int | None]
    answer_stamp: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set on someone added because this attendee delegated to them (PARTSTAT=DELEGATED): their
    # replies may come from either address.
    delegated_from_id: Mapped[int | None] = mapped_column(ForeignKey("attendee.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A word to the organiser given with the answer on the RSVP page ("I will bring a colleague").
    answer_note: Mapped[str | None] = mapped_column(Text, info={"max_length": 500})

    meeting = relationship("Meeting", back_populates="attendees")
    contact = relationship("Contact")
    user = relationship("User")

    @property
    def person(self):
        """The contact or the staff user. A contact the request's access filter hid is loaded anyway:
        whoever changes a meeting still owes every attendee their messages (pages ask meetings.people)."""
        if self.contact_id is None:
            return self.user
        if self.contact is None:
            # Imported here: people builds on these models (it imports this module); both are meetings'.
            from .people import load_attendee_contacts

            load_attendee_contacts([self])
        return self.contact

    @property
    def email(self) -> str:
        return self.person.email

    @property
    def name(self) -> str:
        return self.person.full_name if self.contact_id is not None else self.user.display_name

    @property
    def timezone(self) -> str:
        return self.person.effective_timezone if self.contact_id is not None else self.user.timezone

    @property
    def language(self) -> str:
        """The language tag they read invitations in: the contact's, or the staff user's page language."""
        language = self.person.language if self.contact_id is not None else self.user.language
        return language or "en"

    @property
    def is_staff(self) -> bool:
        return self.user_id is not None

    @property
    def response_label(self) -> str:
        return RESPONSES.get(self.response, self.response)


FEED_SCOPES = {"personal": N_("My meetings"), "team": N_("All meetings (team)"), "milestones": N_("UPR cycle milestones")}


class CalendarFeed(db.Model):
    """A private, revocable iCalendar subscription URL: /calendar/<secret>.ics.

    The secret is kept (not hashed) so its owner can see the address again, as with the
    "secret address" of other calendar services; revoking or regenerating retires it.
    """

    __tablename__ = "calendar_feed"
    __table_args__ = (Index("ix_calendar_feed_user_scope", "user_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(20), default="personal")  # personal | team
    secret: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
