"""Helpers shared by every domain's forms."""
from __future__ import annotations

from flask import flash

from engage.errors import ServiceError


def apply_errors(form, exc: ServiceError, flash_the_rest: bool = True) -> bool:
    """Put a service's field errors beside the form's fields of the same name (the schema's names);
    when none matched, the message becomes a flash. Returns whether any was placed."""
    placed = False
    for field_name, messages in (exc.fields or {}).items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + list(messages)
            placed = True
    if not placed and flash_the_rest:
        flash(exc.message, "danger")
    return placed
