"""Forms for the cluster pages: fields and CSRF only; the schemas (clusters/schemas.py) say what is
valid, under the same field names."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SearchField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from engage.forms import mark_required, picker
from engage.recommendations.queries import cycles_in_use, recommendation_choices

from .schemas import ClusterCreate


def _recommendation_picker() -> dict:
    """The recommendations picker's words, in the page's language."""
    return picker(_("Type a reference (101.2), a state or words of the text, then Enter."), _("Add a recommendation…"))


class FilterForm(FlaskForm):
    """The filters above the list; read from the query string."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search the names"), validators=[Optional(), Length(max=200)])
    cycle = SelectField(_l("With a recommendation of"), choices=[("", _l("Any cycle"))], default="")

    def fill_choices(self) -> None:
        """The cycles that have recommendations."""
        self.cycle.choices = [("", _("Any cycle"))] + [(str(c), _("Cycle %(number)s", number=c))
                                                       for c in cycles_in_use()]

    def filters(self) -> dict:
        """The valid filters as keyword arguments for services.cluster_query."""
        self.validate()
        q = self.q.data if not self.q.errors and self.q.data else None
        cycle = self.cycle.data if not self.cycle.errors and self.cycle.data else None
        return {"q": q, "cycle": int(cycle) if cycle else None}


class ClusterForm(FlaskForm):
    """Add a cluster, or rename it and change its description."""

    name = StringField(_l("Name"), description=_l("The demand it stands for, e.g. “Ratify the OP-CAT”"))
    description = TextAreaField(_l("Description"), render_kw={"rows": 3})
    recommendation_ids = SelectMultipleField(_l("Recommendations"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, with_members: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, ClusterCreate)
        if with_members:
            self.recommendation_ids.choices = recommendation_choices()
            self.recommendation_ids.render_kw = _recommendation_picker()
        else:
            del self.recommendation_ids

    def service_data(self) -> dict:
        """The fields under the schema's names."""
        data = {"name": self.name.data, "description": self.description.data or None}
        if getattr(self, "recommendation_ids", None) is not None:
            data["recommendation_ids"] = list(self.recommendation_ids.data or [])
        return data


class MembersForm(FlaskForm):
    """Add recommendations to a cluster."""

    recommendation_ids = SelectMultipleField(_l("Add recommendations"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Add"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.recommendation_ids.choices = recommendation_choices()
        self.recommendation_ids.render_kw = _recommendation_picker()


class MergeForm(FlaskForm):
    """Merge another cluster into this one."""

    cluster_id = SelectField(_l("Merge into this one"), validate_choice=False)
    submit = SubmitField(_l("Merge"))


class ConfirmForm(FlaskForm):
    """Confirm a suggested group: the ids ticked (the first is the one matched), the cluster to join."""

    recommendation_ids = SelectMultipleField(_l("Recommendations"), coerce=str, validate_choice=False)
    cluster_id = HiddenField()
    name = StringField(_l("Name of the new cluster"))


class PlainForm(FlaskForm):
    """A delete or remove button: CSRF only."""
