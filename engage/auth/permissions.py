"""Role checks for pages. Every blueprint either requires a role for all its views or says why not."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from engage.extensions import login_manager


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
