"""The home page, error pages, and what every template can use."""
from __future__ import annotations

import functools

from flask import Blueprint, Response, abort, g, has_request_context, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import bindparam, select
from werkzeug.exceptions import RequestURITooLarge
from markupsafe import Markup, escape

from engage import clock
from engage.access.services import granted_text, keep_visibility, sees_private_details, shows_in_full
from engage.members.services import coalition_mode, logo_of
from engage.boundary import error_page, status_page
from engage.auth import sessions
from engage.urls import id_url
from engage.auth.models import User
from engage.countries import country_name
from engage.directory.models import ORGANISATION_KINDS
from engage.directory.services import directory_counts
from engage.extensions import db, login_manager
from engage.history import action_words
from engage.i18n import N_, page_clock
from engage.meetings.models import MEETING_STATUSES
from engage.outcomes.services import today as today_in
from engage.start import services as start

bp = Blueprint("main", __name__)

NAV = [
    (N_("Meetings"), "meetings.index", "staff"),
    (N_("Directory"), "directory.organisations", "staff"),
    (N_("Recommendations"), "upr.index", "staff"),
    (N_("Asks"), "asks.index", "staff"),
    (N_("Cycles"), "cycles.index", "staff"),
    (N_("Outcomes"), "outcomes.index", "staff"),
    (N_("Implementation"), "implementation.matrix", "staff"),
    (N_("Reports"), "reports.index", "lead"),
    (N_("Admin"), "admin.users", "admin"),
    (N_("Organisation"), "organisation.edit", "admin"),
    (N_("Outbox"), "outbox.index", "admin"),
    (N_("Scheduler"), "scheduler.index", "admin"),
    (N_("Audit log"), "audit.index", "admin"),  # the DPO reaches it from their account page
    (N_("Access groups"), "access.groups", "admin"),
    (N_("Data protection"), "dataprotection.index", "dpo"),  # "dpo": the flag, not a rank
]


@bp.route("/")
@login_required
def home():
    now = clock.now_utc()
    team = request.args.get("meetings") == "team"
    return render_template("home.html", start=start.start_page(current_user, now, today_in(now), team=team),
                           counts=directory_counts(current_user))


@bp.route("/members/<int:member_id>/logo")
@login_required
def member_logo(member_id):
    """A member organisation's logo, for the header and the members page (signed-in users only: mail
    never links it, so no recipient's mail client fetches anything for it)."""
    found = logo_of(member_id)
    if found is None:
        abort(404)
    data, media_type = found
    response = Response(data, mimetype=media_type)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/search")
@login_required
def search():
    results = start.search(current_user, request.args.get("q"))
    return render_template("search.html", results=results, country_name=country_name,
                           kinds=ORGANISATION_KINDS, statuses=MEETING_STATUSES)


def url_with(**changes) -> str:
    """The current page's URL with some query parameters changed (None removes one); page resets to 1."""
    args = request.args.to_dict()
    if "page" not in changes:
        args.pop("page", None)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


MAX_QUERY_STRING = 8192  # bytes: far beyond any filter engage offers, far below what a proxy cuts off


def _refuse_long_query() -> None:
    # Refused before any view reads it (or a database is asked with it): a 414, the API's in JSON.
    if len(request.query_string) > MAX_QUERY_STRING:
        raise RequestURITooLarge(_("The query string is too long (%(size)s bytes; at most %(limit)s).",
                                   size=len(request.query_string), limit=MAX_QUERY_STRING))


def select_options(pairs, current, blank: str) -> Markup:
    """A filter's <option>s: `blank` (value "") first, then each (value, label), the one whose value
    reads as `current` selected; a (group label, tuple of (value, label)s) is an <optgroup>. What the `options` macro wrote, made once per distinct list and
    selection: the lists (every organisation, staff member, recommendation) are long and on every
    list page, and escaping them item by item in a macro was a large share of those pages."""
    return _options_html(tuple(pairs), str(current), blank)


@functools.lru_cache(maxsize=512)
def _options_html(pairs: tuple, current: str, blank: str) -> Markup:
    # Keyed by the whole list, so a changed name or a new organisation is a new entry, never stale.
    parts = [f'\n  <option value="">{escape(blank)}</option>\n  ']
    for value, label in pairs:
        if isinstance(label, tuple):  # (group label, its (value, label)s): an <optgroup>
            parts.append(f'<optgroup label="{escape(value)}">')
            parts.extend(f'<option value="{escape(v)}"{" selected" if str(v) == current else ""}>{escape(text)}</option>'
                         for v, text in label)
            parts.append("</optgroup>")
            continue
        selected = " selected" if str(value) == current else ""
        parts.append(f'<option value="{escape(value)}"{selected}>{escape(label)}</option>')
    parts.append("\n")
    return Markup("".join(parts))


