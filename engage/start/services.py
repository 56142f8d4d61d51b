"""What the start page lists and what the top bar's search finds.

Reads only. Every list takes the `actor` and filters through engage/access, so a restricted record
the actor may not see is neither listed nor counted (each total comes from the same filtered
statement as its rows). Each list is a fixed number of statements however much there is.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from flask_babel import gettext as _

from engage.access import guard
from engage.access.services import VISIBILITY_APPLIED, only_visible, visible
from engage.countries import country_code
from engage.directory.models import Contact, Organisation
from engage.errors import ValidationError
from engage.extensions import db
from engage.meetings.listing import meeting_page
from engage.meetings.models import Attendee, Meeting
from engage.meetings.queries import meeting_query
from engage.outcomes.models import FollowUp, Outcome
from engage.outcomes.services import follow_up_query
from engage.recommendations.models import Recommendation, RecommendationState

START_ROWS = 10  # per section of the start page: the rest is one link away
FOLLOW_UP_DAYS = 7  # "due" on the start page: open and due within a week (overdue ones included)
SEARCH_ROWS = 50  # per kind of record on the search page
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_WORDS = 8


@dataclass
class Section:
    """Some rows of a list and how many there are in all (the same filtered statement counts them)."""

    items: list
    total: int
    mine: int = 0  # follow-ups: how many of `total` are the reader's own

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True, slots=True)
class AwaitingAnswer:
    """An invitee who has not answered an upcoming meeting the reader organises or staffs."""

    attendee_id: int
    role: str
    contact_id: int
    name: str
    organisation: str | None
    meeting_id: int
    title: str  # the meeting's (staff) title
    starts_at: datetime
    timezone: str


@dataclass
class StartPage:
    """Everything the start page shows."""

    meetings: Section
    team: bool
    awaiting: Section
    follow_ups: Section
    today: date


def start_page(actor, now: datetime, today: date, team: bool = False) -> StartPage:
    """The reader's start page as of `now` (`today` for follow-ups): upcoming meetings (theirs, or the
    team's), invitees who have not answered, follow-ups due within a week or overdue (theirs first)."""
    return StartPage(meetings=upcoming_meetings(actor, now, team), team=team,
                     awaiting=awaiting_answers(actor, now), follow_ups=follow_ups_due(actor, today), today=today)


def upcoming_meetings(actor, now: datetime, team: bool = False) -> Section:
    """Scheduled meetings still to end, soonest first: those the actor organises or staffs, or with
    `team` everyone's (three statements)."""
    query = meeting_query(now=now, when="upcoming", staff_id=None if team else actor.id, status="scheduled",
                          actor=actor)
    rows, total = meeting_page(actor, query, 1, START_ROWS, agenda=None)
    return Section(rows, total)


def _staffed_by(actor):
    return or_(Meeting.organiser_id == actor.id,
               Meeting.id.in_(select(Attendee.meeting_id).where(Attendee.user_id == actor.id)))


def awaiting_answers(actor, now: datetime) -> Section:
    """Invited contacts (that the actor may see) who have not answered a scheduled meeting still to
    start that the actor organises or staffs, soonest meeting first (one statement)."""
    query = (select(Attendee.id, Attendee.role, Contact.id, Contact.full_name, Organisation.name, Meeting.id,
                    Meeting.title, Meeting.starts_at, Meeting.timezone, Meeting.sensitivity, Contact.sensitivity,
                    func.count().over())
             .select_from(Attendee).join(Meeting, Attendee.meeting_id == Meeting.id)
             .join(Contact, Attendee.contact_id == Contact.id)
             .outerjoin(Organisation, Contact.organisation_id == Organisation.id)
             .where(Attendee.response == "needs_action", Meeting.status == "scheduled", Meeting.starts_at > now,
                    _staffed_by(actor))
             .order_by(Meeting.starts_at, Meeting.id, Attendee.id).limit(START_ROWS))
    found = db.session.execute(only_visible(actor, query, Meeting, Contact)).all()
    _note_restricted("meeting", {r[5] for r in found if r[9] == "restricted"})
    _note_restricted("contact", {r[2] for r in found if r[10] == "restricted"})
    return Section([AwaitingAnswer(*r[:9]) for r in found], found[0][-1] if found else 0)


def follow_ups_due(actor, today: date) -> Section:
    """Open follow-ups the actor may see, overdue or due within FOLLOW_UP_DAYS of `today`: the actor's
    own first, each group by due date (two statements)."""
    horizon = today + timedelta(days=FOLLOW_UP_DAYS)
    query = (follow_up_query(today, state="open", actor=actor).where(FollowUp.due_on <= horizon)
             .order_by(None).order_by(FollowUp.owner_id != actor.id, FollowUp.due_on, FollowUp.id))
    items = list(db.session.scalars(query.limit(START_ROWS)))
    total, mine = db.session.execute(
        select(func.count(), func.count().filter(FollowUp.owner_id == actor.id))
        .select_from(FollowUp).join(Outcome, FollowUp.outcome_id == Outcome.id)
        .where(FollowUp.status == "open", FollowUp.due_on <= horizon, visible(actor, Outcome))
        .execution_options(**VISIBILITY_APPLIED)).one()
    return Section(items, total, mine)


def _note_restricted(kind: str, ids: set) -> None:
    # Plain columns leave no load event: tell the access guard, so the audit of views is the same.
    guard.note_loaded(kind, ids)


