"""Forms for the data-protection pages; each carries CSRF."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired

from engage.forms import DateInput, mark_required

from .models import REQUEST_KINDS
from .schemas import DataRequestCreate


class RequestForm(FlaskForm):
    """Logging a request: fields and CSRF only; DataRequestCreate (dataprotection/schemas.py) says what
    is valid, under the same field names."""

    kind = SelectField(_l("Kind of request"), choices=list(REQUEST_KINDS.items()), validate_choice=False)
    # Choices are the contacts the DPO may see, filled in by the view (contact_choices): restricted
    # ones included, erased ones left out (there is nothing left to export or erase).
    contact_id = SelectField(_l("Contact"), choices=[], validate_choice=False,
                             description=_l("The person the request is about: by name, then organisation. "
                                            "Narrow the list with “Find a contact” if it is long."))
    received_on = DateInput(_l("Received on"), description=_l("Leave blank for today."))
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 2},
                          description=_l("How it came in, a ticket number. No names or other personal details."))
    submit = SubmitField(_l("Log the request"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, DataRequestCreate)
        self.kind.choices = [(key, _(label)) for key, label in REQUEST_KINDS.items()]

    def values(self) -> dict:
        """What open_request takes."""
        return {name: self[name].data for name in ("kind", "contact_id", "received_on", "notes")}


class ExportForm(FlaskForm):
    format = HiddenField(default="json")


class EraseForm(FlaskForm):
    confirm = StringField(_l("Type the contact's email address, or ERASE"),
                          validators=[DataRequired(_l("Type the email address or ERASE to confirm."))])
    submit = SubmitField(_l("Erase for good"))


class CloseRequestForm(FlaskForm):
    submit = SubmitField(_l("Close without action"))
