"""The ask write schemas: one model per operation, shared by the ask form, the API and the CSV import.

The field names are the API's: `cycle`, `text`, `priority`, `source`, `themes` (names; new ones are
added, as with recommendations), `recommendation_ids` (the past recommendations it builds on),
`target_states` (ISO codes or states' names, a list or a ';'-separated text) and `owner` (a staff
member's email or user id; `owner_id` also). The checks that need the database (is the cycle one of
the cycles held, do those recommendations exist, is that user active?) follow the models and name
the same fields.
"""
from __future__ import annotations

from typing import Annotated, Any

from flask_babel import gettext as _
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema
from sqlalchemy import func, select

from engage.auth.models import User
from engage.countries import country_code
from engage.extensions import db
from engage.recommendations.models import MAX_CYCLE, Recommendation
from engage.recommendations.themes import ThemeNames
from engage.schemas import MAX_ID, RecommendationIds, Text, TextProblem, check, clean_text, partial, problem, refuse

from .models import MATCH_VERDICTS, PRIORITIES, Ask, AskMatch

MAX_TARGETS = 200
MAX_LINKS = 200
# Those the create sets even when not sent (to their defaults); the others only when sent.
ALWAYS = ("cycle", "text", "priority", "source", "themes", "recommendation_ids", "target_states", "owner")


def _cycle(value: Any) -> int:
    if value is None or value == "":
        raise problem(_("This is required."))
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())  # a form's or a CSV file's text
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CYCLE:
        raise problem(_("Must be a whole number from 1 to %(max)s.", max=MAX_CYCLE))
    return value


