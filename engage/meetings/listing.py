"""Lists of meetings read as rows: the columns each row shows, no ORM records.

A page of 50 meetings with their attendees, contacts and organisations is about 500 ORM objects;
building them (identity map, loader options, relationship bookkeeping) was two thirds of a list
request. These functions read the same page with three column selects — the meetings (with their
organiser and the total), their attendees (with contact, organisation or user) and their agenda —
into plain rows. Who a reader sees is decided exactly as `people.people_of_meetings` decides it,
and what is read is noted for the access guard's audit, as loading the records would have done.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (BigInteger, Integer, String, bindparam, cast, func, literal_column, null, select, type_coerce,
                        union_all)

from engage.access import guard
from engage.access.services import VISIBILITY_APPLIED, visibility
from engage.auth.models import User
from engage.countries import country_name
from engage.dbtypes import JSONListText, iso_utc
from engage.directory.models import Contact, Organisation
from engage.extensions import db
from engage.members.services import coalition_mode
from engage.recommendations.models import Recommendation, shown_reference
from engage.statements import KeptStatements

from .models import Attendee, Meeting, MeetingLabels, meeting_ask, meeting_recommendation
from .people import ShownAttendees, other_attendees
from .titles import meeting_with

_MEETING_COLUMNS = (
    Meeting.id, Meeting.uid, Meeting.sequence, Meeting.title, Meeting.invitation_title, Meeting.invitation_titles,
    Meeting.description,
    Meeting.starts_at, Meeting.ends_at, Meeting.timezone, Meeting.location_kind, Meeting.location,
    Meeting.online_url, Meeting.status, Meeting.reminder_offsets, Meeting.tags, Meeting.sensitivity,
    Meeting.cancellation_reason, Meeting.created_at, Meeting.updated_at, Meeting.member_id, Meeting.sharing,
)

# The same, for lists that only print them (the API): instants as their ISO text in UTC with Z, JSON
# lists as tuples (dbtypes.iso_utc, JSONListText), with no datetime or list built per row.
_TEXT_COLUMNS = tuple(
    iso_utc(c).label(c.key) if c.key in ("starts_at", "ends_at", "created_at", "updated_at")
    else type_coerce(c, JSONListText()).label(c.key) if c.key in ("reminder_offsets", "tags") else c
    for c in _MEETING_COLUMNS)


@dataclass(slots=True)
class AttendeeRow:
    """One attendee as a list shows it: a contact (with organisation) or a staff user."""

    id: int
    contact_id: int | None
    user_id: int | None
    role: str
    response: str
    responded_at: datetime | None
    name: str
    email: str
    organisation_id: int | None
    organisation_name: str | None
    sensitivity: str | None  # the contact's; None for staff

    @property
    def contact(self) -> ContactView | None:
        """What calendar text reads of `attendee.contact`: its organisation's name (None for staff)."""
        if self.contact_id is None:
            return None
        org = OrganisationName(self.organisation_id, self.organisation_name) if self.organisation_id else None
        return ContactView(org)


@dataclass(frozen=True, slots=True)
class OrganisationName:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class ContactView:
    organisation: OrganisationName | None


@dataclass(frozen=True, slots=True)
class Organiser:
    email: str
    display_name: str


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """A recommendation on a meeting's agenda, as calendar text shows it."""

    id: int
    reference: str  # with its item: "102.3 (1)"
    recommending_state: str
    text: str

    @property
    def full_reference(self) -> str:
        return self.reference

    @property
    def state_name(self) -> str:
        return country_name(self.recommending_state)


