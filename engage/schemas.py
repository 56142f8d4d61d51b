"""What every write schema shares: one `clean_text`, lengths read from the columns, partial models
for updates, and pydantic's errors turned into the one error the web and the API both show.

A write operation has ONE pydantic model (e.g. meetings.schemas.MeetingCreate). The API validates
its JSON body with it; the web form builds a dict with the same field names and validates it with the
same model; the service takes the validated model. So a value is refused, with the same message
under the same field name, whichever way it came in. See docs/architecture.md.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, WithJsonSchema, create_model
from pydantic import ValidationError as PydanticValidationError
from flask_babel import gettext as _
from pydantic_core import PydanticCustomError

from engage.clock import DAY_RANGE_PROBLEM, EARLIEST_DAY, LATEST_DAY, day_in_range
from engage.errors import ValidationError
from engage.i18n import ENGLISH, N_, current_language

# C0 and C1 control characters and DEL. Tab and line breaks are allowed only in multi-line text.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_BREAK_RE = re.compile(r"[\t\r\n\u2028\u2029]")


class TextProblem(ValueError):
    """A text value that cannot be accepted; its message is shown beside the field."""


def clean_text(value: Any, *, max_length: int | None = None, required: bool | str = False,
               multiline: bool = False) -> str | None:
    """Trimmed text, None when empty; TextProblem when not text, with a control character, too long or missing.

    `required` may be the message to show when it is missing (e.g. "Give the organisation's name.",
    marked with N_ or _l: it is shown in the page's language). The messages are in the page's language
    (the API's is English).
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise TextProblem(_("Must be text."))
    # The length as sent, before trimming: the API's documented maxLength is a limit on what is sent.
    if max_length is not None and len(value) > max_length and len(value.strip()) <= max_length:
        raise TextProblem(_("At most %(num)s characters, with the spaces around it.", num=max_length))
    value = value.strip()
    control = CONTROL_RE.search(value)
    if control:
        # Named by its code point: a control character is invisible when a message quotes it.
        code = f"U+{ord(control.group()):04X}"
        raise TextProblem(_("Contains a control character (%(code)s); remove it.", code=code))
    if not multiline and LINE_BREAK_RE.search(value):
        raise TextProblem(_("Must be on one line (no line breaks or tabs)."))
    if required and not value:
        raise TextProblem(_("This is required.") if required is True else _(str(required)))
    if max_length is not None and len(value) > max_length:
        raise TextProblem(_("At most %(num)s characters.", num=max_length))
    return value or None


def max_length(attribute) -> int | None:
    """The length a column holds: String(n), or info={"max_length": n} for a TEXT column with a limit."""
    column = attribute.property.columns[0]
    return column.info.get("max_length") or getattr(column.type, "length", None)


def Text(attribute=None, *, required: bool | str = False, multiline: bool = False, length: int | None = None):
    """A pydantic type for a text field: clean_text with the column's length (or `length`); `required`
    may be the message for a blank value."""
    limit = length if length is not None else max_length(attribute) if attribute is not None else None

    def check(value):
        try:
            return clean_text(value, max_length=limit, required=required, multiline=multiline)
        except TextProblem as exc:
            raise PydanticCustomError("text", str(exc)) from None

    kind = str if required else str | None
    return Annotated[kind, BeforeValidator(check), Field(json_schema_extra=_text_schema(limit, required))]


def problem(message: str) -> PydanticCustomError:
    """A pydantic error carrying `message` as it is (braces and all), for a schema's own checks."""
    return PydanticCustomError("value", "{message}", {"message": message})


def Day(required: bool = False):  # noqa: N802 - a type, like Text
    """A calendar day as a field type: a date, or text written YYYY-MM-DD, within the years engage keeps;
    blank is None unless `required`."""
    def check_day(value: Any) -> date | None:
        if value is None or value == "":
            if required:
                raise problem(_("Give a date."))
            return None
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                pass
        if isinstance(value, date) and not isinstance(value, datetime):
            if not day_in_range(value):
                raise problem(_(DAY_RANGE_WORDS, earliest=EARLIEST_DAY.isoformat(), latest=LATEST_DAY.isoformat()))
            return value
        raise problem(_("Must be a date written YYYY-MM-DD."))
    # Blank (a form's empty field) is no date: the document says so, as the check takes it.
    schema = {"type": "string", "format": "date"} if required else \
        {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}, {"type": "null"}]}
    return Annotated[date if required else date | None, PlainValidator(check_day), WithJsonSchema(schema)]



