"""The recommendation write schemas: one model per operation, shared by the edit form, the API and the
CSV import.

The field names are the API's: `cycle`, `reference`, `recommending_state` (an ISO code or a state's
name), `text`, `response`, `themes` (names, new ones are added), `implementation_status`, …
A theme is written with its recommendation (there is no other way to add one), and a cycle is a
field of it: both are checked here. The check that needs the database (does that organisation
exist?) follows the models and names the same field.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, WithJsonSchema

from engage.clock import DAY_RANGE_PROBLEM, day_in_range
from engage.countries import country_code
from engage.directory.models import Organisation
from engage.extensions import db
from engage.recommendations.models import IMPLEMENTATION_STATUSES, MAX_CYCLE, RESPONSES, Recommendation
from engage.recommendations.themes import THEME_MAX, theme_names
from engage.schemas import Text, check, partial, problem, refuse

MAX_ID = 2**31 - 1
# Those the create sets even when not sent (to their defaults); the others only when sent.
ALWAYS = ("cycle", "reference", "recommending_state", "text", "response", "implementation_status", "themes")


def _whole_number(low: int, high: int, required: bool = False):
    def check_number(value: Any) -> int | None:
        if value is None or value == "":
            if required:
                raise problem("This is required.")
            return None
        if isinstance(value, str):
            raise problem(f"Must be a whole number from {low} to {high}, got {value.strip()[:30]!r}.")
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise problem(f"Must be a whole number from {low} to {high}.")
        return value
    return Annotated[int | None, PlainValidator(check_number),
                     WithJsonSchema({"anyOf": [{"type": "integer", "minimum": low, "maximum": high}, {"type": "null"}]})]


def _one_line(value: Any) -> Any:
    # A reference typed across lines is one reference.
    return re.sub(r"[ \t\r\n]+", " ", value) if isinstance(value, str) else value


def _state(value: str) -> str:
    """An ISO alpha-2 code from a code or a state's name in any common English form."""
    code = country_code(value)
    if code is None:
        raise problem(f"Unknown state {value[:60]!r}; use a country name or an ISO code such as DE.")
    return code


def _choice(choices: dict, blank: bool = True):
    def check_choice(value: Any) -> str | None:
        if (value is None or value == "") and blank:
            return None
        if isinstance(value, str) and value.strip().lower() in choices:
            return value.strip().lower()
        shown = value[:40] if isinstance(value, str) else value
        raise problem(f"{shown!r} is not allowed; choose one of: {', '.join(choices)}.")
    return Annotated[str | None, PlainValidator(check_choice),
                     WithJsonSchema({"anyOf": [{"type": "string", "enum": list(choices)}, {"type": "null"}]})]


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(value, date) and not isinstance(value, datetime):
        if not day_in_range(value):
            raise problem(DAY_RANGE_PROBLEM)
        return value
    raise problem("Must be a date written YYYY-MM-DD.")


def _organisation_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise problem("Must be the id of an organisation.")
    if not 0 < value <= MAX_ID:
        raise problem(f"No organisation with id {value}.")
    return value


OneLine = BeforeValidator(_one_line)


class RecommendationCreate(BaseModel):
    """Add a recommendation (POST /recommendations, a CSV row)."""

    model_config = ConfigDict(title="RecommendationCreate")
    cycle: _whole_number(1, MAX_CYCLE, required=True)
    reference: Annotated[Text(Recommendation.reference, required=True), OneLine]
    text: Text(Recommendation.text, required=True, multiline=True)
    recommending_state: Annotated[Text(length=200, required=True), AfterValidator(_state), Field(
        description="An ISO alpha-2 code or a state's English name")]
    response: _choice(RESPONSES) = Field(None, description="Default: pending")
    themes: Annotated[list[str], PlainValidator(theme_names), WithJsonSchema(
        {"anyOf": [{"type": "array", "items": {"type": "string", "maxLength": THEME_MAX}}, {"type": "null"}]})] = \
        Field(default_factory=list, description="Theme names; those not yet known are added")
    implementation_status: _choice(IMPLEMENTATION_STATUSES) = Field(None, description="Default: unknown")
    notes: Text(Recommendation.notes, multiline=True) = None
    paragraph_text: Text(Recommendation.paragraph_text, multiline=True) = None
    action_category: _whole_number(1, 5) = None
    wg_session: _whole_number(1, 999) = None
    review_date: Annotated[date | None, PlainValidator(_date), WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]})] = None
    outcome_document: Annotated[Text(Recommendation.outcome_document), OneLine] = None
    source_ref: Annotated[Text(Recommendation.source_ref), OneLine] = None
    responsible_organisation_id: Annotated[int | None, PlainValidator(_organisation_id), WithJsonSchema(
        {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]})] = None


# A change (PATCH, the inline edit on a recommendation's page, a CSV row for one that exists): each
# field optional; what was sent is in model_fields_set.
# A change never blanks the response or the implementation status.
RecommendationUpdate = partial(
    RecommendationCreate, "RecommendationUpdate",
    response=(_choice(RESPONSES, blank=False), None),
    implementation_status=(_choice(IMPLEMENTATION_STATUSES, blank=False), None))


def recommendation_values(data: Any, partial: bool = False) -> dict[str, Any]:
    """The recommendation's columns (and `themes`, a list of names) from `data` checked by its schema;
    with `partial`, only those sent. The state becomes its ISO code; an organisation must exist."""
    body = check(RecommendationUpdate if partial else RecommendationCreate, data)
    sent = body.model_fields_set
    out = {name: getattr(body, name) for name in RecommendationCreate.model_fields
           if name in sent or (not partial and name in ALWAYS)}
    for name, default in (("response", "pending"), ("implementation_status", "unknown")):
        if name in out and out[name] is None:
            out[name] = default
    org_id = out.get("responsible_organisation_id")
    if org_id is not None and db.session.get(Organisation, org_id) is None:
        refuse({"responsible_organisation_id": f"No organisation with id {org_id}."})
    return out


class DisagreementReview(BaseModel):
    """Settle a disagreement between sources (the "To review" page, POST /recommendations/disagreements/{id})."""

    model_config = ConfigDict(title="DisagreementReview")
    choice: _choice({"other": "take the other source's value", "reviewed": "keep the value shown"}, blank=False) = \
        Field(description="other: show the other source's value; reviewed: keep the value shown")