@dataclass(slots=True)
class MeetingRow(MeetingLabels):
    """One meeting as a list shows it, with the attendees its reader may see (`shown`) and how many not."""

    id: int
    uid: str
    sequence: int
    title: str
    invitation_title: str | None
    invitation_titles: dict | None
    description: str | None
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location_kind: str
    location: str | None
    online_url: str | None
    status: str
    reminder_offsets: list | None
    tags: list | None
    sensitivity: str | None
    cancellation_reason: str | None
    created_at: datetime
    updated_at: datetime
    member_id: int
    sharing: str
    organiser_email: str
    organiser_name: str
    attendees: list = field(default_factory=list)  # every attendee, in attendee order
    shown: list = field(default_factory=list)  # those the reader may see
    hidden: int = 0
    recommendation_ids: list = field(default_factory=list)
    recommendations: list = field(default_factory=list)  # AgendaItems, with agenda="full"
    ask_ids: list = field(default_factory=list)

    __tablename__ = "meeting"  # what access helpers (restricted_badge, record_type_of) ask a record

    @property
    def organiser(self) -> Organiser:
        return Organiser(self.organiser_email, self.organiser_name)

    @property
    def is_restricted(self) -> bool:
        return self.sensitivity == "restricted"

    @property
    def people(self) -> RowPeople:
        """What `people.People` says of a meeting, for templates written for it."""
        return RowPeople(self.shown, self.hidden)

    @property
    def contacts(self) -> list:
        return self.people.contacts

    @property
    def staff(self) -> list:
        return self.people.staff

    @property
    def title_for_invitations(self) -> str:
        """As `Meeting.title_for_invitations`: the invitation title, or "Meeting with <organisations>"
        naming only organisations of contacts who are not restricted (whoever reads it)."""
        if self.invitation_title:
            return self.invitation_title
        names: dict = {}
        for a in self.attendees:
            if a.organisation_id is not None and a.sensitivity != "restricted":
                names.setdefault(a.organisation_id, a.organisation_name)
        return meeting_with(list(names.values()))


@dataclass(frozen=True, slots=True)
class RowPeople(ShownAttendees):
    """`people.People` for a list row: the attendees shown, how many are left out, their organisations."""

    shown: list
    hidden: int

    @property
    def organisations(self) -> list[OrganisationName]:
        """The organisations of the contacts shown, each once, in attendee order."""
        seen: dict = {}
        for a in self.shown:
            if a.organisation_id is not None:
                seen.setdefault(a.organisation_id, OrganisationName(a.organisation_id, a.organisation_name))
        return list(seen.values())


class RowsPagination(Pagination):
    """flask_sqlalchemy's Pagination (for the `pager` macro) over rows already read."""

    def __init__(self, items: list, total: int, page: int, per_page: int):
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False, items=items,
                         total=total)

    def _query_items(self) -> list:
        return self._query_args["items"]

    def _query_count(self) -> int:
        return self._query_args["total"]


@dataclass(frozen=True, slots=True)
class PreparedPage:
    """A list's statements built once (`prepared_page`): the page's columns with the limit and offset
    left as parameters, and the count of every row the query finds."""

    statement: object
    count: object
    as_text: bool = False


def _prepare(query, limit=None, offset=None, as_text: bool = False) -> PreparedPage:
    # The total by a count of ids, not a count(*) OVER () window on the page: the window makes the
    # database sort every matching row with all its columns (descriptions and all) before the limit,
    # about five times the cost of this page and a count of ids together. The count is a column of the
    # page's statement, an uncorrelated subquery that the database runs once (a statement of its own
    # cost as much again in the app); alone, it answers for a page past the last.
    ids = query.with_only_columns(Meeting.id, maintain_column_froms=True).order_by(None).subquery()
    count = select(func.count()).select_from(ids)
    statement = _columns(query, as_text).add_columns(count.scalar_subquery().label("total"))
    return PreparedPage(statement.limit(limit).offset(offset), count, as_text)


_KEPT = KeptStatements(256)


def prepared_page(key: tuple, build: Callable, as_text: bool = False) -> PreparedPage:
    """The page statements of `build()` (a select() of Meeting filtered for its reader, as
    `queries.meeting_query` makes it), kept per process under `key`.

    `key` must hold everything `build` depends on: the filters and the reader's
    `access.services.visibility_key` (whose granted ids the criterion holds). A statement is a
    value, not data: the same statement object runs again with the next limit and offset, so
    SQLAlchemy neither rebuilds it nor walks it for its cache key (together, about as much work as
    running it). The rows are read afresh every time. With `as_text`, the rows' instants are ISO
    text in UTC ending in Z and their tags and reminders tuples: for lists that only print them.
    """
    def built() -> PreparedPage:
        # The offset as a 64-bit value: page 10⁹ of 50 is past 32 bits, and PostgreSQL refused it (a 409).
        return _prepare(build(), bindparam("page_limit", type_=Integer), bindparam("page_offset", type_=BigInteger),
                        as_text)
    return _KEPT.get((*key, as_text), built)


