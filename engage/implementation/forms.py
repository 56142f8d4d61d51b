"""Forms of the implementation pages: fields and CSRF only; the write schemas say what is valid."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField

from .models import ASSESSMENT_STATUSES, CONFIDENCE, SOURCE_KINDS

ANY = [("", _l("Any"))]


def _choices(words: dict) -> list:
    """(key, the words in the page's language) for a select of data words marked with N_()."""
    return [(key, _l(label)) for key, label in words.items()]


class AssessmentForm(FlaskForm):
    """Record or change an assessment (AssessmentCreate / AssessmentUpdate check it)."""

    assessed_on = StringField(_l("Assessed on"), description=_l("YYYY-MM-DD"), render_kw={"type": "date"})
    status = SelectField(_l("Status"), choices=_choices(ASSESSMENT_STATUSES), validate_choice=False)
    evidence = TextAreaField(_l("Evidence"), render_kw={"rows": 5},
                             description=_l("What shows it: measures taken, figures, what the ministry said."))
    links = TextAreaField(_l("Links"), render_kw={"rows": 2}, description=_l("Web addresses, one a line."))
    source_kind = SelectField(_l("Source"), choices=_choices(SOURCE_KINDS), validate_choice=False)
    source_detail = StringField(_l("Title of the report or article"))
    meeting_id = SelectField(_l("Meeting"), choices=[("", _l("— none —"))], validate_choice=False)
    confidence = SelectField(_l("Confidence"), choices=_choices(CONFIDENCE), default="medium", validate_choice=False)
    sensitivity = SelectField(_l("Sensitivity"), choices=[("internal", _l("Internal")), ("restricted", _l("Restricted"))],
                              validate_choice=False,
                              description=_l("Restricted: only people granted it see it (always so from a restricted "
                                             "meeting)."))
    documents = MultipleFileField(_l("Documents"),
                                  description=_l("PDF, Word, OpenDocument, PNG, JPEG or text; at most 10 MB each."),
                                  render_kw={"accept": ".pdf,.docx,.odt,.png,.jpg,.jpeg,.txt"})
    submit = SubmitField(_l("Save the assessment"))

    FIELDS = ("assessed_on", "status", "evidence", "links", "source_kind", "source_detail", "meeting_id",
              "confidence", "sensitivity")

    def values(self) -> dict:
        """The schema's fields as posted."""
        return {name: getattr(self, name).data for name in self.FIELDS}


class ResponsibilitiesForm(FlaskForm):
    """Who is responsible: the organisations chosen as lead and as supporting."""

    lead = SelectMultipleField(_l("Lead"), choices=[], validate_choice=False,
                               render_kw={"data-picker": ""})
    supporting = SelectMultipleField(_l("Supporting"), choices=[], validate_choice=False,
                                     render_kw={"data-picker": ""})
    submit = SubmitField(_l("Save"))


class MatrixForm(FlaskForm):
    """The matrix's filters, read from the query string."""

    class Meta:
        csrf = False

    cycle = SelectField(_l("Cycle"), choices=[("", _l("All cycles"))], default="")
    theme = SelectField(_l("Theme"), choices=[("", _l("All themes"))], default="")
    organisation_id = SelectField(_l("Ministry or agency"), choices=[("", _l("Any"))], default="")
    status = SelectField(_l("Status"), choices=ANY + _choices(ASSESSMENT_STATUSES) + [("none", _l("Not assessed"))],
                         default="")
    sdg = SelectField(_l("SDG goal"), choices=[("", _l("Any goal"))], default="")
    not_assessed_since = DateField(_l("Not assessed since"), format="%Y-%m-%d")


class DueForm(FlaskForm):
    """The review planning's filters."""

    class Meta:
        csrf = False

    months = SelectField(_l("No assessment in"), choices=[("6", _l("6 months")), ("12", _l("12 months")),
                                                          ("24", _l("24 months"))], default="12")
    organisation_id = SelectField(_l("Ministry or agency"), choices=[("", _l("Any"))], default="")

