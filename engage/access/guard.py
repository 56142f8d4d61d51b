"""The request-wide guard: restricted records vanish from every query, and every one shown is audited.

Two SQLAlchemy hooks, active only while a request is being served:

- a safety net for visibility. Services filter their own queries with `services.visible()` and mark
  them (`services.only_visible`, `select_visible`, or `execution_options(visibility_applied=True)`);
  marked statements pass untouched. Collections of contacts, meetings or outcomes loaded through
  relationships (an organisation's contacts) are filtered here; single related records are not
  (code that holds an attendee must find its contact), and pages mask those with `can_see`. Any
  other SELECT of a contact, meeting or outcome is filtered here as well, so nothing leaks, and a
  WARNING names the endpoint and the model: its service forgot. The criteria come from the actor's
  `services.visibility()`, loaded once per request. A query that must see everything (a uniqueness
  or clash check) says `execution_options(all_sensitivities=True)`.
- every restricted record loaded while serving a request is noted; after a successful response,
  one audit row per record the user may see is written: "restricted_exported" for downloads,
  "restricted_viewed" otherwise. Streamed downloads audit before streaming (see
  `services.audit_restricted_ids`), since their rows load after the response has left.

Outside requests (scheduler, CLI, tests calling services) nothing is filtered: those callers
pass `visible(actor, Model)` themselves where a person is being served.
"""
from __future__ import annotations

import functools
import logging

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from engage import clock
from engage.audit.services import record_event
from engage.extensions import db, model_for

from . import services

log = logging.getLogger("engage.access")
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


def _applies(state) -> bool:
    if not state.is_select or state.is_column_load:
        return False
    if state.execution_options.get("all_sensitivities") or not has_request_context():
        return False
    return request.blueprint not in UNFILTERED_BLUEPRINTS


def _unfiltered_models(statement) -> set:
    """The restricted-record models (by table name) a statement reads outside any part marked as
    filtered by its service: a marked subquery (a paginated count, say) counts as filtered."""
    found = set()
    stack = [statement]
    while stack:
        element = stack.pop()
        options = getattr(element, "_execution_options", None)
        if options and options.get("visibility_applied"):
            continue
        annotations = getattr(element, "_annotations", None)
        if annotations:
            mapper = annotations.get("parentmapper")
            if mapper is not None and mapper.local_table.name in _MODELS:
                found.add(mapper.local_table.name)
        stack.extend(element.get_children())
    return found


def _add_criteria(state) -> None:
    """The safety net. Services filter their own statements with `services.visible()` and mark them
    (`services.only_visible`, `select_visible`): those pass untouched. A collection loaded through a
    relationship (an organisation's contacts) is filtered here, as a matter of course. Any other SELECT
    of contacts, meetings or outcomes in a request is filtered here too, and logged as a warning: its
    service forgot."""
    if not _applies(state):
        return
    if state.is_relationship_load:
        # A single related record (an attendee's contact, an outcome's meeting) is not filtered: code
        # that holds the row needs it, and pages mask it with `can_see`.
        if not _loads_a_collection(state):
            return
        models = {mapper.local_table.name for mapper in state.all_mappers} & _MODELS.keys()
        forgotten = False
    else:
        if state.execution_options.get("visibility_applied"):
            return
        models = _unfiltered_models(state.statement)
        forgotten = True
    if not models:
        return
    actor = current_actor()
    if actor is _RESOLVING:
        return
    if forgotten:
        _warn(models)
    vis = services.visibility(actor)
    if vis.sees_everything:
        return
    state.statement = state.statement.options(*(vis.loader_criteria(_MODELS[name]()) for name in sorted(models)))


def _warn(models) -> None:
    endpoint = request.endpoint or request.path
    warned = g.setdefault("_access_warned", set())
    for name in sorted(models):
        if (endpoint, name) not in warned:
            warned.add((endpoint, name))
            log.warning("a query of %s in %s was not filtered by its service (the access guard filtered it)",
                        _LABELS[name], endpoint)


# The guarded tables, by name: the classes are defined by domains above access (model_for finds them).
GUARDED = ("contact", "meeting", "outcome", "assessment")
_MODELS = {name: functools.partial(model_for, name) for name in GUARDED}
_LABELS = {"contact": "Contact", "meeting": "Meeting", "outcome": "Outcome", "assessment": "Assessment"}


def _note(target) -> None:
    # Outcomes and assessments are noted whatever their own sensitivity: their meeting may make them
    # restricted. (The cheap attribute test first: this runs for every guarded record loaded.)
    if target.__tablename__ not in services.MEETING_BOUND and target.__dict__.get("sensitivity") != "restricted":
        return
    if not has_request_context():
        return
    try:
        g.setdefault("restricted_loaded", set()).add((target.__tablename__, target.id))
    except RuntimeError:
        pass


def note_loaded(kind: str, ids) -> None:
    """Note restricted records a service read as plain columns (`kind`: "contact", "meeting" or "outcome"),
    as loading them as records would have: the audit after the response covers them too."""
    ids = list(ids)
    if not ids or not has_request_context():
        return
    g.setdefault("restricted_loaded", set()).update((kind, i) for i in ids)


def _on_load(target, _context):
    _note(target)


def _on_refresh(target, _context, _attrs):
    _note(target)


def _download(response) -> bool:
    disposition = response.headers.get("Content-Disposition", "")
    return "attachment" in disposition or response.mimetype in (
        "text/csv", "text/vcard", "text/calendar",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def audit_export(model, query) -> None:
    """For an export of `query`'s rows, made in full: audit its restricted records (not committed).

    Exports read their rows as plain columns, which leave no note for `_audit_after`, so they are
    counted here, after the file was made; the request boundary commits them with export_confirmed's
    "Data exported" row, so a failed export leaves neither.
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
    Meeting = model_for("meeting")
    action = "restricted_exported" if _download(response) else "restricted_viewed"
    now = clock.now_utc()
    for model in (model_for(name) for name in GUARDED):
        ids = {record_id for kind, record_id in loaded if kind == model.__tablename__}
        if not ids:
            continue
        restricted = model.sensitivity == "restricted"
        if model.__tablename__ in services.MEETING_BOUND:
            restricted = restricted | model.meeting_id.in_(
                select(Meeting.id).where(Meeting.sensitivity == "restricted"))
        query = (select(model.id).where(model.id.in_(ids), restricted, services.visible(actor, model))
                 .order_by(model.id).execution_options(all_sensitivities=True))
        for record_id in db.session.scalars(query):
            record_event(actor, now, action, object_type=model.__tablename__, object_id=record_id)
    return response  # engage.boundary commits the rows with the request (its hook runs after this one)


def init_app(app) -> None:
    """Install the query filter, the load notes and the audit after each response."""
    if not event.contains(Session, "do_orm_execute", _add_criteria):
        event.listen(Session, "do_orm_execute", _add_criteria)
        for model in (model_for(name) for name in GUARDED):
            event.listen(model, "load", _on_load)
            event.listen(model, "refresh", _on_refresh)
    app.before_request(_fresh_request)
    app.after_request(_audit_after)


def _fresh_request():
    # `g` normally dies with its request; where an app context outlives requests (tests), start clean.
    # (The kept Visibility is not dropped here: it names the request it was read for, and the signed-in
    # user's, read with the user before this hook runs, belongs to this one.)
    for key in ("access_actor", "restricted_loaded", "restricted_audited", "_access_resolving", "_access_warned"):
        g.pop(key, None)
