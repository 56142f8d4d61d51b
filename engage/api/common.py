"""What every API endpoint shares: token auth, the error shape, JSON bodies, pagination."""
from __future__ import annotations

import functools
import re
from datetime import date, datetime
from functools import wraps
from typing import Any

from flask import g, jsonify, request
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from engage.access.services import granted_text, keep_visibility
from engage.auth.models import User
from engage.auth.services import token_holder
from engage.clock import DAY_RANGE_PROBLEM, day_in_range, now_utc
from engage.countries import country_code
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
            found = token_holder(secret.strip(), now_utc(), _with_grants())
            if found is None:
                raise ApiError(401, "unauthorized", "That token is unknown, revoked, or its user is disabled.")
            user, granted = found
            keep_visibility(user, granted)  # read with the token: no statement of its own
            if not user.has_role(minimum):
                raise ApiError(403, "forbidden", f"This needs the {minimum} role or higher.")
            g.api_user = user
            return view(*args, **kwargs)
        return wrapped
    return decorator


@functools.cache
def _with_grants() -> tuple:
    # One column object for the process: the token statement is kept per its columns.
    return (granted_text(User.id),)


# Fields and filters that exist only while engage hosts more than one member organisation (a coalition).
COALITION_ONLY = "Only when engage hosts more than one member organisation (a coalition). "
MAX_JSON_DEPTH = 20  # the deepest body the contract has is 3 levels (an outcome's follow-ups)
# The widest whole number any column holds (BIGINT); SQLite refuses a wider one with an OverflowError.
MAX_INTEGER = 2**63 - 1
SURROGATE = re.compile("[\ud800-\udfff]")


def read_json():
    """The request's parsed JSON (None when it is not JSON), or a 400/422 naming what it cannot hold.

    Refused: nesting deeper than MAX_JSON_DEPTH (the parser would run out of stack), strings with a
    lone surrogate (\\ud800 escapes: no database can store them), whole numbers wider than 64 bits.
    """
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise ApiError(400, "bad_request", f"The body is nested more than {MAX_JSON_DEPTH} levels deep.") from None
    problems_found: dict[str, list[str]] = {}
    stack = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ApiError(400, "bad_request", f"The body is nested more than {MAX_JSON_DEPTH} levels deep.")
        if isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if _has_surrogate(key):
                    problems_found[child.encode("utf-8", "replace").decode()] = ["A field name is not valid text."]
                stack.append((item, child, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}.{n}" if path else str(n), depth + 1) for n, item in enumerate(value))
        elif isinstance(value, str) and _has_surrogate(value):
            problems_found[path or "body"] = ["Contains a lone surrogate (an invalid \\u escape); send valid text."]
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
            problems_found[path or "body"] = [f"Must be between {-MAX_INTEGER} and {MAX_INTEGER}."]
    if problems_found:
        first = next(iter(problems_found))
        raise ApiError(422, "validation_error", f"{first}: {problems_found[first][0]}", problems_found)
    return data


def _has_surrogate(text: str) -> bool:
    return SURROGATE.search(text) is not None


def checked_query(params: list[dict]):
    """Check the documented query parameters before the view reads them: each given once, of its type,
    within its bounds or one of its values; a 422 names every one that is not. Others are ignored."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            fields = {}
            for param in params:
                values = request.args.getlist(param["name"])
                if not values:
                    continue
                problem = "Give it once." if len(values) > 1 else _query_problem(values[0], param["schema"])
                if problem:
                    fields[param["name"]] = [problem]
            if fields:
                first = next(iter(fields))
                raise ApiError(422, "validation_error", f"{first}: {fields[first][0]}", fields)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def _query_problem(raw: str, schema: dict) -> str | None:
    kind = schema.get("type")
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d{1,30}", raw.strip()):
            return f"Must be a whole number, got {raw[:40]!r}."
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is not None and int(raw) < low) or (high is not None and int(raw) > high):
            return f"Must be between {low} and {high}."
    elif kind == "boolean":
        if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
            return "Must be true or false."
    elif "enum" in schema and raw not in schema["enum"]:
        return f"Choose one of: {', '.join(map(str, schema['enum']))}."
    elif {"format": "date-time"} in schema.get("anyOf", ()):
        return _day_or_instant_problem(raw.strip())
    return None


def _day_or_instant_problem(raw: str) -> str | None:
    problem = "Use a date such as 2027-07-06, or a time with an offset such as 2027-07-06T10:00:00+02:00."
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00")) if len(raw) > 10 else date.fromisoformat(raw)
    except ValueError:
        return problem
    if isinstance(value, datetime) and value.tzinfo is None:
        return problem
    return None if day_in_range(value) else DAY_RANGE_PROBLEM


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 naming what is wrong."""
    if not request.is_json:
        raise ApiError(400, "bad_request", "Send a JSON body with 'Content-Type: application/json'.")
    data = read_json()
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
        value = int(raw)
    except ValueError:
        raise ApiError(422, "validation_error", f"{name} must be a whole number.",
                       {name: ["Must be a whole number."]}) from None
    if abs(value) > MAX_INTEGER:  # no column holds it; SQLite would refuse it with an OverflowError
        raise ApiError(422, "validation_error", f"{name} must be between {-MAX_INTEGER} and {MAX_INTEGER}.",
                       {name: [f"Must be between {-MAX_INTEGER} and {MAX_INTEGER}."]})
    return value


def text_arg(name: str) -> str | None:
    """An optional text query parameter without NUL characters (PostgreSQL refuses them as text: a 409)."""
    raw = request.args.get(name)
    return None if raw is None else raw.replace("\x00", "")


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


def choice_arg(name: str, choices) -> str | None:
    """An optional query parameter that must be one of `choices` (422 naming them otherwise)."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if raw not in choices:
        raise ApiError(422, "validation_error", f"{name} must be one of: {', '.join(choices)}.",
                       {name: [f"Choose one of: {', '.join(choices)}."]})
    return raw


def state_arg(name: str) -> str | None:
    """An optional state query parameter, as an ISO alpha-2 code or an English name (422 when unknown)."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    code = country_code(raw)
    if code is None:
        raise ApiError(422, "validation_error", f"{name}: unknown state {raw[:60]!r}.",
                       {name: ["Use an ISO code such as DE or a country name."]})
    return code


def utc_text(value: datetime | None) -> str | None:
    """A stored time as the contract writes it: ISO 8601 in UTC with Z."""
    return None if value is None else value.isoformat().replace("+00:00", "Z")
