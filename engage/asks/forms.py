"""Forms for the ask pages: filters, the add/edit form, delete, CSV import. Fields and CSRF only:
AskCreate and AskUpdate (asks/schemas.py) say what is valid, under the same field names."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, SearchField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from engage.auth.models import User
from engage.countries import country_choices, country_name
from engage.extensions import db
from engage.forms import mark_required, picker
from engage.recommendations.queries import all_themes, recommendation_choices

from .models import PRIORITIES, Ask
from .schemas import AskCreate, cycles_held
from .services import cycles_in_use, target_states_in_use


class FilterForm(FlaskForm):
    """The filters above the list; read from the query string."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search the text"), validators=[Optional(), Length(max=200)])
    cycle = SelectField(_l("Cycle"), choices=[("", _l("All cycles"))], default="")
    theme = SelectField(_l("Theme"), choices=[("", _l("All themes"))], default="")
    priority = SelectField(_l("Priority"), choices=[("", _l("Any"))] + [(k, _l(v)) for k, v in PRIORITIES.items()],
                           default="")
    state = SelectField(_l("Target state"), choices=[("", _l("All states"))], default="")

    def fill_choices(self) -> None:
        """The cycles, themes and states that asks use."""
        self.cycle.choices = [("", _("All cycles"))] + [(str(c), _("Cycle %(number)s", number=c))
                                                        for c in cycles_in_use()]
        self.theme.choices = [("", _("All themes"))] + [(t.name, t.name) for t in all_themes()]
        self.state.choices = [("", _("All states"))] + sorted(
            ((c, country_name(c)) for c in target_states_in_use()), key=lambda p: p[1])

    def filters(self) -> dict:
        """The valid filters as keyword arguments for asks.services.ask_query (an invalid one is left out)."""
        self.validate()
        value = {f.name: f.data for f in self if not f.errors and f.data not in (None, "")}
        out = {k: value.get(k) for k in ("q", "theme", "priority", "state")}
        out["cycle"] = int(value["cycle"]) if "cycle" in value else None
        return out


class AskForm(FlaskForm):
    """Add or change an ask."""

    cycle = SelectField(_l("UPR cycle"), validate_choice=False,
                        description=_l("The review it is for, one of the cycles held; a lead adds a cycle on the "
                                       "Cycles page"))
    text = TextAreaField(_l("What we ask states to recommend"), render_kw={"rows": 5})
    priority = SelectField(_l("Priority"), choices=[(k, _l(v)) for k, v in PRIORITIES.items()], default="medium",
                           validate_choice=False)
    source = StringField(_l("Source"), description=_l("The joint stakeholder report and its paragraph, e.g. JSR 2025 §14"))
    themes = SelectMultipleField(_l("Themes"), validate_choice=False)
    new_themes = StringField(_l("Add themes"), description=_l("Names of themes not in the list, separated by ;"))
    recommendation_ids = SelectMultipleField(_l("Builds on these past recommendations"), coerce=int,
                                             validate_choice=False)
    target_states = SelectMultipleField(_l("States to pitch it to"), validate_choice=False)
    owner = SelectField(_l("Owner"), validate_choice=False, description=_l("Who on staff carries it"))
    submit = SubmitField(_l("Save the ask"))

    def __init__(self, *args, ask: Ask | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, AskCreate)
        # The pickers' words, in the page's language (render_kw is the page's, not the class's).
        self.themes.render_kw = picker(_("Type a theme, then Enter."), _("Add a theme…"))
        self.recommendation_ids.render_kw = picker(
            _("Type a reference (101.2), a state or words of the text, then Enter."), _("Add a recommendation…"))
        self.target_states.render_kw = picker(_("Type a state's name, then Enter."), _("Add a state…"))
        self.themes.choices = [(t.name, t.name) for t in all_themes()]
        self.recommendation_ids.choices = recommendation_choices()
        self.target_states.choices = [(code, name) for code, name in country_choices() if code]
        users = db.session.scalars(select(User).where(User.is_disabled.is_(False)).order_by(User.full_name))
        self.owner.choices = [("", _("— nobody yet —"))] + [(str(u.id), u.display_name) for u in users]
        held = cycles_held()
        self.cycle.choices = [("", _("— choose a cycle —"))] + [(str(n), _("Cycle %(number)s", number=n))
                                                             for n in reversed(held)]
        if ask is None and not self.is_submitted():
            # A new ask is of the cycle a link asked for (?cycle=, from the cycle's page), else the newest.
            wanted = request.args.get("cycle", "")
            self.cycle.data = wanted if wanted in {str(n) for n in held} else str(held[-1]) if held else ""
        if ask is not None and not self.is_submitted():
            self.cycle.data = str(ask.cycle)
            self.text.data = ask.text
            self.priority.data = ask.priority
            self.source.data = ask.source
            self.themes.data = ask.theme_names
            self.recommendation_ids.data = [r.id for r in ask.recommendations]
            self.target_states.data = ask.target_states
            self.owner.data = str(ask.owner_id or "")

    def service_data(self) -> dict:
        """The fields under the schema's names: chosen and new themes together, the owner's id."""
        owner = self.owner.data
        if isinstance(owner, str) and owner.isascii() and owner.isdigit():
            owner = int(owner)  # anything else is left for the schema to refuse
        return {"cycle": self.cycle.data, "text": self.text.data, "priority": self.priority.data,
                "source": self.source.data,
                "themes": list(self.themes.data or []) + (self.new_themes.data or "").split(";"),
                "recommendation_ids": list(self.recommendation_ids.data or []),
                "target_states": list(self.target_states.data or []), "owner": owner or None}


