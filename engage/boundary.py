"""The request boundary: one transaction per request, and one place where a refusal becomes an answer.

A view parses its input, calls services (which only flush) and answers; it neither commits, nor
rolls back, nor catches ServiceError. Around it (docs/architecture.md, "The request boundary"):

- after the answer is made, `_finish` commits when its status is below 400 and rolls back
  otherwise. It runs after every other after_request hook, so what those write (the access
  guard's audit of restricted records) is in the same commit, and before the first byte of the
  body leaves (an export's "Data exported" row is committed before its file is sent);
- an exception rolls back, in the error handlers here (before an error page is rendered from a
  session that a failed flush left unusable) and in `_teardown`;
- a ServiceError a view lets through is answered by `_refused`: the API's JSON error shape for
  /api/, else what the view declared with `form_page`, `refused_form` or `refused_redirect`,
  else the error page with the service's status and message.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import flash, g, has_request_context, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError, IntegrityError

from engage.errors import NotFoundError, ServiceError
from engage.extensions import db
from engage.forms import apply_errors
from engage.i18n import N_


# ---- the error answers (here, below every view that gives one; engage.web's handlers use them too) ----

def error_response(status: int, code: str, message: str, fields: dict | None = None, **extra):
    """The API's error: `{"error": {"code", "message", "fields"}}` with the status."""
    body = {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}
    return jsonify(body), status


def error_page(status: int, code: str, message: str):
    """An error answer: the API's JSON shape under /api/, else the error page."""
    if _api():
        return error_response(status, code, message)
    return render_template("errors/error.html", status=status, message=message), status


def status_page(status: int):
    """The usual answer for 403 or 404, as engage.web's handlers give it."""
    code, message = {403: ("forbidden", N_("Your role does not allow this.")),
                     404: ("not_found", N_("There is nothing here."))}[status]
    return error_page(status, code, _(message))


# ---- what a view declares ----


def form_page(form, template: str, invalid_status: int = 200, **context) -> Callable:
    """Declare that a refusal re-renders `template` with `form` and the service's field errors.

    Returns the function that renders the page (with `invalid_status` when the form has errors),
    which is also the view's own answer to a GET or a form that did not validate.
    """
    def render():
        return render_template(template, form=form, **context), invalid_status if form.errors else 200
    return refused_form(form, render)


def on_refusal(answer: Callable[[ServiceError], object]) -> None:
    """Declare how this view answers a refusal: `answer(exc)`, called after the rollback."""
    g.refusal_answer = answer


def refused_form(form, render: Callable) -> Callable:
    """Declare that a refusal puts the service's field errors on `form`, then answers `render()`."""
    def answer(exc: ServiceError):
        apply_errors(form, exc)
        return render()
    on_refusal(answer)
    return render


def refused_redirect(url: str, form=None) -> str:
    """Declare that a refusal flashes the service's message and redirects to `url`; returns `url`.
    With `form`, a field error is named by the field's label rather than its key."""
    def answer(exc: ServiceError):
        flash(_labelled(exc, form), "danger")
        return redirect(url)
    on_refusal(answer)
    return url


def _labelled(exc: ServiceError, form) -> str:
    """The refusal's message, its first field named as the form labels it (users never see the keys)."""
    field = next(iter(exc.fields), None)
    if form is None or field is None or field not in form or not exc.fields[field]:
        return exc.message
    return f"{form[field].label.text}: {exc.fields[field][0]}"


def keep_refused() -> None:
    """Keep what this request wrote even though it answers with a refusal.

    For requests whose refusal is itself a fact to keep: a refused sign-in code's audit row is
    what counts the failures towards the lockout.
    """
    g.keep_refused = True


def _api() -> bool:
    return has_request_context() and request.path.startswith("/api/")


def _refused(exc: ServiceError):
    """The one answer to a ServiceError: JSON for the API, the declared page, or the error page."""
    keep = g.get("keep_refused")
    if not keep:
        db.session.rollback()  # before rendering: the page must show what is saved, not the refused change
    if _api():
        extra = {"details": exc.details} if exc.details is not None else {}
        return error_response(exc.status, exc.code, exc.message, exc.fields, **extra)
    answer = g.refusal_answer if "refusal_answer" in g else None
    if answer is not None:
        return answer(exc)
    if isinstance(exc, NotFoundError):
        return status_page(404)
    return error_page(exc.status, exc.code, exc.message)


def _db_refused(_exc):
    # A race or a value the database refused: roll back and say so, never a 500.
    db.session.rollback()
    return error_page(409, "conflict", _("The change clashed with existing data; nothing was saved."))


def _server_error(_exc):
    db.session.rollback()
    return error_page(500, "server_error", _("Something went wrong on our side; nothing was saved."))


def _finish(response):
    """Commit a success (below 400) or a kept refusal (below 500), roll back anything else."""
    kept = g.get("keep_refused") and response.status_code < 500
    if response.status_code >= 400 and not kept:
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except (IntegrityError, DataError) as exc:  # raised at commit (a deferred constraint): still a 409
        return _db_refused(exc)
    return response


def _start():
    # A request starts from what the database holds. In production its session is new; where one
    # outlives requests (an app context shared by several, as in tests), what it loaded before is
    # expired, so this request loads its own rows (and the access guard notes the restricted ones).
    session = db.session()
    if not (session.new or session.dirty or session.deleted):
        session.expire_all()


def _teardown(exc):
    # An exception that escaped every handler (tests propagate them) skips _finish; the session may
    # outlive the request (an app context shared by several), so nothing of this request stays pending.
    if exc is not None:
        db.session.rollback()
    for key in ("refusal_answer", "keep_refused"):
        g.pop(key, None)  # `g` too may outlive the request


def init_app(app) -> None:
    """Register the boundary. Call before anything else adds after_request hooks: Flask runs them
    in reverse order, and the commit must come after all of them."""
    if app.after_request_funcs.get(None):
        raise RuntimeError("engage.boundary.init_app must run before any other after_request hook")
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_teardown)
    app.register_error_handler(ServiceError, _refused)
    app.register_error_handler(IntegrityError, _db_refused)
    app.register_error_handler(DataError, _db_refused)
    app.register_error_handler(500, _server_error)
