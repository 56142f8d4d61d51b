"""The request-wide guard: restricted records vanish from every query, and every one shown is audited.

Two SQLAlchemy hooks, active only while a request is being served:

- every ORM SELECT gets `with_loader_criteria(visible(...))` for Contact, Meeting and Outcome,
  so lists, searches, counts, reports, exports and the API never return a restricted record the
  signed-in user (or API token's user, or the owner of a calendar feed) may not see — without
  each query remembering to ask. Collections loaded through relationships (an organisation's
  contacts) are filtered too; single related records are not (code that holds an attendee must
  find its contact), and pages mask those with `can_see_record`. A query that must
  see everything (a uniqueness or clash check) says `execution_options(all_sensitivities=True)`.
- every restricted record loaded while serving a request is noted; after a successful response,
  one audit row per record the user may see is written: "restricted_exported" for downloads,
  "restricted_viewed" otherwise. Streamed downloads audit before streaming (see
  `services.audit_restricted_ids`), since their rows load after the response has left.

Outside requests (scheduler, CLI, tests calling services) nothing is filtered: those callers
pass `visible(actor, Model)` themselves where a person is being served.
"""
from __future__ import annotations

from flask import g, has_request_context, request
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, with_loader_criteria

from engage import clock
from engage.extensions import db

from . import services

_RESOLVING = object()
# Blueprints whose callers are identified by a signed link rather than a login: the link is the key.
UNFILTERED_BLUEPRINTS = {"rsvp"}


def act_as(user) -> None:
    """Serve the rest of this request on behalf of `user` (a calendar feed's owner, say)."""
    g.access_actor = user


def current_actor():
    """Whom this request is served for: an explicit actor, the API token's user, the signed-in user, or None.

    The signed-in user is the one Flask-Login loaded once for this request. Asked after the
    request's session was removed (a body sent after its view returned), the user is loaded again
    by id in the session open then, never read detached (its attributes expired at the last commit).
    """
    if g.get("_access_resolving"):
        return _RESOLVING
    g._access_resolving = True
    try:
        if "access_actor" in g:
            actor = g.access_actor = _in_open_session(g.access_actor)
            return actor
        if request.blueprint == "api":
            return g.get("api_user")  # None until the token is checked: nothing restricted shows
        from flask_login import current_user

        user = _in_open_session(current_user._get_current_object())
        return user if user is not None and user.is_authenticated else None
    finally:
        g._access_resolving = False


def _in_open_session(user):
    # Reading the detached user's `id` would raise too: its identity key holds the id without a load.
    state = inspect(user, raiseerr=False)
    if state is None or not state.detached:
        return user
    return db.session.get(type(user), state.identity[0], execution_options={"all_sensitivities": True})


def _loads_a_collection(state) -> bool:
    prop = getattr(state.loader_strategy_path, "prop", None)
    return bool(getattr(prop, "uselist", False))


def _filtering_applies(state) -> bool:
    if not state.is_select or state.is_column_load:
        return False
    # Collections (an organisation's contacts) are lists like any other: filtered. A single related
    # record (an attendee's contact, an outcome's meeting) is not: code that holds the row needs it.
    if state.is_relationship_load and not _loads_a_collection(state):
        return False
    if state.execution_options.get("all_sensitivities") or not has_request_context():
        return False
    return request.blueprint not in UNFILTERED_BLUEPRINTS


def _add_criteria(state) -> None:
    if not _filtering_applies(state):
        return
    actor = current_actor()
    if actor is _RESOLVING or services.is_dpo(actor):
        return
    from engage.directory.models import Contact
    from engage.meetings.models import Meeting
    from engage.outcomes.models import Outcome

    state.statement = state.statement.options(*(
        with_loader_criteria(model, services.visible(actor, model), include_aliases=True)
        for model in (Contact, Meeting, Outcome)))


def _note(target) -> None:
    if not has_request_context():
        return
    # Outcomes are noted whatever their own sensitivity: their meeting may make them restricted.
    if target.__tablename__ != "outcome" and target.__dict__.get("sensitivity") != "restricted":
        return
    try:
        g.setdefault("restricted_loaded", set()).add((target.__tablename__, target.id))
    except RuntimeError:
        pass


def _on_load(target, context):
    _note(target)


def _on_refresh(target, context, attrs):
    _note(target)


def _download(response) -> bool:
    disposition = response.headers.get("Content-Disposition", "")
    return "attachment" in disposition or response.mimetype in (
        "text/csv", "text/vcard", "text/calendar",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def audit_export(model, query) -> None:
    """For an export of `query`'s rows, made in full: audit its restricted records (not committed).

    Exports read their rows as plain columns, which leave no note for `_audit_after`, so they are
    counted here, after the file was made; export_confirmed commits them with its "Data exported"
    row, so a failed export leaves neither.
    """
    services.audit_restricted_ids(current_actor(), clock.now_utc(), model, query, "restricted_exported")
    g.restricted_audited = True


def _audit_after(response):
    loaded = g.pop("restricted_loaded", None)
    if not loaded or response.status_code >= 300 or g.get("restricted_audited"):
        return response
    actor = current_actor()
    if actor is _RESOLVING:
        return response
    from engage.audit.services import record_event
    from engage.directory.models import Contact
    from engage.meetings.models import Meeting
    from engage.outcomes.models import Outcome

    action = "restricted_exported" if _download(response) else "restricted_viewed"
    now = clock.now_utc()
    written = 0
    for model in (Contact, Meeting, Outcome):
        ids = {record_id for kind, record_id in loaded if kind == model.__tablename__}
        if not ids:
            continue
        restricted = model.sensitivity == "restricted"
        if model is Outcome:
            restricted = restricted | Outcome.meeting_id.in_(
                select(Meeting.id).where(Meeting.sensitivity == "restricted"))
        query = (select(model.id).where(model.id.in_(ids), restricted, services.visible(actor, model))
                 .order_by(model.id).execution_options(all_sensitivities=True))
        for record_id in db.session.scalars(query):
            record_event(actor, now, action, object_type=model.__tablename__, object_id=record_id)
            written += 1
    if written:
        db.session.commit()
    return response


def init_app(app) -> None:
    """Install the query filter, the load notes and the audit after each response."""
    from engage.directory.models import Contact
    from engage.meetings.models import Meeting
    from engage.outcomes.models import Outcome

    if not event.contains(Session, "do_orm_execute", _add_criteria):
        event.listen(Session, "do_orm_execute", _add_criteria)
        for model in (Contact, Meeting, Outcome):
            event.listen(model, "load", _on_load)
            event.listen(model, "refresh", _on_refresh)
    app.before_request(_fresh_request)
    app.after_request(_audit_after)


def _fresh_request():
    # `g` normally dies with its request; where an app context outlives requests (tests), start clean.
    for key in ("access_actor", "restricted_loaded", "restricted_audited", "_access_resolving"):
        g.pop(key, None)