MAX_ID = 2**31 - 1  # the largest id both databases' integer columns hold


def RecommendationIds(at_most: int, required: bool = False):  # noqa: N802 - a type, like Text
    """Recommendation ids as a field type: a list, or one ';'-separated text as a CSV cell or a form
    sends them ("12; 15"); each kept once, in order; at most `at_most`, at least one if `required`."""
    def check_ids(value: Any) -> list[int]:
        if value is None or value == "":
            value = []
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(",", ";").split(";") if p.strip()]
            if not all(p.isascii() and p.isdigit() for p in parts):
                raise problem(_("Must be recommendation ids separated by ;."))
            value = [int(p) for p in parts]
        if not isinstance(value, (list, tuple)) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
            raise problem(_("Must be a list of recommendation ids."))
        if any(not 1 <= v <= MAX_ID for v in value):
            raise problem(_("Not a recommendation id."))
        out = list(dict.fromkeys(value))
        if len(out) > at_most:
            raise problem(_("At most %(num)s recommendations.", num=at_most))
        if required and not out:
            raise problem(_("Choose at least one recommendation."))
        return out
    items = {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "maxItems": at_most}
    schema = {"anyOf": [items | {"minItems": 1},
                        {"type": "string", "minLength": 1, "description": "ids separated by ';'"}]} if required else \
        {"anyOf": [items, {"type": "string", "description": "ids separated by ';'"}, {"type": "null"}]}
    return Annotated[list[int], PlainValidator(check_ids), WithJsonSchema(schema)]

def _text_schema(limit, required):
    extra: dict = {}
    if limit is not None:
        extra["maxLength"] = limit
    if required:
        extra["minLength"] = 1
    return extra or None


Model = TypeVar("Model", bound=BaseModel)


def partial(model: type[Model], name: str, exclude: tuple[str, ...] = (), **overrides) -> type[Model]:
    """The same model with every field optional and unvalidated when absent: an update (PATCH).

    The types, checks and messages stay the model's own (they live in the fields' annotations);
    `model_fields_set` says what was sent. A field required in `model` still refuses an explicit
    null (its type does not allow one). `exclude` leaves fields out; `overrides` adds or replaces
    fields as create_model takes them.
    """
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        if field_name in overrides or field_name in exclude:
            continue
        kind = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        kwargs = {"description": info.description, "validation_alias": info.validation_alias,
                  "json_schema_extra": info.json_schema_extra}
        if info.is_required():
            fields[field_name] = (kind, Field(None, **kwargs))
        elif info.default_factory is not None:
            fields[field_name] = (kind, Field(default_factory=info.default_factory, **kwargs))
        else:
            fields[field_name] = (kind, Field(info.default, **kwargs))
    fields.update(overrides)
    config = ConfigDict(**{**model.model_config, "title": name})  # its own name in the OpenAPI document
    return create_model(name, __config__=config, __doc__=f"{model.__name__}, each field optional.",
                        **fields)  # type: ignore[call-overload]


# pydantic's own wording for a few of its errors, in the project's voice; every other keeps its own.
MESSAGES = {"missing": N_("This is required."), "string_type": N_("Must be text."),
            "bool_type": N_("Must be true or false."), "int_type": N_("Must be a whole number."),
            "list_type": N_("Must be a list."), "extra_forbidden": N_("Not a field of this form."),
            "timezone_aware": N_("Give the time with its offset or timezone (e.g. 2027-07-06T10:00:00+02:00).")}
