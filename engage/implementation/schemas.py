"""The write schemas of assessments and responsibilities: one model per operation, shared by the
pages and the API. Field names are the API's: `recommendation_id`, `assessed_on`, `status`,
`evidence`, `links` (one URL a line, or a list), `source_kind`, `source_detail`, `meeting_id`,
`confidence`, `sensitivity`; a responsibility's `organisation_id` and `role`."""
from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

from engage.i18n import N_
from engage.schemas import Day, Text, partial, problem

from .models import ASSESSMENT_STATUSES, CONFIDENCE, MAX_LINKS, ROLES, SOURCE_KINDS, Assessment

MAX_ID = 2**31 - 1
MAX_RESPONSIBLE = 30
SENSITIVITIES = ("internal", "restricted")


def _choice(choices, required: bool = False):
    def check_choice(value: Any) -> str | None:
        if value in (None, ""):
            if required:
                raise problem(_("Choose one of: %(choices)s.", choices=", ".join(choices)))
            return None
        if not isinstance(value, str) or value.strip() not in choices:
            raise problem(_("Choose one of: %(choices)s.", choices=", ".join(choices)))
        return value.strip()
    schema = {"type": "string", "enum": list(choices)}
    if not required:
        schema = {"anyOf": [schema, {"type": "string", "maxLength": 0}, {"type": "null"}]}
    return Annotated[str if required else str | None, PlainValidator(check_choice), WithJsonSchema(schema)]


# What an id field says when refused, by the record it names: whole sentences, so each language words them.
ID_PROBLEMS = {
    "meeting": (N_("Choose a meeting."), N_("Must be the id of a meeting."), N_("No meeting with id %(id)s.")),
    "recommendation": (N_("Choose a recommendation."), N_("Must be the id of a recommendation."),
                       N_("No recommendation with id %(id)s.")),
    "organisation": (N_("Choose an organisation."), N_("Must be the id of an organisation."),
                     N_("No organisation with id %(id)s.")),
}


def _id(label: str, required: bool = False):
    choose, not_an_id, no_such = ID_PROBLEMS[label]

    def check_id(value: Any) -> int | None:
        if value in (None, ""):
            if required:
                raise problem(_(choose))
            return None
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            value = int(value.strip())  # what a page's select posts
        if isinstance(value, bool) or not isinstance(value, int):
            raise problem(_(not_an_id))
        if not 1 <= value <= MAX_ID:
            raise problem(_(no_such, id=value))
        return value
    schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    if not required:
        schema = {"anyOf": [schema, {"type": "string", "maxLength": 0}, {"type": "null"}]}
    return Annotated[int if required else int | None, PlainValidator(check_id), WithJsonSchema(schema)]


def _links(value: Any) -> str | None:
    """Web addresses, one a line (or a list of them): each http(s) with a host; stored one a line."""
    if value in (None, ""):
        return None
    if isinstance(value, list):
        if not all(isinstance(v, str) for v in value):
            raise problem(_("Give web addresses as text."))
        lines = value
    elif isinstance(value, str):
        lines = value.splitlines()
    else:
        raise problem(_("Give web addresses, one a line."))
    found = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        parts = urlsplit(line) if line.isprintable() and " " not in line else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or len(line) > 500:
            raise problem(_("Line %(number)s is not a web address (https://…, at most 500 characters).", number=number))
        found.append(line)
    if len(found) > MAX_LINKS:
        raise problem(_("At most %(max)s links.", max=MAX_LINKS))
    return "\n".join(dict.fromkeys(found)) or None


Links = Annotated[str | None, PlainValidator(_links), WithJsonSchema({"anyOf": [
    {"type": "string", "maxLength": 10000}, {"type": "array", "items": {"type": "string"}, "maxItems": MAX_LINKS},
    {"type": "null"}], "description": "Web addresses (http or https), one a line, or a list"})]


class ClusterAssessmentCreate(BaseModel):
    """Record the same assessment of every recommendation in a cluster (POST /clusters/{id}/assessments,
    the cluster page's form): AssessmentCreate without the recommendation, which each member gives."""

    model_config = ConfigDict(title="ClusterAssessmentCreate", extra="forbid")
    assessed_on: Day(required=True) = Field(description="The day of the assessment, YYYY-MM-DD")
    status: _choice(ASSESSMENT_STATUSES, required=True)
    evidence: Text(Assessment.evidence, multiline=True) = None
    links: Links = None
    source_kind: _choice(SOURCE_KINDS) = Field(None, description="Default: meeting when meeting_id is given, else other")
    source_detail: Text(Assessment.source_detail) = Field(None, description="The report's or article's title")
    meeting_id: _id("meeting") = None
    confidence: _choice(CONFIDENCE) = Field(None, description="Default: medium")
    sensitivity: _choice(SENSITIVITIES) = Field(None, description="Default: internal (restricted with a restricted meeting)")


class AssessmentCreate(ClusterAssessmentCreate):
    """Record an assessment of a recommendation (POST /assessments, the assessment form, an outcome form)."""

    model_config = ConfigDict(title="AssessmentCreate", extra="forbid")
    recommendation_id: _id("recommendation", required=True)


AssessmentUpdate = partial(AssessmentCreate, "AssessmentUpdate", exclude=("recommendation_id",))


class ResponsibilityItem(BaseModel):
    """One responsible organisation of a recommendation."""

    model_config = ConfigDict(title="ResponsibilityItem", extra="forbid")
    organisation_id: _id("organisation", required=True)
    role: _choice(ROLES) = Field(None, description="lead or supporting; default lead")


class ResponsibilitiesWrite(BaseModel):
    """The whole list of a recommendation's responsible organisations (PUT replaces it)."""

    model_config = ConfigDict(title="ResponsibilitiesWrite", extra="forbid")
    responsibilities: list[ResponsibilityItem] = Field(max_length=MAX_RESPONSIBLE)
