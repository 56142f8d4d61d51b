"""Finding meetings: the filtered lists (pages and API), the calendar's weeks and months, the tags in use.

Reads only; each takes `actor` and then shows only what they may see (engage/access).
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import String, and_, cast, func, or_, select

from engage.access.services import hidden_ids, in_full, only_visible, visibility_key
from engage.directory.models import Contact, Organisation
from engage.extensions import db

from .models import Attendee, Meeting, meeting_recommendation


def _tag_pattern(tag: str) -> str:
    encoded = json.dumps(tag)  # as the JSON column stores it, quotes included
    return "%" + encoded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def meeting_query(*, now: datetime, when: str = "upcoming", staff_id: int | None = None,
                  organisation_id: int | None = None, contact_id: int | None = None, city: str | None = None,
                  status: str | None = None, tag: str | None = None, recommendation_id: int | None = None,
                  q: str | None = None, starts_from: datetime | None = None, starts_before: datetime | None = None,
                  actor=None, member_id: int | None = None):
    """A select() of meetings matching the filters: upcoming soonest first, past latest first.

    The attendee filters (contact, organisation, city) look only at contacts `actor` may see;
    `member_id`: one member organisation's meetings (of those the actor may see).
    """
    def seen():
        # A restricted contact the actor may not see attends nothing: its id, its organisation or its
        # city must find exactly what a contact that does not exist finds (no total to count).
        # (Built only for those filters: most lists have none, and building it is not free.)
        return Attendee.contact_id.not_in(hidden_ids(actor, Contact))

    query = select(Meeting)
    if when == "upcoming":
        query = query.where(Meeting.ends_at >= now).order_by(Meeting.starts_at, Meeting.id)
    elif when == "past":
        query = query.where(Meeting.ends_at < now).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    else:
        query = query.order_by(Meeting.starts_at, Meeting.id)
    if staff_id is not None:
        query = query.where(or_(Meeting.organiser_id == staff_id, Meeting.id.in_(
            select(Attendee.meeting_id).where(Attendee.user_id == staff_id))))
    if contact_id is not None:
        query = query.where(Meeting.id.in_(select(Attendee.meeting_id).where(Attendee.contact_id == contact_id,
                                                                             seen())))
    if organisation_id is not None:
        query = query.where(Meeting.id.in_(select(Attendee.meeting_id).join(Contact, Attendee.contact_id == Contact.id)
                                           .where(Contact.organisation_id == organisation_id, seen())))
    if city:
        query = query.where(Meeting.id.in_(
            select(Attendee.meeting_id).join(Contact, Attendee.contact_id == Contact.id)
            .join(Organisation, Contact.organisation_id == Organisation.id)
            .where(func.lower(Organisation.city) == city.strip().lower(), seen())))
    if status:
        query = query.where(Meeting.status == status)
    if member_id is not None:
        query = query.where(Meeting.member_id == member_id)
    if tag:
        query = query.where(cast(Meeting.tags, String).like(_tag_pattern(tag.strip()), escape="\\"))
    if recommendation_id is not None:
        query = query.where(Meeting.id.in_(select(meeting_recommendation.c.meeting_id)
                                           .where(meeting_recommendation.c.recommendation_id == recommendation_id)))
    if q:
        like = f"%{q.strip().lower()}%"
        notes = func.lower(func.coalesce(Meeting.description, "")).like(like)
        if actor is not None:  # another member's notes shared in summary are not searched either
            notes = and_(notes, in_full(actor, Meeting))
        query = query.where(or_(func.lower(Meeting.title).like(like), notes,
                                func.lower(func.coalesce(Meeting.location, "")).like(like)))
    if starts_from is not None:
        query = query.where(Meeting.starts_at >= starts_from)
    if starts_before is not None:
        query = query.where(Meeting.starts_at < starts_before)
    return only_visible(actor, query, Meeting) if actor is not None else query


def meetings_between(start: datetime, end: datetime, staff_id: int | None = None,
                     include_cancelled: bool = True, actor=None) -> list[Meeting]:
    """Meetings overlapping [start, end), soonest first (for week and month views); with `actor`, only
    those they may see."""
    query = select(Meeting).where(Meeting.starts_at < end, Meeting.ends_at > start)
    if actor is not None:
        query = only_visible(actor, query, Meeting)
    if not include_cancelled:
        query = query.where(Meeting.status != "cancelled")
    if staff_id is not None:
        query = query.where(or_(Meeting.organiser_id == staff_id, Meeting.id.in_(
            select(Attendee.meeting_id).where(Attendee.user_id == staff_id))))
    return list(db.session.scalars(query.order_by(Meeting.starts_at, Meeting.id)))


_TAG_QUERIES: dict = {}


def tags_in_use(actor=None) -> list[str]:
    """Every tag on any meeting (that `actor` may see), sorted, for the filter."""
    tags: set[str] = set()
    # Each distinct list once (most meetings share a few): the filter is on every meetings page.
    # (As text: PostgreSQL's json type has no equality, so no DISTINCT.) The statement is built once per
    # reader's grants (visibility_key) and runs on the session's connection: plain text, marked as filtered.
    key = visibility_key(actor) if actor is not None else None
    query = _TAG_QUERIES.get(key)
    if query is None:
        query = select(cast(Meeting.tags, String)).distinct()
        query = only_visible(actor, query, Meeting) if actor is not None else query
        if len(_TAG_QUERIES) > 256:  # many readers with different grants: start again
            _TAG_QUERIES.clear()
        _TAG_QUERIES[key] = query
    run = db.session.connection().execute if actor is not None else db.session.execute
    for (row,) in run(query):
        tags.update(json.loads(row) if row else [])
    return sorted(tags, key=str.lower)
