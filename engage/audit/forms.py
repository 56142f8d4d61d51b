"""The audit log's filters (a GET form: no CSRF token)."""
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from .models import AUDIT_ACTIONS


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = StringField("Who (email contains)", validators=[Optional(), Length(max=254)])
    action = SelectField("What", choices=[("", "Any action")] + list(AUDIT_ACTIONS.items()), validators=[Optional()])
    object_type = StringField("Object kind", validators=[Optional(), Length(max=40)],
                              description="e.g. contact, meeting, user")
    object_id = IntegerField("Object number", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    since = DateField("From (Nairobi date)", validators=[Optional()])
    until = DateField("To (Nairobi date, inclusive)", validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The end date is before the start date.")