# ---- search ----

@dataclass
class SearchResults:
    """What a search found, by kind: each a Section of rows."""

    q: str
    contacts: Section = field(default_factory=lambda: Section([], 0))
    organisations: Section = field(default_factory=lambda: Section([], 0))
    meetings: Section = field(default_factory=lambda: Section([], 0))
    recommendations: Section = field(default_factory=lambda: Section([], 0))

    @property
    def total(self) -> int:
        return self.contacts.total + self.organisations.total + self.meetings.total + self.recommendations.total


def clean_query(q) -> str:
    """The search words as typed, trimmed; a ValidationError naming `q` for a NUL or an overlong text."""
    if q is None:
        return ""
    if not isinstance(q, str) or "\x00" in q:
        raise ValidationError.for_fields({"q": _("Contains a NUL character.")})
    q = " ".join(q.split())
    if len(q) > SEARCH_MAX_LENGTH:
        raise ValidationError.for_fields({"q": _("Use at most %(num)s characters.", num=SEARCH_MAX_LENGTH)})
    return q


def _state(word: str) -> str | None:
    # A state by name ("Germany", "Kenya") or by a code typed in capitals ("UK", "DE"): lower-case
    # two-letter words ("de", "in") are words, not states.
    if len(word) <= 3 and not word.isupper():
        return None
    return country_code(word)


def _matches(words: list[str], q: str, columns, state_column=None):
    """Every word found in one of `columns` (a substring, any case); a word naming a state also matches
    `state_column`, and so does the whole query when it names one ("United Kingdom")."""
    def one(word):
        found = [func.lower(func.coalesce(c, "")).contains(word.lower(), autoescape=True) for c in columns]
        code = _state(word) if state_column is not None else None
        if code:
            found.append(_is_state(state_column, code))
        return or_(*found)

    condition = and_(*(one(w) for w in words))
    whole = _state(q) if state_column is not None and len(words) > 1 else None
    return or_(condition, _is_state(state_column, whole)) if whole else condition


def _is_state(state_column, code: str):
    # A column, or a function giving the condition (a recommendation matches any of its states).
    return state_column(code) if callable(state_column) else state_column == code


def _made_by(code: str):
    return Recommendation.id.in_(select(RecommendationState.recommendation_id).where(RecommendationState.state == code))


def search(actor, q: str) -> SearchResults:
    """Contacts, organisations, meetings and recommendations matching every word of `q` (four statements).

    Names, titles, emails, positions, cities, references, states and recommendation texts are searched;
    notes and meeting descriptions are not (a state's name in a mission's notes is no reason to list
    it). Only what the actor may see is listed or counted.
    """
    q = clean_query(q)
    words = q.split()[:SEARCH_MAX_WORDS]
    results = SearchResults(q)
    if not words:
        return results
    live_contact = (Contact.is_archived.is_(False), Contact.erased_at.is_(None))
    contacts = db.session.execute(only_visible(actor, (
        select(Contact.id, Contact.full_name, Contact.email, Contact.position, Contact.sensitivity,
               Organisation.name.label("organisation"), Organisation.city, func.count().over().label("total"))
        .select_from(Contact).outerjoin(Organisation, Contact.organisation_id == Organisation.id)
        .where(*live_contact, _matches(words, q, (Contact.full_name, Contact.email, Contact.position,
                                                  Organisation.name, Organisation.city), Organisation.country))
        .order_by(Contact.full_name, Contact.id).limit(SEARCH_ROWS)), Contact)).all()
    _note_restricted("contact", {r[0] for r in contacts if r[4] == "restricted"})
    results.contacts = _section(contacts)
    organisations = db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.kind, Organisation.city, Organisation.country,
               func.count().over().label("total"))
        .where(Organisation.is_archived.is_(False),
               _matches(words, q, (Organisation.name, Organisation.email, Organisation.city), Organisation.country))
        .order_by(Organisation.name, Organisation.id).limit(SEARCH_ROWS)).all()
    results.organisations = _section(organisations)
    meetings = db.session.execute(only_visible(actor, (
        select(Meeting.id, Meeting.title, Meeting.starts_at, Meeting.ends_at, Meeting.timezone, Meeting.status,
               Meeting.sensitivity, func.count().over().label("total"))
        .where(_matches(words, q, (Meeting.title, Meeting.invitation_title, Meeting.location)))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(SEARCH_ROWS)), Meeting)).all()
    _note_restricted("meeting", {r[0] for r in meetings if r[6] == "restricted"})
    results.meetings = _section(meetings)
    recommendations = db.session.execute(
        select(Recommendation.id, Recommendation.cycle, Recommendation.reference, Recommendation.sub_item,
               Recommendation.recommending_state,
               select(func.count()).where(RecommendationState.recommendation_id == Recommendation.id)
               .scalar_subquery().label("states"),
               Recommendation.text, Recommendation.response, func.count().over().label("total"))
        .where(_matches(words, q, (Recommendation.reference, Recommendation.text), _made_by))
        .order_by(Recommendation.cycle.desc(), Recommendation.reference_sort, Recommendation.id)
        .limit(SEARCH_ROWS)).all()
    results.recommendations = _section(recommendations)
    return results


def _section(rows) -> Section:
    # The last column of each row is the count of every match (a window over the same filtered rows).
    return Section(list(rows), rows[0].total if rows else 0)
