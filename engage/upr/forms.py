"""Forms for the recommendation pages: filters, the planning view, inline edits, imports."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SearchField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from engage.asks.models import PRIORITIES
from engage.implementation.models import ASSESSMENT_STATUSES
from engage.recommendations.models import RESPONSES, SDG_GOALS

ANY = [("", _l("Any"))]
# The responses as the filters offer them, in the reader's language (the values stay the stored keys).
RESPONSE_CHOICES = [(key, _l(label)) for key, label in RESPONSES.items()]
# The goals as "3 – Good health and well-being", the name in the reader's language.
SDG_CHOICES = [(str(n), _l("%(number)s – %(goal)s", number=n, goal=_l(name))) for n, name in SDG_GOALS.items()]


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes (usable on a phone, unlike a multi-select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FilterForm(FlaskForm):
    """The filters above the list; read from the query string."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search the text"), validators=[Optional(), Length(max=200)])
    cycle = SelectField(_l("Cycle"), choices=[("", _l("All cycles"))], default="")  # the cycles held, set by the view
    state = SelectField(_l("Recommending state"), choices=[("", _l("All states"))], default="")
    theme = SelectField(_l("Theme"), choices=[("", _l("All themes"))], default="")
    group = SelectField(_l("Theme group"), choices=[("", _l("Any group"))], default="")  # the groups held, set by the view
    response = SelectField(_l("Kenya's response"), choices=ANY + RESPONSE_CHOICES, default="")
    implementation_status = SelectField(_l("Implementation"), default="", choices=ANY + [(key, _l(label)) for key, label in ASSESSMENT_STATUSES.items()]
                                        + [("none", _l("Not assessed"))])
    sdg = SelectField(_l("Sustainable Development Goal"), default="",
                      choices=[("", _l("Any goal"))] + SDG_CHOICES)
    engaged = SelectField(_l("Engaged this cycle"), choices=[("", _l("Either")), ("yes", _l("Yes")), ("no", _l("Not yet"))],
                          default="")

    def filters(self) -> dict:
        """The valid filters as keyword arguments for the list query (an invalid one is left out)."""
        self.validate()
        value = {f.name: f.data for f in self if not f.errors and f.data not in (None, "")}
        out = {k: value.get(k) for k in ("q", "state", "theme", "group", "response", "implementation_status")}
        out["cycle"] = int(value["cycle"]) if "cycle" in value else None
        out["sdg"] = int(value["sdg"]) if "sdg" in value else None
        out["engaged"] = {"yes": True, "no": False}.get(value.get("engaged"))
        return out


class PlanForm(FlaskForm):
    """What the planning view shows: themes, cycle, response."""

    class Meta:
        csrf = False

    theme = CheckboxListField(_l("Themes"), default=[])
    group = SelectField(_l("Theme group"), default="", description=_l("Adds the group's themes to those ticked."))
    cycle = SelectField(_l("Cycle"), default="all")
    response = SelectField(_l("Kenya's response"), choices=ANY + RESPONSE_CHOICES, default="")


class AskPlanForm(FlaskForm):
    """What the asks' planning view shows: the cycle, a theme, a priority."""

    class Meta:
        csrf = False

    cycle = SelectField(_l("Cycle"), default="")
    theme = SelectField(_l("Theme"), default="")
    priority = SelectField(_l("Priority"), choices=ANY + [(key, _l(label)) for key, label in PRIORITIES.items()], default="")


class EditForm(FlaskForm):
    """The inline edit on a recommendation's page: fields and CSRF only; RecommendationUpdate
    (upr/schemas.py) says what is valid, under the same field names (new themes are refused as `themes`)."""

    themes = CheckboxListField(_l("Themes"), validate_choice=False)
    new_themes = StringField(_l("Add themes"), description=_l("Names of themes not in the list, separated by ;"))
    sdgs = CheckboxListField(_l("Sustainable Development Goals"), validate_choice=False,
                             choices=SDG_CHOICES)
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 4})
    submit = SubmitField(_l("Save changes"))

    def values(self) -> dict:
        """What the service needs: chosen and new themes together."""
        names = list(self.themes.data or []) + (self.new_themes.data or "").split(";")
        return {"themes": names, "sdgs": list(self.sdgs.data or []), "notes": self.notes.data}


class ImportForm(FlaskForm):
    """Upload a file of recommendations: engage's CSV, a UPR Info export or an OHCHR matrix."""

    file = FileField(_l("File of recommendations"), validators=[FileRequired(_l("Choose a file to import."))],
                     render_kw={"accept": ".csv,text/csv,.xls,.xlsx,.docx"},
                     description=_l("OHCHR's matrix of recommendations (.docx, as downloaded), "
                                    "a UPR Info database export as downloaded (.xls, .xlsx, or re-saved as .csv), "
                                    "or engage's CSV: UPR Info's columns (as in the 1st-cycle file) or "
                                    "cycle, reference, recommending_states (or recommending_state), text, response "
                                    "and themes."))
    # Read only for an OHCHR matrix, and only when the file does not say its cycle; the importer checks it.
    cycle = StringField(_l("Cycle"), render_kw={"inputmode": "numeric", "size": 3},
                        description=_l("Only for an OHCHR matrix that does not say which UPR cycle it is (most do)."))
    dry_run = BooleanField(_l("Check the file first (nothing is saved until you press Import on the result)"),
                           default=True)
    submit = SubmitField(_l("Import"))
