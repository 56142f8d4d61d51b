"""Calendar files (.ics downloads, private feeds) and the week and month views."""
from __future__ import annotations

import calendar as pycalendar
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import parseaddr
from typing import Callable
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select

from engage.access.services import only_visible, shows_in_full
from engage.auth.models import User
from engage.clock import start_of_day
from engage.errors import PermissionDenied, ValidationError
from engage.extensions import db
from engage.history import record_change
from engage.i18n import format_range, translator
from engage.ical import EventData, build_calendar

from . import listing
from .models import FEED_SCOPES, Attendee, CalendarFeed, Meeting
from .people import People, people_for

SECRET_RE = re.compile(r"^[A-Za-z0-9_-]+$")  # what token_urlsafe makes; anything else is not a feed
FEED_PAST_DAYS = 180  # a feed carries recent history too, so a calendar does not lose last month


# ---- one meeting as an iCalendar event ----

def organiser_mailbox() -> str:
    """The mailbox that organises every meeting in iCalendar terms (it receives the replies)."""
    config = current_app.config
    configured = config.get("ENGAGE_ORGANISER_EMAIL") or config.get("MAIL_DEFAULT_SENDER") or ""
    if isinstance(configured, (tuple, list)):  # ("Name", "address"), as Flask-Mail allowed
        configured = configured[-1]
    # "UPR team <upr@org>" is a fine From; ORGANIZER wants the bare address.
    return parseaddr(configured)[1] or "engage@localhost"


def meeting_description(meeting: Meeting, page_url: str = "", people: People | None = None,
                        language: str = "en", full: bool = True) -> str:
    """The plain-text body of a calendar entry: purpose, agenda recommendations, place, people.

    `people`: the attendees its reader may see (default: as a recipient outside engage sees them,
    with no restricted contact named); the others are only counted. `language`: a recipient's
    (engage.i18n); staff's calendars are in English. Not `full`: another member's meeting shared in
    summary, without its notes (purpose, a cancellation's reason).
    """
    if people is None:
        people = people_for(None, meeting)
    t = translator(language)
    lines = []
    if full and meeting.description:
        lines += [meeting.description, ""]
    lines.append(t.gettext("When: %(when)s", when=format_range(meeting.starts_at, meeting.ends_at,
                                                                meeting.timezone, language)))
    if meeting.online_url:
        lines.append(t.gettext("Join online: %(url)s", url=meeting.online_url))
    if meeting.location:
        lines.append(t.gettext("Where: %(place)s", place=meeting.location))
    if meeting.recommendations:
        lines += ["", t.gettext("Agenda (UPR recommendations):")]
        lines += [f"- {r.full_reference} ({r.state_name}): {r.text[:300]}" for r in meeting.recommendations]
    if people.shown or people.hidden:
        lines += ["", t.gettext("With:")]
        for a in people.shown:
            org = a.contact.organisation.name if a.contact is not None and a.contact.organisation \
                else t.gettext("engage staff")
            lines.append(f"- {a.name} ({org})")
        if people.hidden:
            lines.append("- " + t.ngettext("and %(num)d other attendee", "and %(num)d other attendees",
                                           people.hidden))
    lines.append(t.gettext("Organiser: %(name)s", name=meeting.organiser.display_name))
    if meeting.status == "cancelled":
        lines.insert(0, t.gettext("CANCELLED: %(reason)s", reason=meeting.cancellation_reason)
                     if full and meeting.cancellation_reason else t.gettext("CANCELLED"))
    if page_url:
        lines += ["", f"In engage: {page_url}"]
    return "\n".join(lines)


def neutral_description(meeting: Meeting, page_url: str = "", language: str = "en") -> str:
    """A restricted meeting's calendar text: time, place or link and organiser only — no topic, agenda or people."""
    t = translator(language)
    lines = [t.gettext("When: %(when)s", when=format_range(meeting.starts_at, meeting.ends_at, meeting.timezone,
                                                            language))]
    if meeting.online_url:
        lines.append(t.gettext("Join online: %(url)s", url=meeting.online_url))
    if meeting.location:
        lines.append(t.gettext("Where: %(place)s", place=meeting.location))
    lines.append(t.gettext("Organiser: %(name)s", name=meeting.organiser.display_name))
    if meeting.status == "cancelled":
        lines.insert(0, t.gettext("CANCELLED"))
    if page_url:
        lines += ["", f"In engage: {page_url}"]
    return "\n".join(lines)


