"""Write schemas for what a recipient sends from the RSVP page: an answer with a note, and another time.

Their messages are marked (N_): the page shows them in the recipient's language."""
from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

from engage.i18n import N_
from engage.meetings.models import Attendee
from engage.schemas import Text, problem

NOTE_LENGTH = 500


def _date(value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise problem(N_("Give the date as YYYY-MM-DD, e.g. 2027-07-06.")) from None


def _time(value: str | None) -> time:
    try:
        parsed = time.fromisoformat(value or "")
    except ValueError:
        raise problem(N_("Give the time as HH:MM, e.g. 14:30.")) from None
    if parsed.tzinfo is not None:
        raise problem(N_("Give the time as HH:MM, without an offset: the page says which zone it is in."))
    return parsed


class RsvpAnswer(BaseModel):
    """An answer from the RSVP page, with an optional word to the organiser (sent: replaces the last one)."""

    model_config = ConfigDict(extra="forbid")

    answer: Literal["accepted", "tentative", "declined"]
    note: Text(Attendee.answer_note, multiline=True) = None


class TimeProposal(BaseModel):
    """Another time for the meeting, in the zone the page shows; held on the meeting page like a calendar's COUNTER."""

    model_config = ConfigDict(extra="forbid")

    date: Annotated[Text(length=10, required=N_("Choose a date.")), AfterValidator(_date)]
    time: Annotated[Text(length=8, required=N_("Choose a time.")), AfterValidator(_time)]
    comment: Text(length=NOTE_LENGTH, multiline=True) = None
