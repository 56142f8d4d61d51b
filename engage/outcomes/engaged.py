"""The one definition of "engaged this cycle", which recommendations, planning and reports all count.

It sits in outcomes, the lowest package that knows both what it reads (meetings and the outcomes
recorded at them): the recommendations pages (upr) and coverage and the dashboard (reports) use it,
and neither may import the other (docs/architecture.md, "Layers").
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from engage.access.services import only_visible
from engage.clock import NAIROBI, start_of_day
from engage.directory.models import Contact, Organisation
from engage.extensions import db
from engage.meetings.models import Attendee, Meeting

from .models import Outcome


def _seen(actor, query, *models):
    # Without an actor (the CLI, tests of these queries) every record counts.
    return only_visible(actor, query, *models) if actor is not None else query


def engaged_states_query(since: date, now: datetime, until: date | None = None, actor=None):
    """A select() of the states (ISO codes) engaged between `since` (midnight Nairobi time) and `now`
    (and the end of `until`, if given): someone from one of their organisations — any kind — was at a
    meeting, not cancelled, that has started by then, or an outcome was recorded against one of their
    organisations at such a meeting. A meeting still ahead does not count: it may yet be cancelled
    or missed. With `actor`, only through the meetings, contacts and outcomes they may see.

    The one definition of "engaged this cycle": the recommendations pages and filters, the planning
    view, coverage, the dashboard and the printable summaries all use it.
    """
    end = min(now, start_of_day(until + timedelta(days=1), NAIROBI)) if until else now
    held = (Meeting.status != "cancelled", Meeting.starts_at >= start_of_day(since, NAIROBI),
            Meeting.starts_at <= end, Organisation.country.is_not(None))
    by_attendance = (select(Organisation.country)
                     .join(Contact, Contact.organisation_id == Organisation.id)
                     .join(Attendee, Attendee.contact_id == Contact.id)
                     .join(Meeting, Meeting.id == Attendee.meeting_id)
                     .where(*held))
    by_outcome = (select(Organisation.country)
                  .join(Outcome, Outcome.organisation_id == Organisation.id)
                  .join(Meeting, Meeting.id == Outcome.meeting_id)
                  .where(*held))
    # An outcome is visible only with its meeting, so filtering outcomes filters the joined meeting too.
    return _seen(actor, by_attendance, Contact, Meeting).union(_seen(actor, by_outcome, Outcome))


def engaged_states(since: date, now: datetime, until: date | None = None, actor=None) -> set[str]:
    """The states engaged between `since` and `now` (see engaged_states_query)."""
    return set(db.session.scalars(engaged_states_query(since, now, until, actor)))
