"""The write schemas of reports to hand in: what a report covers, and a draft's own texts.

Field names are the form's: `cycle`, `themes` (names), `ministries` (directory organisation ids),
`clusters` (recommendation cluster ids), `period_from`, `period_to`, `coalition`; a draft adds
`introduction`, `methodology`, `conclusion`, `comments` ({recommendation id: text}) and
`cluster_comments` ({cluster id: text}). The checks that need the database (do those themes and
organisations exist?) are in services and name the same fields.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationInfo, field_validator

from engage.i18n import N_
from engage.recommendations.models import MAX_CYCLE
from engage.schemas import Day, Text, problem

from .models import ReportDraft

MAX_ID = 2**31 - 1
MAX_CHOICES = 200
TEXT_LENGTH = 20000  # an introduction or a comment: a few pages at most
COALITION_LENGTH = 200


def _cycle(value: Any) -> int:
    if value is None or value == "":
        raise problem(_("Choose a cycle."))
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CYCLE:
        raise problem(_("Choose a cycle from 1 to %(max)s.", max=MAX_CYCLE))
    return value


def _names(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise problem(_("Must be a list of theme names."))
    names = list(dict.fromkeys(v.strip()[:200] for v in value if v.strip()))
    if len(names) > MAX_CHOICES:
        raise problem(_("Choose at most %(max)s themes.", max=MAX_CHOICES))
    return names


def _ids(value: Any) -> list[int]:
    if value is None or value == "":
        return []
    if isinstance(value, (str, int)):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise problem(_("Must be a list of ids."))
    ids = []
    for raw in value:
        if raw == "":
            continue
        if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
            raw = int(raw.strip())
        if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_ID:
            raise problem(_("%(value)s is not an id.", value=repr(str(raw)[:40])))
        ids.append(raw)
    if len(ids) > MAX_CHOICES:
        raise problem(_("Choose at most %(max)s.", max=MAX_CHOICES))
    return list(dict.fromkeys(ids))


def _comments(value: Any) -> dict[int, str]:
    """{recommendation id: comment}; blank comments dropped; each a multi-line text of TEXT_LENGTH at most."""
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise problem(_("Must be an object of comments by recommendation id."))
    out: dict[int, str] = {}
    check = Text(length=TEXT_LENGTH, multiline=True).__metadata__[0].func
    for key, text in value.items():
        key_text = str(key).strip()
        if not (key_text.isascii() and key_text.isdigit() and 1 <= int(key_text) <= MAX_ID):
            raise problem(_("%(value)s is not an id.", value=repr(key_text[:40])))
        try:
            cleaned = check(text)
        except ValueError as exc:
            raise problem(f"{key_text}: {exc}") from None
        if cleaned:
            out[int(key_text)] = cleaned
    return out


Cycle = Annotated[int, PlainValidator(_cycle)]
ThemeChoice = Annotated[list[str], PlainValidator(_names)]
IdChoice = Annotated[list[int], PlainValidator(_ids)]
Comments = Annotated[dict[int, str], PlainValidator(_comments)]


class ReportChoices(BaseModel):
    """What a report covers: a cycle's recommendations on some themes (all when none), those some
    ministries are responsible for (all when none), the period its evidence comes from, and whose it is."""

    model_config = ConfigDict(title="ReportChoices")

    cycle: Cycle
    themes: ThemeChoice = Field(default_factory=list)
    ministries: IdChoice = Field(default_factory=list)
    clusters: IdChoice = Field(default_factory=list)
    period_from: Day() = None
    period_to: Day() = None
    coalition: Text(length=COALITION_LENGTH, required=N_("Give the coalition's or organisation's name."))

    @field_validator("period_to")
    @classmethod
    def _after_the_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("period_from")
        if value is not None and start is not None and value < start:
            raise problem(_("The period ends before it begins."))
        return value

    def as_json(self) -> dict:
        """The choices as a draft keeps them (dates as YYYY-MM-DD)."""
        return {"cycle": self.cycle, "themes": self.themes, "ministries": self.ministries,
                "clusters": self.clusters, "period_from": _iso(self.period_from), "period_to": _iso(self.period_to),
                "coalition": self.coalition}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


class DraftSave(ReportChoices):
    """A mid-term report draft: its choices and the lead's texts."""

    model_config = ConfigDict(title="DraftSave")

    title: Text(ReportDraft.title) = None
    introduction: Text(length=TEXT_LENGTH, multiline=True) = None
    methodology: Text(length=TEXT_LENGTH, multiline=True) = None
    conclusion: Text(length=TEXT_LENGTH, multiline=True) = None
    comments: Comments = Field(default_factory=dict)
    cluster_comments: Comments = Field(default_factory=dict)

    def texts_json(self) -> dict:
        """The lead's own words, as the draft keeps them (ids as text: JSON's keys are)."""
        return {"introduction": self.introduction, "methodology": self.methodology,
                "conclusion": self.conclusion, "comments": {str(k): v for k, v in self.comments.items()},
                "cluster_comments": {str(k): v for k, v in self.cluster_comments.items()}}