@functools.cache
def _user_query():
    # The signed-in user and their grants in one statement, built once per process (building it anew,
    # as Session.get does, cost as much as running it). Users are never restricted: telling the access
    # hook so spares it from asking who is signed in while that is being worked out.
    user_id = bindparam("user_id")
    return (select(User, granted_text(user_id)).where(User.id == user_id)
            .execution_options(all_sensitivities=True))


def _forget_earlier_user() -> None:
    # Flask-Login keeps the user it loaded in `g`. Where an app context outlives requests (tests, a
    # command serving several), each request must still load its own, as a request in production does:
    # the session version is checked against the row on every request.
    g.pop("_login_user", None)


def init_app(app) -> None:
    """Login manager, session cookies, error pages and template helpers."""
    login_manager.init_app(app)
    app.session_interface = sessions.SessionInterface()
    app.before_request(_forget_earlier_user)
    app.before_request(_refuse_long_query)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Please sign in to see that page.")
    login_manager.localize_callback = _  # in the page's language, when it is flashed
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        # Read on every signed-in request, so the session version is checked against the row each time.
        # Nothing pending is flushed by it (a session kept across requests, in tests, may hold some).
        with db.session.no_autoflush:
            found = db.session.execute(_user_query(), {"user_id": user_id}).first()
        if found is None:
            return None
        user, granted = found
        if user.is_disabled or not sessions.is_current(user):
            return None  # a session ended by sign-out, a password or role change: signed out here too
        keep_visibility(user, granted)
        return user

    @app.errorhandler(400)
    def bad_request(exc):
        return error_page(400, "bad_request", getattr(exc, "description", None) or _("The request was malformed."))

    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        return error_page(400, "csrf", _("The form expired or came from elsewhere. Reload the page and try again."))

    @app.errorhandler(403)
    def forbidden(_exc):
        return status_page(403)

    @app.errorhandler(404)
    def not_found(_exc):
        return status_page(404)

    @app.errorhandler(405)
    def not_allowed(exc):
        body, status = error_page(405, "method_not_allowed", _("That method is not allowed here."))
        allowed = sorted(getattr(exc, "valid_methods", None) or [])
        return body, status, ({"Allow": ", ".join(allowed)} if allowed else {})  # RFC 9110 §15.5.6

    @app.errorhandler(413)
    def too_large(_exc):
        return error_page(413, "too_large", _("The upload is too large."))

    @app.errorhandler(414)
    def query_too_long(exc):
        return error_page(414, "uri_too_long", exc.description)

    @app.errorhandler(429)
    def too_many(_exc):
        return error_page(429, "rate_limited", _("Too many attempts. Wait a minute and try again."))

    # ServiceError (NotFoundError included), IntegrityError, DataError and 500: engage.boundary.

    @app.context_processor
    def template_globals():
        nav, section = [], None
        # Templates also render outside requests (dispatcher, CLI), where there is no user. (The user
        # and the endpoint are asked once: through their proxies, per item, they cost every page.)
        if has_request_context():
            user = current_user._get_current_object()
            if user.is_authenticated:
                nav = [(label, endpoint) for label, endpoint, role in NAV
                       if (user.is_dpo if role == "dpo" else user.has_role(role)) and endpoint in app.view_functions]
            endpoint = request.endpoint
            section = endpoint.split(".")[0] if endpoint else None
        return {"nav_items": nav, "nav_section": section, "clock": page_clock}

    app.add_template_global(url_with)
    app.add_template_global(shows_in_full)
    app.add_template_global(sees_private_details)
    app.add_template_global(coalition_mode)  # no word of members or sharing until a second member exists
    app.add_template_global(select_options)
    app.add_template_global(id_url)
    app.add_template_global(action_words, "history_action")
    # Dates in the page's language (i18n.page_clock): English pages read what `clock` writes.
    app.add_template_filter(page_clock.format_date, "date")
    app.add_template_filter(lambda v, z="Africa/Nairobi": page_clock.format_in_zone(v, z) if v else "", "in_zone")
    # Where the order of events within a minute matters (the audit log).
    app.add_template_filter(lambda v, z="Africa/Nairobi": page_clock.format_in_zone(v, z, seconds=True) if v else "",
                            "in_zone_seconds")
    app.add_template_filter(lambda v, z: page_clock.format_multi_zone(v, z) if v else "", "multi_zone")
