"""The API blueprint: error handling, the OpenAPI document, and the route decorator resources use."""
from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.exceptions import HTTPException

from engage.boundary import error_response

from .common import ApiError, token_required
from .openapi import ROUTES, RouteDoc, build_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def api_route(rule: str, method: str, summary: str, role: str = "staff", **doc):
    """Register an API view with token auth for `role`, and describe it in the OpenAPI document."""
    def decorator(view):
        ROUTES.append(RouteDoc(rule=rule, method=method, summary=summary, role=role, **doc))
        guarded = token_required(role)(view)
        endpoint = f"{view.__module__.rsplit('.', 1)[-1]}_{view.__name__}"
        bp.add_url_rule(rule, endpoint=endpoint, view_func=guarded, methods=[method])
        return guarded
    return decorator


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    # The boundary rolls back every answer of 400 or more; a ServiceError is answered there too.
    return error_response(exc.status, exc.code, exc.message, exc.fields, **exc.extra)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return error_response(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"),
                          exc.description or exc.name)


@bp.route("/openapi.json")
def openapi():
    return jsonify(build_document())


# Resource modules register their routes on `bp` when imported.
from engage.api import dataprotection, directory, meetings, outbox, outcomes, recommendations, replies  # noqa: E402,F401
