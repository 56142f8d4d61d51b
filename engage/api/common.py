"""What every API endpoint shares: token auth, the error shape, JSON bodies, pagination."""
from __future__ import annotations

from functools import wraps
from typing import Any

from flask import g, jsonify, request
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from engage.auth.services import user_for_token
from engage.clock import now_utc
from engage.extensions import db
from engage.schemas import problems

MAX_PER_PAGE = 200


class ApiError(Exception):
    """An error answered in the contract's shape."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.fields, self.extra = status, code, message, fields or {}, extra


def token_required(minimum: str = "staff"):
    """Authenticate the bearer token (401) and check the role (403); the user lands in g.api_user."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, secret = header.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                raise ApiError(401, "unauthorized", "Send 'Authorization: Bearer <token>'.")
            user = user_for_token(secret.strip(), now_utc())
            if user is None:
                raise ApiError(401, "unauthorized", "That token is unknown, revoked, or its user is disabled.")
            if not user.has_role(minimum):
                raise ApiError(403, "forbidden", f"This needs the {minimum} role or higher.")
            g.api_user = user
            return view(*args, **kwargs)
        return wrapped
    return decorator


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 naming what is wrong."""
    if not request.is_json:
        raise ApiError(400, "bad_request", "Send a JSON body with 'Content-Type: application/json'.")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "bad_request", "The body is not valid JSON.")
    if not isinstance(data, dict):
        raise ApiError(422, "validation_error", "The body must be a JSON object.", {"body": ["Expected an object."]})
    return data


def parse(model: type[BaseModel], data: dict) -> BaseModel:
    """Validate `data` with a pydantic model, turning its errors into a 422 naming each field."""
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        fields = problems(exc, model)  # named and worded as engage.schemas.check does for every write
        first = next(iter(fields))
        raise ApiError(422, "validation_error", f"{first}: {fields[first][0]}", fields) from None


def page_args() -> tuple[int, int]:
    """`page` and `per_page` from the query string, checked (422 when not whole numbers in range)."""
    fields = {}
    values = {}
    for name, default, high in (("page", 1, 10**9), ("per_page", 50, MAX_PER_PAGE)):
        raw = request.args.get(name, str(default))
        try:
            value = int(raw)
        except ValueError:
            fields[name] = [f"Must be a whole number, got {raw[:40]!r}."]
            continue
        if not 1 <= value <= high:
            fields[name] = [f"Must be between 1 and {high}."]
        values[name] = value
    if fields:
        raise ApiError(422, "validation_error", "Bad paging parameters.", fields)
    return values["page"], values["per_page"]


def paginated(query, serialise, page: int, per_page: int):
    """The contract's list shape for a select() query."""
    result = db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    return jsonify({"items": [serialise(x) for x in result.items], "total": result.total,
                    "page": page, "per_page": per_page})


def int_arg(name: str) -> int | None:
    """An optional whole-number query parameter (422 when it is not one)."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(422, "validation_error", f"{name} must be a whole number.",
                       {name: ["Must be a whole number."]}) from None


def bool_arg(name: str) -> bool | None:
    """An optional true/false query parameter."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise ApiError(422, "validation_error", f"{name} must be true or false.", {name: ["Must be true or false."]})
