"""Forms for the data-protection pages; each carries CSRF."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .models import REQUEST_KINDS


class RequestForm(FlaskForm):
    kind = SelectField("Kind of request", choices=list(REQUEST_KINDS.items()))
    contact_id = IntegerField("Contact number", validators=[DataRequired("Give the contact's number (from its page)."),
                                                             NumberRange(min=1, max=2**31 - 1)],
                              description="The number in the contact page's address, /directory/contacts/<number>.")
    received_on = DateField("Received on", validators=[Optional()], description="Leave blank for today.")
    notes = TextAreaField("Notes", validators=[Length(max=2000)], render_kw={"rows": 2},
                          description="How it came in, a ticket number. No names or other personal details.")
    submit = SubmitField("Log the request")


class ExportForm(FlaskForm):
    format = HiddenField(default="json")


class EraseForm(FlaskForm):
    confirm = StringField("Type the contact's email address, or ERASE",
                          validators=[DataRequired("Type the email address or ERASE to confirm.")])
    submit = SubmitField("Erase for good")


class CloseRequestForm(FlaskForm):
    submit = SubmitField("Close without action")
