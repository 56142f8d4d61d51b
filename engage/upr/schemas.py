"""The recommendation write schemas: one model per operation, shared by the edit form, the API and the
CSV import.

The field names are the API's: `cycle`, `reference`, `sub_item`, `recommending_states` (ISO codes or
states' names, a list or ";"-separated; `recommending_state`, one state, is the first of them and is
accepted instead), `text`, `sdgs` (goal numbers), `groups_of_persons`, `response`, `themes` (names, new ones are added), …
(How far it is implemented, and who is responsible: engage/implementation's schemas.)
A theme is written with its recommendation (there is no other way to add one), and a cycle is a
field of it: both are checked here.
"""
from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import ValidationError as PydanticValidationError
from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, WithJsonSchema,
                      model_validator)

from engage.countries import country_code
from engage.errors import ValidationError
from engage.i18n import N_, Phrase
from engage.recommendations.models import MAX_CYCLE, RESPONSES, SDG_GOALS, Recommendation
from engage.recommendations.themes import ThemeNames
from engage.schemas import Day, Text, TextProblem, check, clean_text, partial, problem, refuse

MAX_ID = 2**31 - 1
# Those the create sets even when not sent (to their defaults); the others only when sent.
ALWAYS = ("cycle", "reference", "sub_item", "recommending_state", "text", "response", "themes")
STATE_REQUIRED = N_("This is required: give recommending_state or recommending_states.")
MAX_STATES = 60   # the longest joint paragraphs name a few dozen states
GROUP_MAX = 200
MAX_GROUPS = 50
UNKNOWN_STATE = N_("Unknown state %(state)r; use a country name or an ISO code such as DE.")


def _whole_number(low: int, high: int, required: bool = False):
    def check_number(value: Any) -> int | None:
        if value is None or value == "":
            if required:
                raise problem(N_("This is required."))
            return None
        if isinstance(value, str):
            raise problem(Phrase(N_("Must be a whole number from %(low)d to %(high)d, got %(value)r."), low=low, high=high,
                                 value=value.strip()[:30]))
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise problem(Phrase(N_("Must be a whole number from %(low)d to %(high)d."), low=low, high=high))
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
        raise problem(Phrase(UNKNOWN_STATE, state=value[:60]))
    return code


def _clean(value: str, limit: int) -> str | None:
    try:
        return clean_text(value, max_length=limit)
    except TextProblem as exc:
        raise problem(str(exc)) from None


def _states(value: Any) -> list[str]:
    """ISO codes from a list of codes or names, or a ';'-separated string of them (repeats dropped)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = value.split(";")
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise problem(N_("Must be a list of states (ISO codes such as FR, or names)."))
    codes: list[str] = []
    for raw in value:
        raw = _clean(raw, 200)
        if raw:
            code = country_code(raw)
            if code is None:
                raise problem(Phrase(UNKNOWN_STATE, state=raw[:60]))
            codes.append(code)
    codes = list(dict.fromkeys(codes))
    if len(codes) > MAX_STATES:
        raise problem(Phrase(N_("At most %(count)d states."), count=MAX_STATES))
    return codes


def _sdgs(value: Any) -> list[int]:
    """Goal numbers from a list, or a ';'-separated string: "3; 5" or "3 - GOOD HEALTH AND WELL-BEING"."""
    if value is None or value == "":
        return []
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        value = str(value).split(";")
    if not isinstance(value, (list, tuple)):
        raise problem(N_("Must be a list of goal numbers from 1 to 17."))
    goals: list[int] = []
    for raw in value:
        if isinstance(raw, bool) or not isinstance(raw, (int, str)):
            raise problem(N_("Must be a list of goal numbers from 1 to 17."))
        if isinstance(raw, str):
            if not raw.strip():
                continue
            match = re.match(r"\s*(?:SDG|Goal)?\s*(\d{1,2})(?!\d)", raw, re.IGNORECASE)
            if not match:
                raise problem(Phrase(N_("%(value)r is not a goal; write its number from 1 to 17, e.g. \"3; 5\"."),
                                     value=raw.strip()[:40]))
            raw = int(match.group(1))
        if raw not in SDG_GOALS:
            raise problem(Phrase(N_("There is no goal %(goal)s; goals are numbered 1 to 17."), goal=raw))
        goals.append(raw)
    return sorted(set(goals))


def _groups(value: Any) -> list[str] | None:
    """Groups of persons from a list or a ';'-separated string: trimmed, without repeats."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = value.split(";")
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise problem(N_("Must be a list of groups of persons."))
    names = list(dict.fromkeys(n for n in (" ".join((_clean(v, 10 * GROUP_MAX) or "").split())
                                             for v in value) if n))
    for name in names:
        if len(name) > GROUP_MAX:
            raise problem(Phrase(N_("A group has at most %(count)d characters: %(name)r…"), count=GROUP_MAX, name=name[:40]))
    if len(names) > MAX_GROUPS:
        raise problem(Phrase(N_("At most %(count)d groups."), count=MAX_GROUPS))
    return names or None


