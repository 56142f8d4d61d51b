"""The OpenAPI 3.1 document, built from the routes as they are registered, so it cannot drift; and
`api_route`, which marks a resource's view with what it answers and what the document says of it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel

from engage.urls import MAX_RECORD_ID

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "fields"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "details": {}}}},
}
STATUS_TEXT = {400: "Malformed request", 401: "No or bad token", 403: "Role not allowed",
               404: "Not found", 409: "Conflict", 413: "Body too large", 414: "Query string too long",
               422: "Invalid field values"}
MAX_ID = MAX_RECORD_ID  # ids are INTEGER columns; larger ones match no route
# A filter's day (YYYY-MM-DD) or an instant with its offset; engage.api.common.check_query checks it.
DAY_OR_INSTANT = {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]}
MAX_PAGE = 10**9


def query_parameter(param: dict) -> dict:
    """A documented query parameter with the bounds the API enforces (engage.api.common.check_query)."""
    param = {**param, "schema": dict(param["schema"])}
    schema = param["schema"]
    if schema.get("type") == "integer":
        schema.setdefault("minimum", 1)
        schema.setdefault("maximum", MAX_PAGE if param["name"] == "page" else MAX_ID)
    return param


@dataclass
class RouteDoc:
    rule: str
    method: str
    summary: str
    role: str
    body: type[BaseModel] | None = None
    body_content_type: str = "application/json"
    response: type[BaseModel] | None = None
    response_content_type: str = "application/json"
    is_list: bool = False
    status: int = 200
    # Other success statuses answered with the same body (a POST that creates or changes: 201 and 200).
    also_status: tuple = ()
    params: tuple = field(default_factory=tuple)
    errors: tuple = (400, 401, 403, 404, 422)
    tag: str = "engage"


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []
    def repl(match):
        conv, name = match.group(1), match.group(2)
        params.append({"name": name, "in": "path", "required": True,
                       "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID} if conv == "int" else {"type": "string"}})
        return "{" + name + "}"
    return re.sub(r"<(?:(\w+):)?(\w+)>", repl, rule), params


def api_route(rule: str, method: str, summary: str, role: str = "staff", **doc):
    """Mark an API view with its rule, method, role (token auth) and what the OpenAPI document says of
    it; engage.api.views.create_blueprint registers it. Nothing happens on import."""
    def decorator(view):
        view.api_doc = RouteDoc(rule=rule, method=method, summary=summary, role=role, **doc)
        return view
    return decorator


def build_document(routes: list[RouteDoc], base_path: str = "/api/v1") -> dict:
    """The whole OpenAPI document for `routes` (those registered)."""
    components: dict[str, dict] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict] = {}

    def ref(model: type[BaseModel], mode: str = "serialization") -> dict:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
        for name, sub in schema.pop("$defs", {}).items():
            components.setdefault(name, sub)
        name = schema.get("title") or model.__name__
        components.setdefault(name, schema)
        return {"$ref": f"#/components/schemas/{name}"}

    for doc in routes:
        path, path_params = _path(doc.rule)
        op: dict = {"summary": doc.summary, "tags": [doc.tag],
                    "description": f"Needs the `{doc.role}` role or higher.",
                    "parameters": path_params + [query_parameter(p) for p in doc.params], "responses": {}}
        if doc.body is not None:
            op["requestBody"] = {"required": True, "content": {doc.body_content_type: {"schema": ref(doc.body, "validation")}}}
        elif doc.body_content_type != "application/json":
            op["requestBody"] = {"required": True, "content": {doc.body_content_type: {"schema": {"type": "string"}}}}
        if doc.response is not None and doc.response_content_type == "application/json":
            schema = ref(doc.response)
            if doc.is_list:
                schema = {"type": "object", "required": ["items", "total", "page", "per_page"], "properties": {
                    "items": {"type": "array", "items": schema}, "total": {"type": "integer"},
                    "page": {"type": "integer"}, "per_page": {"type": "integer"}}}
            for status in (doc.status, *doc.also_status):
                op["responses"][str(status)] = {"description": "OK", "content": {"application/json": {"schema": schema}}}
        elif doc.status == 204:
            op["responses"]["204"] = {"description": "Done; no content"}
        elif doc.response_content_type != "application/json":
            op["responses"][str(doc.status)] = {"description": "OK",
                                                "content": {doc.response_content_type: {"schema": {"type": "string"}}}}
        else:
            op["responses"][str(doc.status)] = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
        # What any route may answer besides its own: a malformed or too deeply nested body or an
        # unknown token (400, 401), a query string over the limit (414), a body over the upload
        # limit (413), a path naming nothing (404), parameters or a body with bad values (422).
        errors = set(doc.errors) | {400, 401, 414}
        if doc.role != "staff":
            errors.add(403)
        if doc.body is not None or doc.body_content_type != "application/json" or doc.method in ("POST", "PATCH"):
            errors |= {413, 422}
        if path_params:
            errors.add(404)
        if doc.params:
            errors.add(422)
        for code in sorted(errors):
            op["responses"][str(code)] = {"description": STATUS_TEXT.get(code, "Error"),
                                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        paths.setdefault(base_path + path, {})[doc.method.lower()] = op

    return {
        "openapi": "3.1.0",
        "info": {"title": "engage API", "version": "1",
                 "description": "Directory, UPR recommendations, meetings, replies, outcomes and outbox of engage."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
