"""Helpers shared by every domain's forms."""
from __future__ import annotations

from flask import flash

from engage.errors import ServiceError


def apply_errors(form, exc: ServiceError) -> None:
    """Put a service's field errors beside the form's fields; anything else becomes a flash."""
    placed = False
    for field_name, messages in (exc.fields or {}).items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + list(messages)
            placed = True
    if not placed:
        flash(exc.message, "danger")