def meeting_page(actor, query, page: int, per_page: int, agenda: str | None = "ids") -> tuple[list[MeetingRow], int]:
    """One page of `query` (a select() of Meeting built by `queries.meeting_query`, filtered for
    `actor`, or a `PreparedPage` of one) as rows, and the total it counts. Three statements (two
    without `agenda`; one more for a page past the last) whatever the page size. `agenda`: "ids" (recommendation_ids
    and ask_ids), "full" (recommendations as AgendaItems, and ask_ids) or None."""
    params = {}
    if isinstance(query, PreparedPage):
        params = {"page_limit": per_page, "page_offset": (page - 1) * per_page}
    else:
        query = _prepare(query, per_page, (page - 1) * per_page)
    # The services' own mark, `only_visible`, carries over from `query`; none is added here. A marked
    # query runs on the session's connection: these are columns, not records, so the ORM's loading has
    # nothing to do, and the access guard would pass it untouched. An unmarked one goes through the
    # session, so the guard still catches a caller that passes an unfiltered query.
    if query.statement.get_execution_options().get("visibility_applied"):
        run = db.session.connection().execute
    else:
        run = db.session.execute
    found = run(query.statement, params).all()
    total = found[0][-1] if found else run(query.count).scalar()
    rows = [MeetingRow(*r[:-3], organiser_email=r[-3], organiser_name=r[-2] or r[-3]) for r in found]
    _complete(actor, rows, agenda, query.as_text)
    return rows, total


def meeting_rows(actor, query, agenda: str | None = "full") -> list[MeetingRow]:
    """Every meeting of `query` (a select() of Meeting filtered for `actor`) as rows, in its order: three
    statements (two without `agenda`) however many."""
    found = db.session.execute(_columns(query))
    rows = [MeetingRow(*r[:-2], organiser_email=r[-2], organiser_name=r[-1] or r[-2]) for r in found]
    _complete(actor, rows, agenda)
    return rows


def _columns(query, as_text: bool = False):
    columns = _TEXT_COLUMNS if as_text else _MEETING_COLUMNS
    return (query.with_only_columns(*columns, User.email, User.full_name, maintain_column_froms=True)
            .join(User, Meeting.organiser_id == User.id))


def _complete(actor, rows, agenda, as_text: bool = False) -> None:
    _summarise(actor, rows)
    # Large lists (a feed of a year of meetings) ask for attendees and agenda in chunks: a bound
    # parameter per id, and SQLite allows some tens of thousands.
    for i in range(0, len(rows), 1000):
        chunk = rows[i:i + 1000]
        _add_people(actor, chunk, as_text)
        if agenda:
            _add_agenda(chunk, full=agenda == "full")


def _summarise(reader, rows: list[MeetingRow]) -> None:
    # Another member's meeting shared in summary: that it took place, with whom, on which asks; not
    # its notes (its purpose, a cancellation's reason). Nothing to do for a single organisation.
    if reader is None or not coalition_mode():
        return
    vis = visibility(reader)
    for r in rows:
        if not vis.sees_in_full(r):
            r.description = r.cancellation_reason = None


def _add_people(reader, rows: list[MeetingRow], as_text: bool = False) -> None:
    by_id = {r.id: r for r in rows}
    if not by_id:
        return
    restricted = {}
    # Plain columns, marked as seeing every sensitivity (this and the agenda statement below): they run on
    # the session's connection, with nothing for the ORM or the access guard to do.
    connection = db.session.connection()
    for (aid, mid, cid, uid, role, response, responded_at, c_name, c_email, org_id, org_name, sensitivity,
         c_member, u_name, u_email) in connection.execute(_attendees_query(as_text), {"meeting_ids": list(by_id)}).all():
        if cid is not None:
            row = AttendeeRow(aid, cid, None, role, response, responded_at, c_name, c_email, org_id, org_name,
                              sensitivity)
            if sensitivity == "restricted":
                restricted[cid] = c_member
        else:
            row = AttendeeRow(aid, None, uid, role, response, responded_at, u_name or u_email, u_email, None, None,
                              None)
        by_id[mid].attendees.append(row)
    hidden = _hidden_of(reader, restricted)
    for r in rows:
        r.shown = [a for a in r.attendees if a.contact_id is None or a.contact_id not in hidden]
        r.hidden = len(r.attendees) - len(r.shown)
    # What the guard notes when it loads records, so the audit after the response is the same.
    guard.note_loaded("meeting", [r.id for r in rows if r.sensitivity == "restricted"])
    guard.note_loaded("contact", restricted)