# pydantic's other words, by error type, for a page in another language (an English page and the API keep
# pydantic's own, as they always did); %(name)s are the error's context values.
PYDANTIC_MESSAGES = {
    "string_too_long": N_("String should have at most %(max_length)s characters"),
    "string_too_short": N_("String should have at least %(min_length)s characters"),
    "too_long": N_("Should have at most %(max_length)s items"),
    "too_short": N_("Should have at least %(min_length)s items"),
    "greater_than": N_("Input should be greater than %(gt)s"),
    "greater_than_equal": N_("Input should be greater than or equal to %(ge)s"),
    "less_than": N_("Input should be less than %(lt)s"),
    "less_than_equal": N_("Input should be less than or equal to %(le)s"),
    "literal_error": N_("Input should be %(expected)s"),
    "enum": N_("Input should be %(expected)s"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "float_type": N_("Input should be a valid number"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "date_parsing": N_("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("Input should be a valid date or datetime"),
    "date_type": N_("Input should be a valid date"),
    "datetime_parsing": N_("Input should be a valid datetime"),
    "datetime_from_date_parsing": N_("Input should be a valid datetime or date"),
    "datetime_type": N_("Input should be a valid datetime"),
    "time_parsing": N_("Input should be in a valid time format"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary or instance of the model"),
    "model_attributes_type": N_("Input should be a valid dictionary or object to extract fields from"),
    "string_pattern_mismatch": N_("String should match pattern '%(pattern)s'"),
    "url_parsing": N_("Input should be a valid URL"),
    "decimal_parsing": N_("Input should be a valid decimal"),
    "json_invalid": N_("Invalid JSON"),
}
# The shared check's words for a day out of range (clock.DAY_RANGE_PROBLEM, which other checks give as it is).
DAY_RANGE_WORDS = N_("Must be between %(earliest)s and %(latest)s.")


def spellings(model: type[BaseModel] | None) -> dict[str, str]:
    """Each other spelling a model accepts for a field (its AliasChoices) → the field's own name."""
    out: dict[str, str] = {}
    for name, info in (model.model_fields if model is not None else {}).items():
        alias = info.validation_alias
        for choice in alias.choices if isinstance(alias, AliasChoices) else [alias] if isinstance(alias, str) else []:
            if isinstance(choice, str):
                out[choice] = name
    return out


def problems(exc: PydanticValidationError, model: type[BaseModel] | None = None) -> dict[str, list[str]]:
    """{field: [messages]} from pydantic's errors, named as the schema names them ("attendees.0.role").

    A problem inside a list or object is also listed under its top field ("attendees": "Item 1, role:
    …"), so a form that shows the list as one field shows it there too.
    """
    fields: dict[str, list[str]] = {}
    own = spellings(model)
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"]]
        if loc:
            loc[0] = own.get(loc[0], loc[0])  # named as the schema names it, however it was sent
        if err["type"] not in ("missing", "text", "value") and err.get("input", ...) is None:
            # pydantic's words for a null are about types; a check of our own ("text", "value") says better.
            message = _("Cannot be null.")
        else:
            message = _message(err)
        name = ".".join(loc) or "body"
        fields.setdefault(name, []).append(message)
        if len(loc) > 1:
            where = ", ".join(_("Item %(num)s", num=int(p) + 1) if p.isdigit() else p for p in loc[1:])
            fields.setdefault(loc[0], []).append(f"{where}: {message}")
    return fields


def _message(err: dict) -> str:
    """One pydantic error's message in the page's language (the API's is English)."""
    kind, message = err["type"], err["msg"]
    if kind in MESSAGES:
        return _(MESSAGES[kind])
    if kind == "value_error" and message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if kind in ("text", "value", "value_error", "date_range"):
        # engage's own words: said in the page's language where they were raised, or marked (N_, _l)
        # where they are defined and looked up here.
        if message == DAY_RANGE_PROBLEM:
            return _(DAY_RANGE_WORDS, earliest=EARLIEST_DAY.isoformat(), latest=LATEST_DAY.isoformat())
        return _(message)
    if kind in PYDANTIC_MESSAGES and current_language() != ENGLISH:
        return _(PYDANTIC_MESSAGES[kind], **{key: str(value) for key, value in (err.get("ctx") or {}).items()})
    return message


def check(model: type[Model], data: Any) -> Model:
    """`data` validated by `model`, or the ValidationError (422) naming each field; a model passes as it is."""
    if isinstance(data, model):
        return data
    if isinstance(data, BaseModel):
        data = {name: getattr(data, name) for name in data.model_fields_set}
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationError.for_fields(problems(exc, model)) from None


def refuse(errors: dict[str, list[str] | str]) -> None:
    """Raise the ValidationError for `errors` when there are any."""
    if errors:
        raise ValidationError.for_fields(errors)
