"""Forms for logging and editing outcomes and follow-up actions."""
from __future__ import annotations

from datetime import date

from flask import flash
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, SelectField, StringField, SubmitField,
                     TextAreaField)

from engage.errors import ServiceError, ValidationError
from engage.forms import DateInput, mark_required
from engage.i18n import said_refusal
from engage.implementation.models import ASSESSMENT_STATUSES, CONFIDENCE
from engage.schemas import check

from .models import ASK_POSITIONS, FOLLOW_UP_STATUSES, POSITIONS
from .schemas import FollowUpCreate, OutcomeCreate, OutcomeLog



def translated_choices(words: dict) -> list:
    """(key, label) choices whose labels (marked with N_ where they are defined) are shown in the page's
    language; the key posted stays the English data."""
    return [(key, _l(label)) for key, label in words.items()]


POSITION_CHOICES = translated_choices(POSITIONS)
# An outcome on an ask takes the ask's positions; "not discussed" is the same word for both.
ASK_POSITION_CHOICES = [(k, _l("On an ask: %(position)s", position=_l(v)))
                        for k, v in ASK_POSITIONS.items() if k not in POSITIONS]


class AgendaItemForm(Form):
    """One agenda recommendation on the log form; its label comes from the recommendation."""

    recommendation_id = HiddenField()
    position = SelectField(_l("Their position"), choices=POSITION_CHOICES, default="not_discussed", validate_choice=False)
    commitment = TextAreaField(_l("What they committed to"), render_kw={"rows": 2},
                               description=_l('e.g. "will make a recommendation on HIV key populations"'))
    summary = TextAreaField(_l("What was said"), render_kw={"rows": 2},
                            description=_l("Leave blank to use the overall summary."))
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 2})


class FollowUpRowForm(Form):
    """A follow-up action row; a row left blank is ignored. FollowUpCreate (outcomes/schemas.py) checks it."""

    description = StringField(_l("Action"))
    owner_id = SelectField(_l("Owner"), validate_choice=False)
    due_on = DateInput(_l("Due on"))


class LogOutcomeForm(FlaskForm):
    """Logging a whole meeting: fields and CSRF only; OutcomeLog, OutcomeCreate and FollowUpCreate
    (outcomes/schemas.py) say what is valid, under the same field names."""

    summary = TextAreaField(_l("Overall summary"), render_kw={"rows": 4})
    organisation_id = SelectField(_l("Organisation met"), description=_l("Whose positions these are."), validate_choice=False)
    items = FieldList(FormField(AgendaItemForm))
    other_recommendation_id = SelectField(_l("Another recommendation raised"), description=_l("Optional."),
                                          validate_choice=False)
    other_position = SelectField(_l("Their position on it"), choices=POSITION_CHOICES, default="supportive",
                                 validate_choice=False)
    other_commitment = TextAreaField(_l("What they committed to on it"), render_kw={"rows": 2})
    other_notes = TextAreaField(_l("Notes on it"), render_kw={"rows": 2})
    follow_ups = FieldList(FormField(FollowUpRowForm), min_entries=3, max_entries=20)
    submit = SubmitField(_l("Save the outcome"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, OutcomeLog)

    def item_values(self) -> list[dict]:
        """The recommendation rows as the service takes them (the "other" one last)."""
        items = [{"recommendation_id": e.form.recommendation_id.data, "position": e.form.position.data,
                  "commitment": e.form.commitment.data, "summary": e.form.summary.data, "notes": e.form.notes.data}
                 for e in self.items]
        if self.other_recommendation_id.data:
            items.append({"recommendation_id": self.other_recommendation_id.data,
                          "position": self.other_position.data, "commitment": self.other_commitment.data,
                          "notes": self.other_notes.data})
        return items

    def follow_up_values(self) -> list[dict]:
        return [{"description": e.form.description.data, "owner_id": e.form.owner_id.data,
                 "due_on": e.form.due_on.data} for e in self.follow_ups]


class OutcomeForm(FlaskForm):
    """One outcome: add another to a meeting, or edit one. Fields and CSRF only: OutcomeCreate
    (outcomes/schemas.py) says what is valid, under the same field names."""

    recommendation_id = SelectField(_l("Recommendation"), description=_l("Leave blank for an overall summary."),
                                    validate_choice=False)
    ask_id = SelectField(_l("Or one of our asks"), validate_choice=False,
                         description=_l("In place of a recommendation: the asks on the agenda come first."))
    organisation_id = SelectField(_l("Organisation"), validate_choice=False)
    position = SelectField(_l("Their position"),
                           choices=[("", _l("— none (overall summary) —")), *POSITION_CHOICES, *ASK_POSITION_CHOICES],
                           validate_choice=False)
    summary = TextAreaField(_l("Summary"), render_kw={"rows": 4})
    commitment = TextAreaField(_l("What they committed to"), render_kw={"rows": 2})
    proposed_wording = TextAreaField(_l("The wording they proposed"), render_kw={"rows": 2},
                                     description=_l("On an ask, when they prefer other wording."))
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 3})
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, OutcomeCreate)

    def values(self) -> dict:
        """The outcome's fields (OutcomeCreate's names)."""
        return {"recommendation_id": self.recommendation_id.data or None, "ask_id": self.ask_id.data or None,
                "proposed_wording": self.proposed_wording.data,
                "organisation_id": self.organisation_id.data or None,
                "position": self.position.data or None, "summary": self.summary.data,
                "commitment": self.commitment.data, "notes": self.notes.data}