class DeleteForm(FlaskForm):
    """Delete an ask: CSRF only."""


class ImportForm(FlaskForm):
    """Upload a CSV file of asks."""

    file = FileField(_l("CSV file of asks"), validators=[FileRequired(_l("Choose a file to import."))],
                     render_kw={"accept": ".csv,text/csv"},
                     description=_l("Columns: cycle, text, priority, source, themes, target_states, "
                                    "recommendation_ids, owner_email (themes, states and ids separated by ;)."))
    dry_run = BooleanField(_l("Only check the file, save nothing"), default=True)
    submit = SubmitField(_l("Import"))


class MatchForm(FlaskForm):
    """A verdict on one recommendation for an ask: the button pressed posts `verdict`. MatchDecision
    (asks/schemas.py) says what is valid."""

    recommendation_id = StringField(_l("Recommendation"))
    verdict = StringField(_l("Verdict"))
    note = StringField(_l("Note (optional)"))

    def service_data(self) -> dict:
        """What was posted, for MatchDecision (a blank note is none)."""
        return {"recommendation_id": self.recommendation_id.data, "verdict": self.verdict.data,
                "note": self.note.data or None}


class UndoMatchForm(FlaskForm):
    """Forget a verdict: CSRF only."""


class MatchesFilterForm(FlaskForm):
    """The cycle whose asks the matches page lists; read from the query string."""

    class Meta:
        csrf = False

    cycle = SelectField(_l("Cycle"), choices=[], validate_choice=False)

    def fill_choices(self) -> None:
        """The cycles that have asks, newest first; the newest when none is asked for."""
        self.cycle.choices = [(str(c), _("Cycle %(number)s", number=c)) for c in cycles_in_use()]
        if not self.cycle.data and self.cycle.choices:
            self.cycle.data = self.cycle.choices[0][0]

    def chosen(self) -> int | None:
        """The cycle asked for, or None when it is not a number of a cycle with asks."""
        value = (self.cycle.data or "").strip()
        return int(value) if value.isascii() and value.isdigit() and value in {v for v, _ in self.cycle.choices} \
            else None
