"""Forms for sensitivity, grants, groups and members."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField

from engage.auth.models import User
from engage.extensions import db
from engage.forms import mark_required

from .models import SENSITIVITIES
from .schemas import GroupWrite
from .services import all_groups
from engage.members.models import SHARING


def _optional_int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def user_choices(blank: str) -> list[tuple]:
    """Active users for pickers, by name."""
    users = db.session.scalars(select(User).where(User.is_disabled.is_(False)).order_by(User.full_name))
    return [("", blank)] + [(u.id, f"{u.display_name} ({u.email})") for u in users]


class SensitivityForm(FlaskForm):
    sensitivity = SelectField(_l("Sensitivity"), choices=[(key, _l(label)) for key, label in SENSITIVITIES.items()])
    submit = SubmitField(_l("Save"))


class SharingForm(FlaskForm):
    """What other member organisations see of a meeting (a coalition's only)."""

    sharing = SelectField(_l("Other member organisations see"), choices=[(key, _l(label)) for key, label in SHARING.items()], validate_choice=False)


class GrantForm(FlaskForm):
    """Fields and CSRF only; GrantWrite (access/schemas.py) says what is valid, under the same names."""

    user_id = SelectField(_l("A person"), coerce=_optional_int, validate_choice=False)
    group_id = SelectField(_l("or a group"), coerce=_optional_int, validate_choice=False)
    submit = SubmitField(_l("Grant"))

    def values(self) -> dict:
        """What GrantWrite checks: the ids as posted (a value that is not a number stays text for it to refuse)."""
        return {"user_id": self.user_id.raw_data[0] if self.user_id.raw_data else None,
                "group_id": self.group_id.raw_data[0] if self.group_id.raw_data else None}

    def setup(self) -> "GrantForm":
        self.user_id.choices = user_choices(_("— nobody —"))
        self.group_id.choices = [("", _("— no group —"))] + [(g.id, g.name) for g in all_groups()]
        return self


class GroupForm(FlaskForm):
    """A group's name and purpose: fields and CSRF only; GroupWrite (access/schemas.py) says what is
    valid, under the same field names."""

    name = StringField(_l("Name"))
    description = TextAreaField(_l("What it is for"), render_kw={"rows": 3})
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, GroupWrite)

    def values(self) -> dict:
        """What create_group and update_group take."""
        return {"name": self.name.data, "description": self.description.data}


class MemberForm(FlaskForm):
    # No rule here: a blank or unknown person finds nobody, and the view says "Choose a person to add.".
    user_id = SelectField(_l("Add a person"), coerce=_optional_int)
    submit = SubmitField(_l("Add"))

    def setup(self) -> "MemberForm":
        self.user_id.choices = user_choices(_("— choose —"))
        return self


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token (revoke, remove, delete)."""

    submit = SubmitField(_l("Confirm"))


class OfficerForm(FlaskForm):
    """Name a data-protection officer (is_dpo 1) or remove one (0): the DPO's page. Fields and CSRF only;
    OfficerChange (access/schemas.py) says what is valid, under the same names."""

    user_id = StringField(_l("Person"))  # text, so a value that is not a number reaches the schema
    is_dpo = HiddenField()
    submit = SubmitField(_l("Save"))

    def values(self) -> dict:
        """What OfficerChange checks."""
        return {"user_id": self.user_id.data, "is_dpo": self.is_dpo.data}