def meeting_location(meeting: Meeting) -> str:
    """What the LOCATION line says: the address, the link, or both."""
    parts = [p for p in (meeting.location, meeting.online_url) if p]
    return " / ".join(parts)


def meeting_event(meeting: Meeting, organiser_email: str, page_url: str = "", attendees=(),
                  people: People | None = None, full: bool = True) -> EventData:
    """The meeting as plain iCalendar data (times stay instants; the builder writes them in UTC).

    `people`: the attendees the file's reader may see (default: none of the restricted contacts).
    """
    # A restricted meeting sits in calendars (and free/busy views) under its neutral title only.
    restricted = meeting.is_restricted
    return EventData(
        uid=meeting.uid, sequence=meeting.sequence,
        summary=meeting.title_for_invitations if restricted else meeting.title,
        starts_at=meeting.starts_at, ends_at=meeting.ends_at,
        organiser_email=organiser_email, organiser_name=meeting.organiser.display_name,
        description=neutral_description(meeting, page_url) if restricted
        else meeting_description(meeting, page_url, people, full=full),
        location=meeting_location(meeting),
        url=meeting.online_url or page_url or "",
        status="CANCELLED" if meeting.status == "cancelled" else "CONFIRMED",
        attendees=tuple(attendees), created=meeting.created_at, last_modified=meeting.updated_at,
        classification="PRIVATE" if restricted else "PUBLIC",
    )


def meeting_ics(meeting: Meeting, now: datetime, organiser_email: str, page_url: str = "", reader=None) -> bytes:
    """One meeting as a METHOD:PUBLISH calendar file, naming the attendees `reader` may see."""
    name = meeting.title_for_invitations if meeting.is_restricted else meeting.title
    event = meeting_event(meeting, organiser_email, page_url, people=people_for(reader, meeting),
                          full=reader is None or shows_in_full(reader, meeting))
    return build_calendar([event], "PUBLISH", now, name=name)


# ---- private feeds ----

# Feeds of records above meetings (a cycle's milestones), by scope: {scope: build(owner, now) -> bytes}.
# Registered by create_app, as meetings may not import the packages above it (docs/architecture.md).
OTHER_FEEDS: dict[str, Callable[[User, datetime], bytes]] = {}


def register_feed(scope: str, build: Callable[[User, datetime], bytes]) -> None:
    """Serve feeds of `scope` (one of FEED_SCOPES) with `build` at the same private addresses."""
    OTHER_FEEDS[scope] = build


def active_feed(user: User, scope: str) -> CalendarFeed | None:
    """The user's live feed of that scope, if any."""
    return db.session.scalars(select(CalendarFeed).where(
        CalendarFeed.user_id == user.id, CalendarFeed.scope == scope, CalendarFeed.revoked_at.is_(None),
    ).order_by(CalendarFeed.id.desc())).first()


def create_feed(actor, now: datetime, user: User, scope: str = "personal") -> CalendarFeed:
    """Give the user a new secret feed address, retiring any previous one of that scope."""
    if scope not in FEED_SCOPES:
        raise ValidationError.for_fields({"scope": _("Choose one of: %(scopes)s.", scopes=", ".join(FEED_SCOPES))})
    if scope == "team" and not user.has_role("lead"):
        raise PermissionDenied(_("The team feed of all meetings is for leads."))
    if actor is not None and actor.id != user.id and not actor.has_role("admin"):
        raise PermissionDenied(_("You can only manage your own calendar feeds."))
    for old in db.session.scalars(select(CalendarFeed).where(
            CalendarFeed.user_id == user.id, CalendarFeed.scope == scope, CalendarFeed.revoked_at.is_(None))):
        old.revoked_at = now
    feed = CalendarFeed(user_id=user.id, scope=scope, secret=secrets.token_urlsafe(32), created_at=now)
    db.session.add(feed)
    db.session.flush()
    record_change(actor, now, user, f"new {scope} calendar feed address")
    return feed


def revoke_feed(actor, now: datetime, feed: CalendarFeed) -> None:
    """Turn a feed address off: calendars subscribed to it stop updating."""
    if actor is not None and actor.id != feed.user_id and not actor.has_role("admin"):
        raise PermissionDenied(_("You can only manage your own calendar feeds."))
    if feed.revoked_at is None:
        feed.revoked_at = now
        record_change(actor, now, feed.user, f"{feed.scope} calendar feed turned off")


