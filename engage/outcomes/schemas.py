"""The outcome write schemas: one model per operation, shared by the outcome pages and the API.

The field names are the API's: an outcome's `recommendation_id` (or `ask_id`, one of the coalition's
asks, with its own positions and a `proposed_wording`), `organisation_id`, `position`, `summary`,
`commitment`, `notes`, `follow_ups`; a follow-up action's `description`, `owner` (a
user's email, or id: the pages send `owner_id`), `due_on`, `done` or `status`. Logging a whole
meeting at once checks its overall outcome with `OutcomeLog` and each row with the same models.
The checks that need the database (do that recommendation and that user exist?) follow the models
and name the same fields. Their messages are English (the API's); marked (N_, Phrase), a page says them
in its reader's language (`i18n.said_refusal`).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, PlainValidator, StrictBool, StrictInt, WithJsonSchema
from sqlalchemy import func, select

from engage.asks.models import Ask
from engage.auth.models import User
from engage.clock import DAY_RANGE_PROBLEM, day_in_range
from engage.directory.models import Organisation
from engage.errors import ValidationError
from engage.extensions import db
from engage.i18n import N_, Phrase
from engage.recommendations.models import Recommendation
from engage.schemas import Text, check, partial, problem, spellings

from .models import ASK_POSITIONS, FOLLOW_UP_STATUSES, POSITIONS, FollowUp, Outcome

MAX_ID = 2**31 - 1
MAX_FOLLOW_UPS = 50
OUTCOME_FIELDS = ("summary", "commitment", "notes", "position", "recommendation_id", "organisation_id", "ask_id",
                  "proposed_wording")


# ---- field types ----

def _id(label: str):
    def check_id(value: Any) -> int | None:
        if value in (None, ""):
            return None
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            value = int(value.strip())  # what a page's picker posts
        if isinstance(value, bool) or not isinstance(value, int):
            raise problem(f"Must be the id of a {label}.")
        if not 1 <= value <= MAX_ID:
            raise problem(f"No {label} with id {value}.")
        return value
    return Annotated[int | None, PlainValidator(check_id),
                     WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]})]


def _choice(choices: dict):
    def check_choice(value: Any) -> str | None:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or value not in choices:
            raise problem(f"Choose one of: {', '.join(choices)}.")
        return value
    return Annotated[str | None, PlainValidator(check_choice),
                     WithJsonSchema({"anyOf": [{"type": "string", "enum": list(choices)}, {"type": "null"}]})]


def _position():
    """A position on a recommendation or on an ask (check_subject then says which the outcome may take)."""
    words = {**POSITIONS, **ASK_POSITIONS}
    message = f"Choose one of: {', '.join(POSITIONS)}; on an ask: {', '.join(ASK_POSITIONS)}."

    def check_position(value: Any) -> str | None:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or value not in words:
            raise problem(message)
        return value
    return Annotated[str | None, PlainValidator(check_position),
                     WithJsonSchema({"anyOf": [{"type": "string", "enum": list(words)}, {"type": "null"}]})]


def _due_on(value: Any) -> date:
    if value in (None, ""):
        raise problem(N_("This is required."))
    if isinstance(value, datetime):
        raise problem(N_("Give a date (YYYY-MM-DD), not a time."))
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(value, date):
        if not day_in_range(value):
            raise problem(DAY_RANGE_PROBLEM)
        return value
    raise problem(N_("Not a date; write it as YYYY-MM-DD."))


def _owner(value: Any) -> int | str:
    if value in (None, ""):
        raise problem(N_("Choose who owns this action."))
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())  # what a page's picker posts
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise problem(N_("Give the user's email."))
    if isinstance(value, int) and not 1 <= value <= MAX_ID:
        raise problem(f"No user with id {value}.")
    return value.strip().lower() if isinstance(value, str) else value


Owner = Annotated[int | str, PlainValidator(_owner), WithJsonSchema(
    {"anyOf": [{"type": "string", "format": "email"}, {"type": "integer", "minimum": 1}],
     "description": "A user's email (or id)"})]
DueOn = Annotated[date, PlainValidator(_due_on), WithJsonSchema({"type": "string", "format": "date"})]


class FollowUpCreate(BaseModel):
    """Add a follow-up action (in an outcome's `follow_ups`, a row of the log form, the action form)."""

    model_config = ConfigDict(title="FollowUpCreate", extra="forbid")
    description: Text(FollowUp.description, required=True, multiline=True)
    owner: Owner | None = Field(None, validation_alias=AliasChoices("owner", "owner_id"),
                                description="A user's email (or id); without it, whoever adds the action owns it")
    due_on: DueOn = Field(description="A date, YYYY-MM-DD")
    done: StrictBool | None = None
    status: _choice(FOLLOW_UP_STATUSES) = Field(None, description="open, done or cancelled; `done` says the same")


# A change: the same fields, each optional; in an outcome's PATCH an action may name the one it changes.
FollowUpUpdate = partial(FollowUpCreate, "FollowUpUpdate", id=(StrictInt | None, Field(
    None, description="An existing action to change; without it, a new one")))


class OutcomeCreate(BaseModel):
    """Log one outcome of a meeting (POST /outcomes, /meetings/{id}/outcomes, the "add an outcome" page)."""

    model_config = ConfigDict(title="OutcomeCreate", extra="forbid")
    meeting_id: _id("meeting") = Field(None, description="Required on POST /outcomes; taken from the path otherwise")
    recommendation_id: _id("recommendation") = None
    ask_id: _id("ask") = Field(None, description="One of the coalition's asks, in place of a recommendation")
    organisation_id: _id("organisation") = None
    position: _position() = Field(
        None, description=f"On a recommendation: {', '.join(POSITIONS)}; on an ask: {', '.join(ASK_POSITIONS)}")
    summary: Text(Outcome.summary, required=True, multiline=True)
    commitment: Text(Outcome.commitment, multiline=True) = None
    notes: Text(Outcome.notes, multiline=True) = None
    proposed_wording: Text(Outcome.proposed_wording, multiline=True) = Field(
        None, description="On an ask: the wording the state proposed instead")
    follow_ups: list[FollowUpCreate] = Field(default_factory=list, max_length=MAX_FOLLOW_UPS)


OutcomeUpdate = partial(OutcomeCreate, "OutcomeUpdate", exclude=("meeting_id",), follow_ups=(
    list[FollowUpUpdate] | None,
    Field(None, description="Actions with an id are changed, those without are added; others are kept")))


class OutcomeLog(OutcomeCreate):
    """The overall outcome when a whole meeting is logged at once (its rows are OutcomeCreate and
    FollowUpCreate, each checked on its own)."""

    model_config = ConfigDict(title="OutcomeLog", extra="forbid")
    summary: Text(Outcome.summary, required=N_("Write what the meeting achieved."), multiline=True)


# ---- from a checked body to the columns, with the checks that need the database ----

def _checked(model, data: Any, errors: dict, prefix: str, partial_model) -> tuple[Any, bool]:
    """(`data` checked by `model`, True); or, when it fails, its problems in `errors` under `prefix` +
    the field's name and (the fields that passed, checked by `partial_model`, False): the checks
    against the database then name theirs too, so every bad field is named at once."""
    try:
        return check(model, data), True
    except ValidationError as exc:
        errors.update({prefix + name: messages for name, messages in exc.fields.items()})
        if not isinstance(data, dict):
            return None, False
        names = spellings(model)
        passed = {k: v for k, v in data.items() if names.get(k, k) not in exc.fields}
        try:
            return check(partial_model, passed), False
        except ValidationError:
            return None, False


def outcome_values(data: Any, errors: dict, partial: bool = False, prefix: str = "",
                   model: type[BaseModel] | None = None) -> dict[str, Any]:
    """An outcome's columns from `data` checked by its schema (with `partial`, only those sent);
    problems go into `errors` under `prefix` + the field's name."""
    body, whole = _checked(model or (OutcomeUpdate if partial else OutcomeCreate), data, errors, prefix,
                           OutcomeUpdate)
    if body is None:
        return {}
    partial = partial or not whole
    out = {name: getattr(body, name) for name in OUTCOME_FIELDS if not partial or name in body.model_fields_set}
    for name, record, label in (("recommendation_id", Recommendation, N_("No recommendation with id %(id)s.")),
                                ("organisation_id", Organisation, N_("No organisation with id %(id)s.")),
                                ("ask_id", Ask, N_("No ask with id %(id)s."))):
        if out.get(name) is not None and db.session.get(record, out[name]) is None:
            errors[prefix + name] = [Phrase(label, id=out[name])]
    return out if whole else {}


def check_subject(values: dict, errors: dict, prefix: str = "", outcome: Outcome | None = None) -> None:
    """An outcome is on a recommendation or on an ask, never both, and its position is one of that
    subject's (an ask's: ASK_POSITIONS); the proposed wording is an ask's. With `outcome`, `values`
    are a change to it. Problems go into `errors` under `prefix` + the field's name."""
    merged = {name: values.get(name, getattr(outcome, name, None))
              for name in ("recommendation_id", "ask_id", "position", "proposed_wording")}
    if merged["recommendation_id"] is not None and merged["ask_id"] is not None:
        errors[prefix + "ask_id"] = [N_("An outcome is on a recommendation or on an ask, not both.")]
        return
    position = merged["position"]
    if merged["ask_id"] is not None:
        if position is not None and position not in ASK_POSITIONS:
            errors[prefix + "position"] = [Phrase(N_("On an ask, choose one of: %(choices)s."),
                                                  choices=", ".join(ASK_POSITIONS))]
    else:
        if position is not None and position not in POSITIONS:
            errors[prefix + "position"] = [Phrase(N_("Choose one of: %(choices)s."), choices=", ".join(POSITIONS))]
        if merged["proposed_wording"] is not None:
            errors[prefix + "proposed_wording"] = [N_("Only an outcome on an ask has a proposed wording.")]


def follow_up_values(data: Any, errors: dict, partial: bool = False, prefix: str = "") -> dict[str, Any]:
    """A follow-up's columns (owner_id, status from `done` or `status`) from `data` checked by its
    schema (with `partial`, only those sent); problems go into `errors` under `prefix` + the field's name."""
    body, whole = _checked(FollowUpUpdate if partial else FollowUpCreate, data, errors, prefix, FollowUpUpdate)
    if body is None:
        return {}
    sent = body.model_fields_set
    out: dict[str, Any] = {name: getattr(body, name) for name in ("description", "due_on") if name in sent}
    if "owner" in sent and body.owner is not None:
        user = _user(body.owner, errors, prefix + "owner")
        out["owner_id"] = user.id if user is not None else None
    if body.done is not None:
        out["status"] = "done" if body.done else "open"
    if body.status is not None:
        out["status"] = body.status
    return out if whole else {}


def _user(ref: int | str, errors: dict, field: str) -> User | None:
    """The live user an id or an email names; else an error under `field`."""
    if isinstance(ref, int):
        user = db.session.get(User, ref)
        missing = Phrase(N_("No user with id %(id)s."), id=ref)
    else:
        user = db.session.scalars(select(User).where(func.lower(User.email) == ref)).first()
        missing = Phrase(N_("No user with the email %(email)s."), email=repr(ref[:80]))
    if user is None:
        errors[field] = [missing]
    elif user.is_disabled:
        errors[field] = [Phrase(N_("%(name)s is disabled; choose someone else."), name=user.display_name)]
        return None
    return user