def _sub_item(value: Any) -> Any:
    # "102.3 (1)", "(1)" and "1" are the same item of paragraph 102.3.
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(?:\d[\w.]*\s*)?\((.+)\)\s*", value)
        return match.group(1) if match else value
    return value


def _choice(choices: dict, blank: bool = True):
    def check_choice(value: Any) -> str | None:
        if (value is None or value == "") and blank:
            return None
        if isinstance(value, str) and value.strip().lower() in choices:
            return value.strip().lower()
        shown = value[:40] if isinstance(value, str) else value
        raise problem(Phrase(N_("%(value)r is not allowed; choose one of: %(choices)s."), value=shown,
                             choices=", ".join(choices)))
    return Annotated[str | None, PlainValidator(check_choice),
                     WithJsonSchema({"anyOf": [{"type": "string", "enum": list(choices)}, {"type": "null"}]})]



OneLine = BeforeValidator(_one_line)


def _either_state_required(schema: dict) -> None:
    # recommending_states alone will do: the document must not call recommending_state required.
    schema["required"] = [n for n in schema.get("required", []) if n != "recommending_state"]


class RecommendationCreate(BaseModel):
    """Add a recommendation (POST /recommendations, a CSV row)."""

    model_config = ConfigDict(title="RecommendationCreate", json_schema_extra=_either_state_required)

    @model_validator(mode="before")
    @classmethod
    def _first_of_the_states(cls, data: Any) -> Any:
        # Only the list sent: its first state is recommending_state (so that a body with neither
        # is told so beside every other missing field).
        if isinstance(data, dict) and data.get("recommending_state") in (None, "") and data.get("recommending_states"):
            states = data["recommending_states"]
            first = states.split(";")[0] if isinstance(states, str) else states[0] if isinstance(states, list) else None
            if isinstance(first, str) and first.strip():
                data = {**data, "recommending_state": first.strip()}
        return data

    cycle: _whole_number(1, MAX_CYCLE, required=True)
    reference: Annotated[Text(Recommendation.reference, required=True), OneLine]
    sub_item: Annotated[Text(Recommendation.sub_item), BeforeValidator(_sub_item), OneLine] = Field(
        None, description='The item within the paragraph: "1" for "102.3 (1)"; blank when it is not divided')
    text: Text(Recommendation.text, required=True, multiline=True)
    recommending_state: Annotated[Text(length=200, required=STATE_REQUIRED), AfterValidator(_state), Field(
        description="An ISO alpha-2 code or a state's English name: the first of recommending_states. "
                    "Required unless recommending_states is sent")]
    recommending_states: Annotated[list[str], PlainValidator(_states), WithJsonSchema(
        {"anyOf": [{"type": "array", "items": {"type": "string"}, "maxItems": MAX_STATES}, {"type": "string"},
                   {"type": "null"}]})] = Field(
        default_factory=list, description="Every state that made it, in the report's order (ISO codes or names, "
                                          "or one ';'-separated string)")
    sdgs: Annotated[list[int], PlainValidator(_sdgs), WithJsonSchema(
        {"anyOf": [{"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 17}},
                   {"type": "string"}, {"type": "null"}]})] = Field(
        default_factory=list, description='Sustainable Development Goals by number: [3, 5] or "3; 5"')
    groups_of_persons: Annotated[list[str] | None, PlainValidator(_groups), WithJsonSchema(
        {"anyOf": [{"type": "array", "items": {"type": "string", "maxLength": GROUP_MAX}}, {"type": "string"},
                   {"type": "null"}]})] = Field(None, description="OHCHR's affected persons, a list or ';'-separated")
    source_of_position: Annotated[Text(Recommendation.source_of_position), OneLine] = Field(
        None, description='Where the position was given, e.g. "A/HRC/28/15/Add.1 - Para. 3"')
    response: _choice(RESPONSES) = Field(None, description="Default: pending")
    themes: ThemeNames = Field(default_factory=list, description="Theme names; those not yet known are added")
    notes: Text(Recommendation.notes, multiline=True) = None
    paragraph_text: Text(Recommendation.paragraph_text, multiline=True) = None
    action_category: _whole_number(1, 5) = None
    wg_session: _whole_number(1, 999) = None
    review_date: Day() = None
    outcome_document: Annotated[Text(Recommendation.outcome_document), OneLine] = None
    source_ref: Annotated[Text(Recommendation.source_ref), OneLine] = None


# A change (PATCH, the inline edit on a recommendation's page, a CSV row for one that exists): each
# field optional; what was sent is in model_fields_set.
# A change never blanks the response.
RecommendationUpdate = partial(
    RecommendationCreate, "RecommendationUpdate",
    response=(_choice(RESPONSES, blank=False), None))


def _settle_states(out: dict, partial: bool) -> None:
    """`recommending_states` (every state) and `recommending_state` (the first) agree, whichever was sent.

    Without the list, a create is attributed to the one state sent; a change that sends only
    `recommending_state` puts that state first and keeps the others (`first_state`, for the service)."""
    sent_states = "recommending_states" in out
    states = out.pop("recommending_states", None) or []
    sent_single = "recommending_state" in out
    single = out.pop("recommending_state", None)
    if states:
        if single and single != states[0]:
            refuse({"recommending_state": N_("Must be the first of recommending_states (or leave it out).")})
        out["recommending_states"] = states
    elif single and partial:
        out["first_state"] = single
    elif single:
        out["recommending_states"] = [single]
    elif not partial or sent_single or sent_states:
        refuse({"recommending_state": STATE_REQUIRED})


def _check(model, data):
    """engage.schemas.check, with the schema's own messages kept as the Phrases they were raised with, so
    the import page says each line's problem in its reader's language (the text is the same English)."""
    try:
        return check(model, data)
    except ValidationError as exc:
        try:
            model.model_validate(data)
        except PydanticValidationError as raised:
            phrases = {str(m): m for err in raised.errors(include_url=False)
                       if isinstance(m := (err.get("ctx") or {}).get("message"), Phrase)}
            exc.fields = {name: [phrases.get(m, m) for m in messages] for name, messages in exc.fields.items()}
        except ValidationError:
            pass  # refused by a check of the model's own: its messages are as it raised them
        raise


def recommendation_values(data: Any, partial: bool = False) -> dict[str, Any]:
    """The recommendation's columns (and `themes`, a list of names; `recommending_states` and `sdgs`,
    lists; `first_state` for a change naming only `recommending_state`) from `data` checked by its
    schema; with `partial`, only those sent. States become ISO codes."""
    body = _check(RecommendationUpdate if partial else RecommendationCreate, data)
    sent = body.model_fields_set
    out = {name: getattr(body, name) for name in RecommendationCreate.model_fields
           if name in sent or (not partial and name in ALWAYS)}
    for name, default in (("response", "pending"), ("sub_item", "")):
        if name in out and out[name] is None:
            out[name] = default
    _settle_states(out, partial)
    return out


class DisagreementReview(BaseModel):
    """Settle a disagreement between sources (the "To review" page, POST /recommendations/disagreements/{id})."""

    model_config = ConfigDict(title="DisagreementReview")
    choice: _choice({"other": "take the other source's value", "reviewed": "keep the value shown"}, blank=False) = \
        Field(description="other: show the other source's value; reviewed: keep the value shown")


# A language as BCP 47 writes it ("fr", "fr-FR", "es-419"); its primary subtag is what is kept.
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"


def _translation_language(value: str) -> str:
    language = value.split("-", 1)[0].lower()
    if language == "en":
        raise problem(N_("English is the original text: change it with the recommendation's text."))
    return language


class RecommendationTextWrite(BaseModel):
    """Hold a recommendation's text in another language (PUT /recommendations/{id}/texts)."""

    model_config = ConfigDict(title="RecommendationTextWrite")
    language: Annotated[str, Field(min_length=2, max_length=35, pattern=LANGUAGE_PATTERN,
                                   description="BCP 47 (fr, es-419); its primary subtag is kept; not en"),
                        AfterValidator(_translation_language)]
    text: Text(Recommendation.text, required=True, multiline=True)