def _priority(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().lower() in PRIORITIES:
        return value.strip().lower()
    shown = value[:40] if isinstance(value, str) else value
    raise problem(_("%(value)s is not allowed; choose one of: %(choices)s.", value=repr(shown),
                    choices=", ".join(PRIORITIES)))


def _states(value: Any) -> list[str]:
    """ISO alpha-2 codes, in order, each once, from a list or a ';'-separated text of codes or names."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(";")
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise problem(_("Must be a list of states (ISO codes such as DE, or names)."))
    codes: list[str] = []
    for raw in value:
        try:
            name = clean_text(raw, max_length=200)
        except TextProblem as exc:
            raise problem(str(exc)) from None
        if not name:
            continue
        code = country_code(name)
        if code is None:
            raise problem(_("Unknown state %(name)s; use a country name or an ISO code such as DE.",
                            name=repr(name[:60])))
        if code not in codes:
            codes.append(code)
    if len(codes) > MAX_TARGETS:
        raise problem(_("At most %(max)s states.", max=MAX_TARGETS))
    return codes




def _user(value: Any) -> int | str | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if 1 <= value <= MAX_ID:
            return value
        raise problem(_("Not a user id."))
    try:
        email = clean_text(value, max_length=254)
    except TextProblem as exc:
        raise problem(str(exc)) from None
    return email.lower() if email else None


class AskCreate(BaseModel):
    """Add an ask (POST /asks, the ask form, a CSV row)."""

    model_config = ConfigDict(title="AskCreate")
    # A form or a CSV cell gives the number as text, and blanks for none: documented as the checks take them.
    cycle: Annotated[int, PlainValidator(_cycle), WithJsonSchema(
        {"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_CYCLE},
                   {"type": "string", "pattern": r"^\s*[0-9]+\s*$"}]})]
    text: Text(Ask.text, required="Give the text the coalition wants recommended.", multiline=True)
    priority: Annotated[str | None, PlainValidator(_priority), WithJsonSchema(
        {"anyOf": [{"type": "string", "enum": list(PRIORITIES)}, {"type": "string", "maxLength": 0},
                   {"type": "null"}]})] = \
        Field(None, description="Default: medium")
    source: Text(Ask.source) = Field(None, description="The joint stakeholder report and its paragraph")
    themes: ThemeNames = Field(default_factory=list, description="Theme names; those not yet known are added")
    # A list, or one ';'-separated text (a CSV cell), as the checks take them.
    recommendation_ids: RecommendationIds(MAX_LINKS) = \
        Field(default_factory=list, description="The past recommendations it builds on")
    target_states: Annotated[list[str], PlainValidator(_states), WithJsonSchema(
        {"anyOf": [{"type": "array", "items": {"type": "string", "maxLength": 200}},
                   {"type": "string", "description": "states separated by ';'"}, {"type": "null"}]})] = \
        Field(default_factory=list, description="States to pitch it to: ISO alpha-2 codes or English names")
    owner: Annotated[int | str | None, PlainValidator(_user), WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0},
                   {"type": "integer", "minimum": 1, "maximum": MAX_ID}, {"type": "null"}],
         "description": "The staff member who owns it: email or user id"})] = \
        Field(None, validation_alias=AliasChoices("owner", "owner_id"))


# A change (PATCH, the edit form): each field optional; what was sent is in model_fields_set.
# A change never blanks the priority.
AskUpdate = partial(AskCreate, "AskUpdate")


def cycles_held() -> list[int]:
    """The numbers of the UPR cycles engage holds (engage/cycles), in order."""
    # By the table's name: cycles sit above asks (they count the asks pitched), so asks import nothing of theirs.
    cycle = db.metadata.tables["upr_cycle"]
    return list(db.session.scalars(select(cycle.c.number).order_by(cycle.c.number)))


def no_such_cycle(number: int, held: list[int]) -> str:
    """Why an ask cannot be of cycle `number`, and how to add that cycle."""
    known = f"the cycles held are {', '.join(map(str, held))}" if held else "no cycle is held yet"
    return (f"No cycle {number}: {known}. A lead adds a cycle on the Cycles page (New cycle) or with "
            f"POST /api/v1/cycles.")


def _find_owner(ref: int | str) -> User | None:
    query = select(User).where(User.id == ref) if isinstance(ref, int) else \
        select(User).where(func.lower(User.email) == ref)
    return db.session.scalars(query).first()


def ask_values(data: Any, partial: bool = False) -> dict[str, Any]:
    """The ask's columns (with `themes`, names; `recommendation_ids`; `target_states`; `owner`, a User or
    None) from `data` checked by its schema; with `partial`, only those sent. Refuses recommendations
    that do not exist and an owner who is not an active user, naming the fields."""
    body = check(AskUpdate if partial else AskCreate, data)
    sent = body.model_fields_set
    out = {name: getattr(body, name) for name in AskCreate.model_fields
           if name in sent or (not partial and name in ALWAYS)}
    if "priority" in out and out["priority"] is None:
        out["priority"] = "medium"
    for name in ("themes", "recommendation_ids", "target_states"):
        if name in out and out[name] is None:
            out[name] = []
    errors: dict[str, str] = {}
    if out.get("cycle") is not None:
        held = cycles_held()
        # Without any cycle held (a new installation before its cycles are entered; migrations seed
        # Kenya's 1 to 4) any number is taken, as every meeting then counts as engaged.
        if held and out["cycle"] not in held:
            errors["cycle"] = no_such_cycle(out["cycle"], held)
    ids = out.get("recommendation_ids") or []
    if ids:
        found = set(db.session.scalars(select(Recommendation.id).where(Recommendation.id.in_(ids))))
        missing = [i for i in ids if i not in found]
        if missing:
            errors["recommendation_ids"] = _("No recommendation with id %(id)s.", id=", ".join(map(str, missing)))
    if out.get("owner") is not None:
        user = _find_owner(out["owner"])
        if user is None or not user.is_active:
            errors["owner"] = _("No active staff member %(owner)s.", owner=out["owner"])
        out["owner"] = user
    refuse(errors)
    return out


def _recommendation_id(value: Any) -> int:
    if value is None or value == "":
        raise problem(_("This is required."))
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())  # what a page's button posts
    if isinstance(value, bool) or not isinstance(value, int):
        raise problem(_("Must be the id of a recommendation."))
    if not 1 <= value <= MAX_ID:
        raise problem(_("No recommendation with id %(id)s.", id=value))
    return value


def _verdict(value: Any) -> str:
    if value is None or value == "":
        raise problem(_("This is required."))
    if not isinstance(value, str) or value not in MATCH_VERDICTS:
        raise problem(_("Choose one of: %(choices)s.",
                        choices="; ".join(f"{key} ({_(label)})" for key, label in MATCH_VERDICTS.items())))
    return value


class MatchDecision(BaseModel):
    """Decide whether a recommendation takes up an ask (POST /asks/{id}/matches, the ask page's buttons)."""

    model_config = ConfigDict(title="MatchDecision", extra="forbid")
    recommendation_id: Annotated[int, PlainValidator(_recommendation_id), WithJsonSchema(
        {"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_ID},
                   {"type": "string", "pattern": r"^\s*[0-9]+\s*$"}],
         "description": "A recommendation of the ask's cycle"})]
    verdict: Annotated[str, PlainValidator(_verdict), WithJsonSchema(
        {"type": "string", "enum": list(MATCH_VERDICTS),
         "description": "; ".join(f"{key}: {label}" for key, label in MATCH_VERDICTS.items())})]
    note: Text(AskMatch.note, multiline=True) = Field(None, description="Why, in a few words")
