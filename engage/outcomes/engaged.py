"""The one definition of "engaged in a cycle", which recommendations, planning and reports all count.

It sits in outcomes, the lowest package that knows both what it reads (meetings and the outcomes
recorded at them): the recommendations pages (upr) and coverage and the dashboard (reports) use it,
and neither may import the other (docs/architecture.md, "Layers").
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select

from engage.access.services import only_visible
from engage.clock import NAIROBI, start_of_day
from engage.directory.models import Contact, Organisation
from engage.extensions import db
from engage.meetings.models import Attendee, Meeting

from .models import Outcome


def _seen(actor, query, *models):
    # Without an actor (the CLI, tests of these queries) every record counts.
    return only_visible(actor, query, *models) if actor is not None else query


def engaged_states_query(since: date, now: datetime, until: date | None = None, actor=None,
                         member_id: int | None = None, with_member: bool = False):
    """A select() of the states (ISO codes) engaged in a cycle's window, from `since` (midnight Nairobi
    time) to the end of `until` (None: still open): someone from one of their organisations — any
    kind — was at a meeting HELD in the window, or an outcome was recorded against one of their
    organisations at such a meeting. Held: marked held, or not cancelled and already ended by `now`.
    A meeting merely booked, or still going on, does not count: it may yet be cancelled or missed.
    With `actor`, only through the meetings, contacts and outcomes they may see.

    The one definition of "engaged in a cycle": the recommendations pages, filters and API, the
    planning view, coverage, the dashboard, the summaries and the cycle pages all use it, with the
    window of the cycle they name (engage/cycles/services.py, `window_of`). `with_member`: each state
    with the member organisation whose meeting engaged it (a row per state and member).
    """
    in_window = [Meeting.starts_at >= start_of_day(since, NAIROBI), Organisation.country.is_not(None)]
    if until is not None:
        in_window.append(Meeting.starts_at < start_of_day(until + timedelta(days=1), NAIROBI))
    happened = or_(Meeting.status == "held", and_(Meeting.status != "cancelled", Meeting.ends_at <= now))
    held = (*in_window, happened)
    if member_id is not None:  # one member's meetings only (coverage's choice in a coalition)
        held = (*held, Meeting.member_id == member_id)
    columns = (Organisation.country, Meeting.member_id) if with_member else (Organisation.country,)
    by_attendance = (select(*columns)
                     .join(Contact, Contact.organisation_id == Organisation.id)
                     .join(Attendee, Attendee.contact_id == Contact.id)
                     .join(Meeting, Meeting.id == Attendee.meeting_id)
                     .where(*held))
    by_outcome = (select(*columns)
                  .join(Outcome, Outcome.organisation_id == Organisation.id)
                  .join(Meeting, Meeting.id == Outcome.meeting_id)
                  .where(*held))
    # An outcome is visible only with its meeting, so filtering outcomes filters the joined meeting too.
    return _seen(actor, by_attendance, Contact, Meeting).union(_seen(actor, by_outcome, Outcome))


def engaged_states(since: date, now: datetime, until: date | None = None, actor=None,
                   member_id: int | None = None) -> set[str]:
    """The states engaged in the window from `since` to `until` as of `now` (see engaged_states_query),
    by one member's meetings with `member_id`."""
    return set(db.session.scalars(engaged_states_query(since, now, until, actor, member_id)))


def engaged_states_by_member(since: date, now: datetime, until: date | None = None, actor=None,
                             member_id: int | None = None) -> dict[str, set[int]]:
    """{state: the ids of the member organisations whose meetings engaged it} in the window (as
    engaged_states counts, through what `actor` may see): which member met whom, in a coalition."""
    found: dict[str, set[int]] = {}
    for state, member in db.session.execute(engaged_states_query(since, now, until, actor, member_id,
                                                                 with_member=True)):
        found.setdefault(state, set()).add(member)
    return found
