"""Forms for the cycle pages: fields and CSRF only; the write schemas (cycles/schemas.py) say what is
valid, under the same field names."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField

from engage.forms import DateInput, mark_required

from .models import MILESTONE_KINDS
from .schemas import CycleCreate, MilestoneCreate

CYCLE_FIELDS = ("number", "wg_session", "state_under_review", "window_starts_on", "window_ends_on")
MILESTONE_FIELDS = ("kind", "title", "due_on", "hrc_session", "note", "reminder_days")


class CycleForm(FlaskForm):
    number = StringField(_l("Cycle number"), description=_l("1 for the first UPR cycle; the next one is 5."))
    wg_session = StringField(_l("Working Group session"), description=_l("The UPR session number, e.g. 49."))
    state_under_review = StringField(_l("State under review"), description=_l("ISO code or name; blank: the one engage follows."))
    window_starts_on = DateInput(_l("Engagement window from"),
                                 description=_l("Blank: 12 months before the Working Group review."))
    window_ends_on = DateInput(_l("Engagement window to"), description=_l("Blank: the adoption at the Human Rights Council."))
    submit = SubmitField(_l("Save the cycle"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, CycleCreate)

    def values(self, editing: bool = False) -> dict:
        """What create_cycle / update_cycle take (a change leaves the number alone)."""
        return {name: self[name].data for name in CYCLE_FIELDS if not (editing and name == "number")}


class MilestoneForm(FlaskForm):
    kind = SelectField(_l("Milestone"), choices=[(kind, _l(name)) for kind, name in MILESTONE_KINDS.items()], validate_choice=False)
    title = StringField(_l("Title"), description=_l("Needed for your own milestones, e.g. “coalition report final”."))
    due_on = DateInput(_l("Date"))
    hrc_session = StringField(_l("Human Rights Council session"), description=_l("For the adoption, e.g. 60."))
    note = StringField(_l("Note"))
    reminder_days = StringField(_l("Remind staff (days before)"), default="28, 7, 1",
                                description=_l("Whole days, separated by commas; blank: no reminders."))
    submit = SubmitField(_l("Save the milestone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, MilestoneCreate)

    def values(self) -> dict:
        """What add_milestone / update_milestone take."""
        out = {name: self[name].data for name in MILESTONE_FIELDS}
        out["reminder_days"] = out["reminder_days"] or []  # blank on the form: no reminders (the API's null: default)
        return out

    def fill(self, milestone) -> None:
        for name in MILESTONE_FIELDS:
            value = getattr(milestone, name)
            self[name].data = ", ".join(str(d) for d in value) if name == "reminder_days" else \
                ("" if value is None else value if name == "due_on" else str(value) if isinstance(value, int) else value)
