"""What a signed-in browser session remembers about itself: when it began, when it was last used,
when the password was last typed, the account's session version it began under, and a sign-in
waiting for its second factor.

The version makes sessions revocable without a session table: the user row holds a number, each
session cookie the number it began under, and the user loader (engage/web.py) refuses a session
whose number is not the row's. Raising the number (`User.end_sessions`) ends every session of
the account, a copied cookie included, at no cost per request: the row is read anyway.

Times are kept in the (signed) session cookie as whole seconds since the epoch, read from the
injected clock, so tests move them with time-machine like everything else. The last use is noted
to the minute: a cookie signed and sent again on every request cost more than the rest of a small
page's session handling together.
"""
from __future__ import annotations

from datetime import datetime

from flask import session
from flask.sessions import SecureCookieSessionInterface

AUTH_AT = "auth_at"          # when the password (and second factor) were accepted
SEEN_AT = "seen_at"          # the last request of this session
PASSWORD_AT = "password_at"  # the last time the password was typed (sign-in or confirmation)
PENDING = "pending_2fa"      # {"user_id", "at"}: password accepted, code not yet
VERSION = "session_version"  # the user's session_version when this session began
SEEN_PRECISION = 60  # seconds: the last use is noted again only once this much has passed


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the serializer made once per set of keys rather than for
    every request (making it serialises a probe value, as much work as reading the cookie)."""

    def __init__(self):
        self._serializers: dict = {}

    def get_signing_serializer(self, app):
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        found = self._serializers.get(keys)
        if found is None:
            found = super().get_signing_serializer(app)
            if len(self._serializers) > 8:  # keys changed at run time (tests): keep few
                self._serializers.clear()
            self._serializers[keys] = found
        return found


def _stamp(now: datetime) -> int:
    return int(now.timestamp())


def start(now: datetime, user) -> None:
    """Note a fresh sign-in of `user`: the password was just typed."""
    session.pop(PENDING, None)
    session[AUTH_AT] = session[SEEN_AT] = session[PASSWORD_AT] = _stamp(now)
    keep(user)


def keep(user) -> None:
    """Let this session live on under the user's current session version (after ending the others)."""
    session[VERSION] = user.session_version or 0


def is_current(user) -> bool:
    """False when the account's sessions were ended since this one began (sign-out, password, role…).

    A session from before versions existed counts as version 0, so deploying them signs nobody out.
    """
    return session.get(VERSION, 0) == (user.session_version or 0)


def touch(now: datetime) -> None:
    """Note this request as the session's latest use, to the minute: within a minute of the last note
    the cookie is left as it is (not signed and sent again). The idle limit then counts from up to a
    minute before the last request, so a session never outlives it."""
    stamp = _stamp(now)
    seen = session.get(SEEN_AT)
    if seen is None or not 0 <= stamp - int(seen) < SEEN_PRECISION:
        session[SEEN_AT] = stamp


def expiry_reason(now: datetime, idle_minutes: int | None, max_hours: int | None) -> str | None:
    """'idle' or 'absolute' when the session has run out, else None.

    A session without times (signed in before this check existed) counts as expired. A clock that
    went backwards (a test pinning an earlier instant) counts as no time passed.
    """
    if not idle_minutes and not max_hours:
        return None
    if AUTH_AT not in session:
        return "absolute"
    stamp = _stamp(now)
    if max_hours and stamp - int(session[AUTH_AT]) > max_hours * 3600:
        return "absolute"
    if idle_minutes and stamp - int(session.get(SEEN_AT, session[AUTH_AT])) > idle_minutes * 60:
        return "idle"
    return None


def confirm_password(now: datetime) -> None:
    """Note that the password was just typed again."""
    session[PASSWORD_AT] = _stamp(now)


def password_recent(now: datetime, minutes: int) -> bool:
    """True when the password was typed within the last `minutes`."""
    at = session.get(PASSWORD_AT)
    return at is not None and _stamp(now) - int(at) <= minutes * 60


def set_pending(user_id: int, now: datetime) -> None:
    """Remember a user whose password was right and who still owes the second factor."""
    session[PENDING] = {"user_id": user_id, "at": _stamp(now)}


def pending_user_id(now: datetime, within_minutes: int = 5) -> int | None:
    """The user waiting for the second step, if they entered their password recently enough."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    try:
        user_id, at = int(pending["user_id"]), int(pending["at"])
    except (KeyError, TypeError, ValueError):
        return None
    if _stamp(now) - at > within_minutes * 60:
        return None
    return user_id


def clear_pending() -> None:
    """Forget a half-finished sign-in."""
    session.pop(PENDING, None)


def clear() -> None:
    """Forget every time this module keeps (on sign-out)."""
    for key in (AUTH_AT, SEEN_AT, PASSWORD_AT, PENDING, VERSION):
        session.pop(key, None)
