"""Forms of the implementation pages: fields and CSRF only; the write schemas say what is valid."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField

from .models import ASSESSMENT_STATUSES, CONFIDENCE, SOURCE_KINDS

ANY = [("", "Any")]


class AssessmentForm(FlaskForm):
    """Record or change an assessment (AssessmentCreate / AssessmentUpdate check it)."""

    assessed_on = StringField("Assessed on", description="YYYY-MM-DD", render_kw={"type": "date"})
    status = SelectField("Status", choices=list(ASSESSMENT_STATUSES.items()), validate_choice=False)
    evidence = TextAreaField("Evidence", render_kw={"rows": 5},
                             description="What shows it: measures taken, figures, what the ministry said.")
    links = TextAreaField("Links", render_kw={"rows": 2}, description="Web addresses, one a line.")
    source_kind = SelectField("Source", choices=list(SOURCE_KINDS.items()), validate_choice=False)
    source_detail = StringField("Title of the report or article")
    meeting_id = SelectField("Meeting", choices=[("", "— none —")], validate_choice=False)
    confidence = SelectField("Confidence", choices=list(CONFIDENCE.items()), default="medium", validate_choice=False)
    sensitivity = SelectField("Sensitivity", choices=[("internal", "Internal"), ("restricted", "Restricted")],
                              validate_choice=False,
                              description="Restricted: only people granted it see it (always so from a restricted meeting).")
    documents = MultipleFileField("Documents", description="PDF, Word, OpenDocument, PNG, JPEG or text; at most 10 MB each.",
                                  render_kw={"accept": ".pdf,.docx,.odt,.png,.jpg,.jpeg,.txt"})
    submit = SubmitField("Save the assessment")

    FIELDS = ("assessed_on", "status", "evidence", "links", "source_kind", "source_detail", "meeting_id",
              "confidence", "sensitivity")

    def values(self) -> dict:
        """The schema's fields as posted."""
        return {name: getattr(self, name).data for name in self.FIELDS}


class ResponsibilitiesForm(FlaskForm):
    """Who is responsible: the organisations chosen as lead and as supporting."""

    lead = SelectMultipleField("Lead", choices=[], validate_choice=False,
                               render_kw={"data-picker": ""})
    supporting = SelectMultipleField("Supporting", choices=[], validate_choice=False,
                                     render_kw={"data-picker": ""})
    submit = SubmitField("Save")


class MatrixForm(FlaskForm):
    """The matrix's filters, read from the query string."""

    class Meta:
        csrf = False

    cycle = SelectField("Cycle", choices=[("", "All cycles")], default="")
    theme = SelectField("Theme", choices=[("", "All themes")], default="")
    organisation_id = SelectField("Ministry or agency", choices=[("", "Any")], default="")
    status = SelectField("Status", choices=ANY + list(ASSESSMENT_STATUSES.items()) + [("none", "Not assessed")],
                         default="")
    sdg = SelectField("SDG goal", choices=[("", "Any goal")], default="")
    not_assessed_since = DateField("Not assessed since", format="%Y-%m-%d")


class DueForm(FlaskForm):
    """The review planning's filters."""

    class Meta:
        csrf = False

    months = SelectField("No assessment in", choices=[("6", "6 months"), ("12", "12 months"), ("24", "24 months")],
                         default="12")
    organisation_id = SelectField("Ministry or agency", choices=[("", "Any")], default="")

