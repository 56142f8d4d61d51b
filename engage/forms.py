"""Helpers shared by every domain's forms."""
from __future__ import annotations

from datetime import date

from flask import flash
from wtforms.fields import DateField

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


def mark_required(form, model) -> None:
    """Flag the form's fields that `model` (the write schema) requires, so the page marks them with *,
    and give its text fields the schema's length as maxlength (engage.js counts the characters left);
    rendering hints only: the schema decides what is valid."""
    for name, info in model.model_fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "flags"):
            field.flags.required = info.is_required()
            limit = (info.json_schema_extra or {}).get("maxLength") if isinstance(info.json_schema_extra, dict) else None
            if limit and field.type in ("StringField", "TextAreaField"):
                field.render_kw = {**(field.render_kw or {}), "maxlength": limit}


class DateInput(DateField):
    """A date input that only reads what was typed: blank is None, a date is a date, anything else
    stays the text it was, for the write schema to refuse under the field's name."""

    def process_formdata(self, valuelist):
        raw = " ".join(valuelist or []).strip()
        if not raw:
            self.data = None
            return
        try:
            self.data = date.fromisoformat(raw)
        except ValueError:
            self.data = raw


def picker(help_text: str, placeholder: str) -> dict:
    """render_kw of a multi-select that pickers.js turns into a searchable picker; without JavaScript it
    stays the plain list (the page's own help text then says how to choose several)."""
    return {"size": 6, "data-picker": "", "data-picker-help": help_text, "data-placeholder": placeholder}
