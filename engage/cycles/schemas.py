"""The cycle write schemas: one model per operation, shared by the cycle pages and the API.

`CycleCreate` / `CycleUpdate`: a cycle with (optionally) its milestones — POST and PATCH
/api/v1/cycles, the cycle form. `MilestoneCreate` / `MilestoneUpdate`: one milestone — the
milestone form on a cycle's page (and each item of a cycle's `milestones` in the API, where an
item with an `id` changes that milestone). Field names are the API's.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

from engage.countries import country_code
from engage.i18n import N_
from engage.schemas import Day, Text, partial, problem

from .models import MAX_REMINDER_DAYS, MILESTONE_KINDS, Milestone

MAX_NUMBER = 2**31 - 1
MAX_REMINDERS = 10
MAX_MILESTONES = 100
# Whole sentences, so a page finds them in the catalogue (pydantic hands on the text, not a template).
REMINDER_RANGE = N_("Each must be from 0 to 365 days.")
TOO_MANY_REMINDERS = N_("At most 10 reminders.")
DIGITS = r"^\s*[0-9]+\s*$"
BLANK = {"type": "string", "maxLength": 0}


def _whole(low: int, required: bool = False):
    def check_number(value: Any) -> int | None:
        if value is None or value == "":
            if required:
                raise problem(N_("This is required."))
            return None
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            value = int(value.strip())  # a form posts text ("²" is a digit to Python, not a number)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_NUMBER:
            raise problem(N_("Must be a whole number of at least 1.") if low == 1 else f"Must be a whole number of at least {low}.")
        return value
    kind = int if required else int | None
    # A form posts the number as text, and a blank for none: the document says what the check takes.
    number = [{"type": "integer", "minimum": low, "maximum": MAX_NUMBER}, {"type": "string", "pattern": DIGITS}]
    schema = {"anyOf": number} if required else {"anyOf": [*number, BLANK, {"type": "null"}]}
    return Annotated[kind, PlainValidator(check_number), WithJsonSchema(schema)]



def _state(value: Any) -> str | None:
    if value is None or value == "":
        return None
    code = country_code(value) if isinstance(value, str) else None
    if code is None:
        raise problem(N_("Use an ISO code such as KE or a state's English name."))
    return code


def _kind(value: Any) -> str:
    if isinstance(value, str) and value.strip().lower() in MILESTONE_KINDS:
        return value.strip().lower()
    shown = value[:40] if isinstance(value, str) else value
    raise problem(f"{shown!r} is not allowed; choose one of: {', '.join(MILESTONE_KINDS)}.")


def _reminder_days(value: Any) -> list[int]:
    """Lead times in days: a list, or text such as "28, 7, 1"; each from 0 to 365, no repeats, nearest last."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
        if not all(p.isascii() and p.isdigit() for p in parts):
            raise problem(N_("Write the days before as whole numbers separated by commas, e.g. 28, 7, 1."))
        value = [int(p) for p in parts]
    if not isinstance(value, (list, tuple)) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
        raise problem(N_("Must be a list of whole numbers of days."))
    if any(not 0 <= v <= MAX_REMINDER_DAYS for v in value):
        raise problem(REMINDER_RANGE)
    days = sorted(set(value), reverse=True)
    if len(days) > MAX_REMINDERS:
        raise problem(TOO_MANY_REMINDERS)
    return days


Kind = Annotated[str, PlainValidator(_kind), WithJsonSchema({"type": "string", "enum": list(MILESTONE_KINDS)})]
State = Annotated[str | None, PlainValidator(_state), WithJsonSchema(
    {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "ISO code or English name; default the state under review"})]
ReminderDays = Annotated[list[int], PlainValidator(_reminder_days), WithJsonSchema(
    {"anyOf": [{"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": MAX_REMINDER_DAYS},
                "maxItems": MAX_REMINDERS}, {"type": "string", "description": "days separated by commas"},
               {"type": "null"}],
     "description": "Days before the milestone a reminder goes to staff"})]


class MilestoneCreate(BaseModel):
    """Add a milestone to a cycle (the milestone form; an item of a cycle's `milestones`)."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind
    title: Text(Milestone.title) = None
    due_on: Day(required=True)
    hrc_session: _whole(1) = None
    note: Text(Milestone.note) = None
    reminder_days: ReminderDays | None = Field(None, description="Default 28, 7 and 1 days before")


MilestoneUpdate = partial(MilestoneCreate, "MilestoneUpdate")


# A milestone in a cycle's `milestones`: with the `id` of one it changes (the fields sent), without
# for a new one (`kind` and `due_on` then needed: the service says so, naming milestones.N.kind).
CycleMilestone = partial(MilestoneCreate, "CycleMilestoneIn", id=(_whole(1), None))


class CycleCreate(BaseModel):
    """Add a UPR cycle (POST /cycles, the new-cycle form)."""

    model_config = ConfigDict(extra="forbid")
    number: _whole(1, required=True)
    wg_session: _whole(1) = None
    state_under_review: State = None
    window_starts_on: Day() = Field(None, description="Default: 12 months before the Working Group review")
    window_ends_on: Day() = Field(None, description="Default: the adoption at the Human Rights Council")
    milestones: list[CycleMilestone] = Field(default_factory=list, max_length=MAX_MILESTONES,
                                             description="PATCH: the whole list; a milestone left out is removed")


CycleUpdate = partial(CycleCreate, "CycleUpdate", exclude=("number",))
