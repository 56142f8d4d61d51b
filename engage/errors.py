"""Errors that services raise; views and the API turn them into messages and status codes."""
from __future__ import annotations


class ServiceError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None, details=None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.details = details


class ValidationError(ServiceError):
    """Field values that cannot be accepted (422)."""

    status = 422
    code = "validation_error"

    @classmethod
    def for_fields(cls, fields: dict[str, list[str] | str]) -> "ValidationError":
        normalised = {k: ([v] if isinstance(v, str) else list(v)) for k, v in fields.items()}
        first = next(iter(normalised.items()))
        return cls(f"{first[0]}: {first[1][0]}", normalised)


class ConflictError(ServiceError):
    """The request clashes with existing data (409)."""

    status = 409
    code = "conflict"


class NotFoundError(ServiceError):
    """No such record, or not one the caller may see (404)."""

    status = 404
    code = "not_found"


class PermissionDenied(ServiceError):
    """The caller's role does not allow this (403)."""

    status = 403
    code = "forbidden"
