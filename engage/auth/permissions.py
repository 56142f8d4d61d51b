"""Role checks for pages. Every blueprint either requires a role for all its views or says why not."""
from __future__ import annotations

from functools import wraps
from inspect import isgenerator
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from flask_babel import gettext as _

from engage.audit.services import record_export
from engage.auth import sessions
from engage.clock import now_utc
from engage.extensions import login_manager
from engage.urls import is_safe_redirect


def _check(minimum: str):
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_role(minimum):
        abort(403)
    return None


def role_required(minimum: str):
    """Decorate a view so only users of at least `minimum` role reach it."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            refused = _check(minimum)
            if refused is not None:
                return refused
            return view(*args, **kwargs)
        return wrapped
    return decorator


def require_role_for_blueprint(bp, minimum: str) -> None:
    """Make every view of `bp` require at least `minimum` (individual views may ask for more)."""
    @bp.before_request
    def _guard():
        return _check(minimum)


def _return_to() -> str:
    # A GET comes back to itself; a POST cannot be replayed, so it returns to the page it came from.
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return local_referrer() or url_for("main.home")


def local_referrer() -> str | None:
    """The page this request came from, as a local path, when it is on this site; else None."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc and parts.netloc != request.host:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if is_safe_redirect(path) else None


def password_confirmed_within(minutes: int = 5):
    """Decorate a view so it runs only when the user typed their password in the last `minutes`.

    Otherwise the user is sent to "Confirm your password" and then back: to the same URL for a GET
    (an export downloads straight away), to the page the form was on for a POST (the user repeats
    the action, which then goes through). Signing in counts as typing the password. API calls are
    not asked again: a bearer token is its own credential, so do not put this on API views.
    Use it under the role check: `@role_required("admin")` then `@password_confirmed_within()`.
    """
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not sessions.password_recent(now_utc(), minutes):
                if request.method != "GET":
                    flash(_("Confirm your password, then do that again."), "info")
                return redirect(url_for("auth.confirm_password", next=_return_to()))
            return view(*args, **kwargs)
        return wrapped
    return decorator


def export_confirmed(kind: str, fmt: str = "csv", minutes: int = 5):
    """Decorate a web export view: the password is asked again (see password_confirmed_within),
    and a download that goes ahead leaves a "data exported" row in the audit log naming `kind`.

    The row is written only for a 200 whose file the view has already made (engage.downloads);
    the request boundary commits it before the file's first byte is sent; filters are not kept.
    A body still to be generated could fail (or never run) after the row claimed the data had
    left: refused.
    """
    def decorator(view):
        @password_confirmed_within(minutes)
        @wraps(view)
        def wrapped(*args, **kwargs):
            response = view(*args, **kwargs)
            status = getattr(response, "status_code", None)
            if status is None and isinstance(response, tuple) and len(response) > 1:
                status = response[1]
            if status in (None, 200):
                if isgenerator(getattr(response, "response", None)):
                    raise RuntimeError(f"{view.__name__} returns an export still to be generated; "
                                       "make it first with engage.downloads")
                record_export(current_user, now_utc(), kind, fmt, object_id=kwargs.get("contact_id"))
            return response
        return wrapped
    return decorator