def feed_by_secret(secret: str) -> CalendarFeed | None:
    """The live feed with that secret, if its owner may still read it."""
    if not secret or len(secret) > 64 or not SECRET_RE.match(secret):
        return None
    feed = db.session.scalars(select(CalendarFeed).where(CalendarFeed.secret == secret)).first()
    if feed is None or feed.revoked_at is not None or feed.user is None or feed.user.is_disabled:
        return None
    if not secrets.compare_digest(feed.secret, secret):
        return None
    if feed.scope == "team" and not feed.user.has_role("lead"):
        return None
    return feed


def feed_meetings(feed: CalendarFeed, now: datetime) -> list[listing.MeetingRow]:
    """What a feed carries: the owner's meetings (or all, for a team feed), not cancelled, recent and ahead,
    as list rows (a team feed holds hundreds: records cost more than writing the file) with the attendees
    its owner may see.

    Cancelled meetings are left out: a subscribed calendar drops an event that leaves the feed.
    """
    query = select(Meeting).where(Meeting.status != "cancelled",
                                  Meeting.ends_at >= now - timedelta(days=FEED_PAST_DAYS))
    if feed.scope != "team":
        query = query.where(or_(Meeting.organiser_id == feed.user_id, Meeting.id.in_(
            select(Attendee.meeting_id).where(Attendee.user_id == feed.user_id))))
    query = only_visible(feed.user, query, Meeting)  # restricted meetings only for those who may see them
    return listing.meeting_rows(feed.user, query.order_by(Meeting.starts_at, Meeting.id), agenda="full")


def feed_ics(feed: CalendarFeed, now: datetime, organiser_email: str,
             page_url: Callable[[Meeting], str] = lambda m: "") -> bytes:
    """The feed as a METHOD:PUBLISH calendar, one VEVENT per meeting, times in UTC."""
    if feed.scope in OTHER_FEEDS:
        return OTHER_FEEDS[feed.scope](feed.user, now)
    name = "engage: all meetings" if feed.scope == "team" else f"engage: {feed.user.display_name}"
    meetings = feed_meetings(feed, now)  # with what its owner may see of each
    events = [meeting_event(m, organiser_email, page_url(m), people=m.people) for m in meetings]
    return build_calendar(events, "PUBLISH", now, name=name)


# ---- week and month views ----

@dataclass
class CalendarItem:
    meeting: Meeting
    starts: datetime  # local to the view's zone
    ends: datetime


@dataclass
class DayCell:
    day: date
    in_month: bool = True
    is_today: bool = False
    items: list[CalendarItem] = field(default_factory=list)


def week_start(day: date) -> date:
    """The Monday of that day's week."""
    return day - timedelta(days=day.weekday())


def period_bounds(first: date, last: date, zone: str) -> tuple[datetime, datetime]:
    """[midnight of `first`, midnight after `last`) in `zone`, as instants."""
    return start_of_day(first, zone), start_of_day(last + timedelta(days=1), zone)


def _cells(days: list[date], zone: str, meetings: list[Meeting], today: date, month: int | None) -> list[DayCell]:
    tz = ZoneInfo(zone)
    cells = {d: DayCell(d, in_month=month is None or d.month == month, is_today=d == today) for d in days}
    for m in meetings:
        starts, ends = m.starts_at.astimezone(tz), m.ends_at.astimezone(tz)
        cell = cells.get(starts.date())
        if cell is not None:
            cell.items.append(CalendarItem(m, starts, ends))
    return [cells[d] for d in days]


def week_days(monday: date, zone: str, meetings: list[Meeting], today: date) -> list[DayCell]:
    """Seven days from Monday, each with the meetings starting that day in `zone`."""
    return _cells([monday + timedelta(days=i) for i in range(7)], zone, meetings, today, None)


def month_weeks(year: int, month: int, zone: str, meetings: list[Meeting], today: date) -> list[list[DayCell]]:
    """The month as weeks of seven days (Monday first), days of nearby months marked."""
    days = [d for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month) for d in week]
    cells = _cells(days, zone, meetings, today, month)
    return [cells[i:i + 7] for i in range(0, len(cells), 7)]


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first and last day shown in a month grid."""
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return weeks[0][0], weeks[-1][-1]
