"""The API blueprint: every resource's routes registered explicitly, error handling, the OpenAPI document."""
from __future__ import annotations

from inspect import isfunction

from flask import Blueprint, jsonify
from werkzeug.exceptions import HTTPException

from engage.boundary import error_response

from . import (asks, board, clusters, cycles, dataprotection, directory, implementation, meetings, outbox, outcomes,
               recommendation_sources, recommendations, replies, reports)
from .common import ApiError, checked_query, token_required
from .openapi import build_document, query_parameter

# The modules whose views (marked with @api_route) make up the API, in the document's order.
RESOURCES = (asks, board, clusters, cycles, dataprotection, directory, implementation, meetings, outbox, outcomes, recommendations,
             recommendation_sources, replies, reports)


def create_blueprint() -> Blueprint:
    """The API blueprint with every resource's views behind token auth, and its OpenAPI document (create_app)."""
    bp = Blueprint("api", __name__, url_prefix="/api/v1")
    routes = []
    for module in RESOURCES:
        for view in list(vars(module).values()):
            # Functions only: a module also holds proxies (request, g) that cannot be asked outside a request.
            if not isfunction(view) or view.__module__ != module.__name__ or not hasattr(view, "api_doc"):
                continue  # not a view, or one imported from elsewhere
            doc = view.api_doc
            routes.append(doc)
            endpoint = f"{module.__name__.rsplit('.', 1)[-1]}_{view.__name__}"
            # Authenticated first, then the documented query parameters checked (422 naming a bad one).
            checked = checked_query([query_parameter(p) for p in doc.params if p.get("in") == "query"])(view)
            bp.add_url_rule(doc.rule, endpoint=endpoint, view_func=token_required(doc.role)(checked),
                            methods=[doc.method])
    bp.register_error_handler(ApiError, _api_error)
    bp.register_error_handler(HTTPException, _http_error)
    bp.add_url_rule("/openapi.json", endpoint="openapi", view_func=lambda: jsonify(build_document(routes)))
    return bp


def _api_error(exc: ApiError):
    # The boundary rolls back every answer of 400 or more; a ServiceError is answered there too.
    return error_response(exc.status, exc.code, exc.message, exc.fields, **exc.extra)


def _http_error(exc: HTTPException):
    return error_response(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"),
                          exc.description or exc.name)