def _hidden_of(reader, restricted: dict) -> set:
    """Which of these restricted contacts ({id: member id}) `reader` may not see (None: a recipient
    outside engage, who holds no grant): as `people.people_of_meetings` decides."""
    if reader is None:
        return set(restricted)
    return visibility(reader).hidden_contacts(restricted)


def _add_agenda(rows: list[MeetingRow], full: bool = False) -> None:
    by_id = {r.id: r for r in rows}
    if not by_id:
        return
    found = db.session.connection().execute(_agenda_query(full), {"meeting_ids": list(by_id)}).all()
    for mid, kind, item_id, *more in found:
        row = by_id[mid]
        if kind == 1:
            row.ask_ids.append(item_id)
            continue
        row.recommendation_ids.append(item_id)
        if full:
            row.recommendations.append(AgendaItem(item_id, *more[:-1]))


# The attendee and agenda statements are the same for every list: built once per process, with the
# page's meeting ids as one expanding parameter. Building them anew (and coercing each id into a bound
# parameter, then walking the statement for its cache key) cost as much as running them.

@functools.cache
def _attendees_query(as_text: bool):
    # Every attendee, restricted contacts included: whom the reader sees is decided in _add_people,
    # as people.people_of_meetings decides it (a hidden contact is counted, never named).
    # (Core tables, not mapped classes: no ORM compilation or row loading for a few hundred rows.)
    a, c, o, u = Attendee.__table__.c, Contact.__table__.c, Organisation.__table__.c, User.__table__.c
    responded_at = iso_utc(a.responded_at).label("responded_at") if as_text else a.responded_at
    return (select(a.id, a.meeting_id, a.contact_id, a.user_id, a.role, a.response, responded_at, c.full_name,
                   c.email, c.organisation_id, o.name, c.sensitivity, c.member_id, u.full_name, u.email)
            .select_from(Attendee.__table__.outerjoin(Contact.__table__, a.contact_id == c.id)
                         .outerjoin(Organisation.__table__, c.organisation_id == o.id)
                         .outerjoin(User.__table__, a.user_id == u.id))
            .where(a.meeting_id.in_(bindparam("meeting_ids", expanding=True))).order_by(a.meeting_id, a.id)
            .execution_options(all_sensitivities=True))


@functools.cache
def _agenda_query(full: bool):
    # Recommendations and asks in one statement (UNION ALL, told apart by `kind`), so a list still
    # costs the same statements it did before asks came to agendas.
    link, asked = meeting_recommendation.c, meeting_ask.c
    recommendation = Recommendation.__table__.c
    ids = bindparam("meeting_ids", expanding=True)
    extra = ([shown_reference(Recommendation.__table__).label("reference"), recommendation.recommending_state,
              recommendation.text] if full else [])
    recommendations = (
        select(link.meeting_id.label("meeting_id"), literal_column("0").label("kind"),
               link.recommendation_id.label("item_id"), *extra, recommendation.reference_sort.label("sort_key"))
        .join(Recommendation.__table__, recommendation.id == link.recommendation_id)
        .where(link.meeting_id.in_(ids)))
    asks = select(asked.meeting_id, literal_column("1"), asked.ask_id,
                  *[cast(null(), String) for _ in extra], cast(null(), String)).where(asked.meeting_id.in_(ids))
    return (union_all(recommendations, asks)
            .order_by(literal_column("meeting_id"), literal_column("kind"), literal_column("sort_key"),
                      literal_column("item_id"))
            .execution_options(**VISIBILITY_APPLIED))


# ---- the agenda page (/meetings/) ----

@dataclass(slots=True)
class AgendaRow(MeetingLabels):
    """One meeting as the agenda page shows it: when, title, tags, place, status, and the organisations
    of the contacts its reader may see (with how many attendees are left out). Only those columns
    are read: the page needs neither descriptions (sealed when restricted), nor the organiser, nor
    the staff attendees."""

    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location_kind: str
    location: str | None
    status: str
    tags: list | None
    sensitivity: str | None
    organisation_names: str = ""  # "A, B": each once, in attendee order; "" for none
    hidden: int = 0

    __tablename__ = "meeting"  # what access helpers (restricted_badge, record_type_of) ask a record

    @property
    def is_restricted(self) -> bool:
        return self.sensitivity == "restricted"

    @property
    def hidden_phrase(self) -> str:
        return other_attendees(self.hidden)


