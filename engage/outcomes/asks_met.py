"""The one definition of "met about an ask", which the asks' planning view and the uptake report count.

It sits in outcomes, the lowest package that knows what it reads (meetings with asks on their
agendas, and the outcomes recorded on asks at them): the planning view (upr) and the uptake report
(reports) use it, and neither may import the other (docs/architecture.md, "Layers").
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engage.access.services import only_visible
from engage.directory.models import Contact, Organisation
from engage.extensions import db
from engage.meetings.models import Attendee, Meeting, meeting_ask

from .models import Outcome


def _seen(actor, query, *models):
    # Without an actor (the CLI, tests of these queries) every record counts.
    return only_visible(actor, query, *models) if actor is not None else query


def meetings_about_asks(ids: list[int], actor=None, member_id: int | None = None,
                        with_member: bool = False) -> list[tuple]:
    """(ask id, state, meeting id, start) for every meeting, not cancelled, with the ask on its agenda and
    someone from the state there (a contact of one of its organisations, any kind), or an outcome on the
    ask recorded for one of the state's organisations; with `actor`, only through what they may see.

    A state was met about an ask once such a meeting has begun (`starts_at <= now`); one still ahead is
    only booked. Callers decide which by the start each row gives. One statement, however many asks.
    `member_id`: only one member organisation's meetings (a coalition's); `with_member`: each row ends
    with its meeting's member id.
    """
    if not ids:
        return []
    member = (Meeting.member_id,) if with_member else ()
    by_attendance = (select(meeting_ask.c.ask_id, Organisation.country, Meeting.id, Meeting.starts_at, *member)
                     .join(Meeting, Meeting.id == meeting_ask.c.meeting_id)
                     .join(Attendee, Attendee.meeting_id == Meeting.id)
                     .join(Contact, Contact.id == Attendee.contact_id)
                     .join(Organisation, Organisation.id == Contact.organisation_id)
                     .where(meeting_ask.c.ask_id.in_(ids), Meeting.status != "cancelled",
                            Organisation.country.is_not(None)))
    by_outcome = (select(Outcome.ask_id, Organisation.country, Meeting.id, Meeting.starts_at, *member)
                  .join(Meeting, Meeting.id == Outcome.meeting_id)
                  .join(Organisation, Organisation.id == Outcome.organisation_id)
                  .where(Outcome.ask_id.in_(ids), Meeting.status != "cancelled", Organisation.country.is_not(None)))
    if member_id is not None:
        by_attendance, by_outcome = (q.where(Meeting.member_id == member_id) for q in (by_attendance, by_outcome))
    # An outcome is visible only with its meeting, so filtering outcomes filters the joined meeting too.
    query = _seen(actor, by_attendance, Contact, Meeting).union(_seen(actor, by_outcome, Outcome))
    return [tuple(row) for row in db.session.execute(query)]


def ask_positions(ids: list[int], now: datetime, actor=None, member_id: int | None = None) -> dict[tuple[int, str], str]:
    """{(ask id, state): position} — what each state last said of each ask: the position of its latest
    outcome on the ask (by the meeting's start, then the outcome's) at a meeting, not cancelled, begun by
    `now`, recorded for one of its organisations; with `actor`, only outcomes they may see; with
    `member_id`, only at that member organisation's meetings. One statement."""
    if not ids:
        return {}
    query = (select(Outcome.ask_id, Organisation.country, Outcome.position)
             .join(Meeting, Meeting.id == Outcome.meeting_id)
             .join(Organisation, Organisation.id == Outcome.organisation_id)
             .where(Outcome.ask_id.in_(ids), Outcome.position.is_not(None), Meeting.status != "cancelled",
                    Meeting.starts_at <= now, Organisation.country.is_not(None))
             .order_by(Meeting.starts_at, Outcome.id))
    if member_id is not None:
        query = query.where(Outcome.member_id == member_id)
    latest: dict[tuple[int, str], str] = {}
    for ask_id, state, position in db.session.execute(_seen(actor, query, Outcome)):
        latest[(ask_id, state)] = position  # in time order: the last one written stays
    return latest
