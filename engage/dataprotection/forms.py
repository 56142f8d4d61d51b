"""Forms for the data-protection pages; each carries CSRF."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired

from engage.forms import DateInput, mark_required

from .models import REQUEST_KINDS
from .schemas import DataRequestCreate


class RequestForm(FlaskForm):
    """Logging a request: fields and CSRF only; DataRequestCreate (dataprotection/schemas.py) says what
    is valid, under the same field names."""

    kind = SelectField("Kind of request", choices=list(REQUEST_KINDS.items()), validate_choice=False)
    # Choices are the contacts the DPO may see, filled in by the view (contact_choices): restricted
    # ones included, erased ones left out (there is nothing left to export or erase).
    contact_id = SelectField("Contact", choices=[], validate_choice=False,
                             description="The person the request is about: by name, then organisation. "
                                         "Narrow the list with “Find a contact” if it is long.")
    received_on = DateInput("Received on", description="Leave blank for today.")
    notes = TextAreaField("Notes", render_kw={"rows": 2},
                          description="How it came in, a ticket number. No names or other personal details.")
    submit = SubmitField("Log the request")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, DataRequestCreate)

    def values(self) -> dict:
        """What open_request takes."""
        return {name: self[name].data for name in ("kind", "contact_id", "received_on", "notes")}


class ExportForm(FlaskForm):
    format = HiddenField(default="json")


class EraseForm(FlaskForm):
    confirm = StringField("Type the contact's email address, or ERASE",
                          validators=[DataRequired("Type the email address or ERASE to confirm.")])
    submit = SubmitField("Erase for good")


class CloseRequestForm(FlaskForm):
    submit = SubmitField("Close without action")
