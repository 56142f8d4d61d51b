"""The Outbox page's filters and its resend button."""
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import Length, NumberRange, Optional

from .models import OUTBOX_KINDS, OUTBOX_STATUSES


class OutboxFilterForm(FlaskForm):
    """Filters read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    status = SelectField("Status", choices=[("", "Any status")] + [(k, v[0]) for k, v in OUTBOX_STATUSES.items()],
                         validators=[Optional()])
    kind = SelectField("Kind", choices=[("", "Any kind")] + list(OUTBOX_KINDS.items()), validators=[Optional()])
    meeting = IntegerField("Meeting number", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    recipient = StringField("Recipient contains", validators=[Optional(), Length(max=254)])


class ResendForm(FlaskForm):
    """A button and its CSRF token."""

    submit = SubmitField("Send again")
