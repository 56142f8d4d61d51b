"""The Outbox page's filters and its resend button."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import Length, NumberRange, Optional

from .models import OUTBOX_KINDS, OUTBOX_STATUSES


class OutboxFilterForm(FlaskForm):
    """Filters read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[("", _l("Any status"))] + [(k, _l(v[0])) for k, v in OUTBOX_STATUSES.items()],
                         validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=[("", _l("Any kind"))] + [(k, _l(v)) for k, v in OUTBOX_KINDS.items()],
                       validators=[Optional()])
    meeting = IntegerField(_l("Meeting number"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    recipient = StringField(_l("Recipient contains"), validators=[Optional(), Length(max=254)])


class ResendForm(FlaskForm):
    """A button and its CSRF token."""

    submit = SubmitField(_l("Send again"))