@dataclass(frozen=True, slots=True)
class PreparedAgenda:
    """The agenda page's statements built once (`prepared_agenda`): its rows with the total, and the
    total alone (for a page past the last), with the time, the limit and the offset as parameters."""

    statement: object
    count: object


def prepared_agenda(key: tuple, build: Callable) -> PreparedAgenda:
    """The agenda page statements of `build(now)` (a select() of Meeting filtered for its reader, as
    `queries.meeting_query` makes it, given the time as a bind parameter), kept per process under `key`,
    which must hold everything `build` depends on but the time (as for `prepared_page`)."""
    def built() -> PreparedAgenda:
        query = build(bindparam("agenda_now"))
        m = Meeting.__table__.c
        columns = query.with_only_columns(m.id, m.title, m.starts_at, m.ends_at, m.timezone, m.location_kind,
                                          m.location, m.status, m.tags, m.sensitivity,
                                          func.count().over().label("total"), maintain_column_froms=True)
        return PreparedAgenda(
            columns.limit(bindparam("page_limit", type_=Integer)).offset(bindparam("page_offset", type_=BigInteger)),
            select(func.count()).select_from(query.order_by(None).subquery()))
    return _KEPT.get(("agenda", *key), built)


def agenda_page(actor, query: PreparedAgenda, page: int, per_page: int, now: datetime) -> tuple[list[AgendaRow], int]:
    """One page of `query` (`prepared_agenda`'s statements, for `actor`) at the time `now` as the agenda
    page's rows, and the total: two statements whatever the page size."""
    # (`only_visible`'s mark carries over from the query, as in meeting_page: marked, it runs on the
    # session's connection; unmarked, through the session, where the access guard catches it.)
    if query.statement.get_execution_options().get("visibility_applied"):
        run = db.session.connection().execute
    else:
        run = db.session.execute
    found = run(query.statement, {"agenda_now": now, "page_limit": per_page,
                                  "page_offset": (page - 1) * per_page}).all()
    if not found:  # past the last page (or none): the window counts nothing, so ask
        return [], run(query.count, {"agenda_now": now}).scalar()
    rows = [AgendaRow(*r[:-1]) for r in found]
    by_id = {r.id: r for r in rows}
    # The contact attendees only (staff are not shown), restricted ones included: who is left out is
    # decided below, as people.people_of_meetings decides it.
    attendees = db.session.connection().execute(_agenda_attendees_query(), {"meeting_ids": list(by_id)}).all()
    restricted = {cid: member for _, cid, _, _, sensitivity, member in attendees if sensitivity == "restricted"}
    hidden = _hidden_of(actor, restricted)
    names: dict[int, dict] = {mid: {} for mid in by_id}
    for mid, cid, org_id, org_name, _, _ in attendees:
        if cid in hidden:
            by_id[mid].hidden += 1
        elif org_id is not None:
            names[mid].setdefault(org_id, org_name)
    for r in rows:
        r.organisation_names = ", ".join(names[r.id].values())
    # What the guard notes when it loads records, so the audit after the response is the same.
    guard.note_loaded("meeting", [r.id for r in rows if r.sensitivity == "restricted"])
    guard.note_loaded("contact", restricted)
    return rows, found[0][-1]


@functools.cache
def _agenda_attendees_query():
    # Plain columns of every contact attendee (restricted ones included), marked as seeing every
    # sensitivity: built once, run on the session's connection, as _attendees_query.
    a, c, o = Attendee.__table__.c, Contact.__table__.c, Organisation.__table__.c
    return (select(a.meeting_id, a.contact_id, c.organisation_id, o.name, c.sensitivity, c.member_id)
            .select_from(Attendee.__table__.join(Contact.__table__, a.contact_id == c.id)
                         .outerjoin(Organisation.__table__, c.organisation_id == o.id))
            .where(a.meeting_id.in_(bindparam("meeting_ids", expanding=True))).order_by(a.meeting_id, a.id)
            .execution_options(all_sensitivities=True))
