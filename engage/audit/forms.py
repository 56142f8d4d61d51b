"""The audit log's filters (a GET form: no CSRF token)."""
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from .models import AUDIT_ACTIONS


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = StringField(_l("Who (email contains)"), validators=[Optional(), Length(max=254)])
    action = SelectField(_l("What"), choices=[("", _l("Any action"))] + [(key, _l(label)) for key, label in AUDIT_ACTIONS.items()], validators=[Optional()])
    object_type = StringField(_l("Object kind"), validators=[Optional(), Length(max=40)],
                              description=_l("e.g. contact, meeting, user"))
    object_id = IntegerField(_l("Object number"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    since = DateField(_l("From (Nairobi date)"), validators=[Optional()])
    until = DateField(_l("To (Nairobi date, inclusive)"), validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_("The end date is before the start date."))
