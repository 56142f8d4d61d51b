"""Forms for the recommendation pages: filters, the planning view, inline edits, imports."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SearchField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from engage.asks.models import PRIORITIES
from engage.implementation.models import ASSESSMENT_STATUSES
from engage.recommendations.models import RESPONSES, SDG_GOALS

ANY = [("", "Any")]


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes (usable on a phone, unlike a multi-select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FilterForm(FlaskForm):
    """The filters above the list; read from the query string."""

    class Meta:
        csrf = False

    q = SearchField("Search the text", validators=[Optional(), Length(max=200)])
    cycle = SelectField("Cycle", choices=[("", "All cycles")], default="")  # the cycles held, set by the view
    state = SelectField("Recommending state", choices=[("", "All states")], default="")
    theme = SelectField("Theme", choices=[("", "All themes")], default="")
    group = SelectField("Theme group", choices=[("", "Any group")], default="")  # the groups held, set by the view
    response = SelectField("Kenya's response", choices=ANY + list(RESPONSES.items()), default="")
    implementation_status = SelectField("Implementation", default="", choices=ANY + list(ASSESSMENT_STATUSES.items())
                                        + [("none", "Not assessed")])
    sdg = SelectField("Sustainable Development Goal", default="",
                      choices=[("", "Any goal")] + [(str(n), f"{n} – {name}") for n, name in SDG_GOALS.items()])
    engaged = SelectField("Engaged this cycle", choices=[("", "Either"), ("yes", "Yes"), ("no", "Not yet")],
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

    theme = CheckboxListField("Themes", default=[])
    group = SelectField("Theme group", default="", description="Adds the group's themes to those ticked.")
    cycle = SelectField("Cycle", default="all")
    response = SelectField("Kenya's response", choices=ANY + list(RESPONSES.items()), default="")


class AskPlanForm(FlaskForm):
    """What the asks' planning view shows: the cycle, a theme, a priority."""

    class Meta:
        csrf = False

    cycle = SelectField("Cycle", default="")
    theme = SelectField("Theme", default="")
    priority = SelectField("Priority", choices=ANY + list(PRIORITIES.items()), default="")


class EditForm(FlaskForm):
    """The inline edit on a recommendation's page: fields and CSRF only; RecommendationUpdate
    (upr/schemas.py) says what is valid, under the same field names (new themes are refused as `themes`)."""

    themes = CheckboxListField("Themes", validate_choice=False)
    new_themes = StringField("Add themes", description="Names of themes not in the list, separated by ;")
    sdgs = CheckboxListField("Sustainable Development Goals", validate_choice=False,
                             choices=[(str(n), f"{n} – {name}") for n, name in SDG_GOALS.items()])
    notes = TextAreaField("Notes", render_kw={"rows": 4})
    submit = SubmitField("Save changes")

    def values(self) -> dict:
        """What the service needs: chosen and new themes together."""
        names = list(self.themes.data or []) + (self.new_themes.data or "").split(";")
        return {"themes": names, "sdgs": list(self.sdgs.data or []), "notes": self.notes.data}


class ImportForm(FlaskForm):
    """Upload a file of recommendations: engage's CSV, a UPR Info export or an OHCHR matrix."""

    file = FileField("File of recommendations", validators=[FileRequired("Choose a file to import.")],
                     render_kw={"accept": ".csv,text/csv,.xls,.xlsx,.docx"},
                     description="OHCHR's matrix of recommendations (.docx, as downloaded), "
                                 "a UPR Info database export as downloaded (.xls, .xlsx, or re-saved as .csv), "
                                 "or engage's CSV: UPR Info's columns (as in the 1st-cycle file) or "
                                 "cycle, reference, recommending_states (or recommending_state), text, response "
                                 "and themes.")
    # Read only for an OHCHR matrix, and only when the file does not say its cycle; the importer checks it.
    cycle = StringField("Cycle", render_kw={"inputmode": "numeric", "size": 3},
                        description="Only for an OHCHR matrix that does not say which UPR cycle it is (most do).")
    dry_run = BooleanField("Check the file first (nothing is saved until you press Import on the result)",
                           default=True)
    submit = SubmitField("Import")