class OutcomeAssessmentForm(OutcomeForm):
    """Adding an outcome, with the assessment of the recommendation the meeting gave (a meeting with
    a ministry): checked by engage/implementation's AssessmentCreate, under these fields."""

    assessment_status = SelectField(_l("Implementation status this meeting showed"), validate_choice=False,
                                    choices=[("", _l("— no assessment —")), *translated_choices(ASSESSMENT_STATUSES)],
                                    description=_l("Records an assessment of the recommendation, sourced to this meeting."))
    assessment_evidence = TextAreaField(_l("Evidence for the assessment"), render_kw={"rows": 3})
    assessment_confidence = SelectField(_l("Confidence in the assessment"), choices=translated_choices(CONFIDENCE),
                                        default="medium", validate_choice=False)

    def assessment_values(self) -> dict:
        """The assessment's fields, as implementation.services.assess_from_outcome takes them."""
        return {"status": self.assessment_status.data, "evidence": self.assessment_evidence.data,
                "confidence": self.assessment_confidence.data}


class FollowUpForm(FlaskForm):
    """Adding or changing a follow-up action: fields and CSRF only; FollowUpCreate (outcomes/schemas.py)
    says what is valid. The owner is posted as owner_id, which the schema reads as `owner`."""

    description = StringField(_l("Action"))
    owner_id = SelectField(_l("Owner"), validate_choice=False)
    due_on = DateInput(_l("Due on"))
    status = SelectField(_l("Status"), choices=translated_choices(FOLLOW_UP_STATUSES), validate_choice=False)
    past_due_ok = BooleanField(_l("Keep this date, although it has passed"))
    submit = SubmitField(_l("Save the action"))

    # Shown (with past_due_ok) once a date in the past was given: see asks_about_past_due.
    ask_past_due = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, FollowUpCreate)

    def asks_about_past_due(self, today, unchanged=None) -> bool:
        """True, with the question beside the date, when the due date has passed (and is not the one
        already saved, `unchanged`) and the user has not said to keep it; a past date is allowed, but
        usually a slip. The schema's own problems are shown with it, so one more submit is enough."""
        due = self.due_on.data
        if not isinstance(due, date) or due >= today or due == unchanged or self.past_due_ok.data:
            return False
        self.ask_past_due = True
        self.due_on.errors = list(self.due_on.errors or []) + [
            _("That date has passed: choose a later one, or tick “Keep this date” below.")]
        try:
            check(FollowUpCreate, self.values(with_status=False))
        except ValidationError as exc:
            place_errors(self, exc)
        return True

    def values(self, with_status: bool = True) -> dict:
        out = {"description": self.description.data, "owner_id": self.owner_id.data, "due_on": self.due_on.data}
        if with_status:
            out["status"] = self.status.data
        return out


def _fields(container) -> dict:
    """Every field of a form by its name, nested rows included."""
    found = {}
    for f in container:
        if f.type == "FieldList":
            for entry in f.entries:
                if entry.type == "FormField":
                    found.update(_fields(entry.form))
                found[entry.name] = entry
        else:
            found[f.name] = f
    return found


def has_errors(form) -> bool:
    """True when any field, nested rows included, carries an error (from validation or a service)."""
    if getattr(form, "service_refused", False):
        return True
    return any(getattr(f, "errors", None) and f.type != "FormField" for f in _fields(form).values())


def place_errors(form, exc: ServiceError, renames: dict[str, str] | None = None) -> None:
    """Put a service's field errors beside the fields they name (nested rows included);
    anything that names no field becomes a flash message."""
    form.service_refused = True
    said_refusal(exc)  # the messages in the page's language
    fields = _fields(form)
    aliases = {"owner": "owner_id"}
    unplaced = []
    for name, messages in (exc.fields or {}).items():
        key = name.replace(".", "-")
        for old, new in (renames or {}).items():
            if key.startswith(old):
                key = new + key[len(old):]
        head, _, tail = key.rpartition("-")
        target = fields.get(key) or fields.get(f"{head}-{aliases.get(tail, tail)}" if head else aliases.get(key, key))
        if target is not None and hasattr(target, "errors") and target.type not in ("HiddenField",):
            target.errors = list(target.errors or []) + list(messages)
        else:
            unplaced.extend(messages)
    if unplaced or not exc.fields:
        flash(exc.message if not exc.fields else "; ".join(unplaced), "danger")
