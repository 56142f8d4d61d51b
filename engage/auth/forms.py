"""Forms for signing in, passwords and user administration."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, SubmitField

from engage.forms import mark_required
from engage.members.models import DEFAULT_SHARING, SHARING
from engage.members.schemas import MAX_LOGO_BYTES, MemberCreate

from .models import ROLE_LABELS
from .schemas import (EMAIL_LENGTH, MIN_PASSWORD_LENGTH, PASSWORD_LENGTH, PasswordChange, PasswordConfirm, SignIn,
                      SignInCode, TokenCreate, TwoStepEnrol, UserCreate)


class LoginForm(FlaskForm):
    """Fields and CSRF only; SignIn (auth/schemas.py) says what must be there, under the same names."""

    email = EmailField(_l("Email"), render_kw={"maxlength": EMAIL_LENGTH})
    password = PasswordField(_l("Password"), render_kw={"maxlength": PASSWORD_LENGTH})
    submit = SubmitField(_l("Sign in"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, SignIn)

    def values(self) -> dict:
        """What SignIn checks."""
        return {"email": self.email.data, "password": self.password.data}


class ChangePasswordForm(FlaskForm):
    """Fields and CSRF only; PasswordChange (auth/schemas.py) says what is valid, under the same names."""

    current_password = PasswordField(_l("Current password"))
    new_password = PasswordField(_l("New password"),
                                 render_kw={"minlength": MIN_PASSWORD_LENGTH, "maxlength": PASSWORD_LENGTH})
    confirm = PasswordField(_l("Repeat the new password"))
    submit = SubmitField(_l("Change password"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, PasswordChange)

    def values(self) -> dict:
        """What PasswordChange checks."""
        return {"current_password": self.current_password.data, "new_password": self.new_password.data,
                "confirm": self.confirm.data}


class NewUserForm(FlaskForm):
    """Fields and CSRF only; UserCreate (auth/schemas.py) says what must be there, under the same names."""

    email = EmailField(_l("Email"), render_kw={"maxlength": EMAIL_LENGTH})
    full_name = StringField(_l("Full name"))
    role = SelectField(_l("Role"), choices=[(key, _l(label)) for key, label in ROLE_LABELS.items()])
    submit = SubmitField(_l("Add user"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, UserCreate)

    def values(self) -> dict:
        """What UserCreate checks."""
        return {"email": self.email.data, "full_name": self.full_name.data}


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[(key, _l(label)) for key, label in ROLE_LABELS.items()])
    submit = SubmitField(_l("Change role"))


class DpoForm(FlaskForm):
    """Fields and CSRF only; DpoChange (auth/schemas.py) says what is valid, under the same name."""

    is_dpo = HiddenField(_l("Data-protection officer"))

    def values(self) -> dict:
        """What DpoChange checks."""
        return {"is_dpo": self.is_dpo.data}


class NewTokenForm(FlaskForm):
    """Fields and CSRF only; TokenCreate (auth/schemas.py) says what is valid, under the same name."""

    name = StringField(_l("What the token is for"))
    submit = SubmitField(_l("Create token"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, TokenCreate)

    def values(self) -> dict:
        """What TokenCreate checks."""
        return {"name": self.name.data}


class LanguageForm(FlaskForm):
    """Fields and CSRF only; LanguageChange (auth/schemas.py) says what is valid."""

    language = SelectField(_l("Language of the pages"), validate_choice=False,
                           choices=[("", _l("As my browser asks")), ("en", "English"), ("fr", "Français")])
    submit = SubmitField(_l("Save language"))


class ConfirmForm(FlaskForm):
    """A bare form: a button and its CSRF token."""

    submit = SubmitField(_l("Confirm"))


class ConfirmPasswordForm(FlaskForm):
    """Fields and CSRF only; PasswordConfirm (auth/schemas.py) says what must be there, under the same name."""

    password = PasswordField(_l("Your password"), render_kw={"maxlength": PASSWORD_LENGTH})
    submit = SubmitField(_l("Confirm"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, PasswordConfirm)

    def values(self) -> dict:
        """What PasswordConfirm checks."""
        return {"password": self.password.data}


class CodeForm(FlaskForm):
    """Fields and CSRF only; SignInCode (auth/schemas.py) says what must be there, under the same name."""

    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       render_kw={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"})
    submit = SubmitField(_l("Continue"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, SignInCode)

    def values(self) -> dict:
        """What SignInCode checks."""
        return {"code": self.code.data}


class EnrolForm(FlaskForm):
    """Fields and CSRF only; TwoStepEnrol (auth/schemas.py) says what must be there, under the same name."""

    code = StringField(_l("The 6-digit code your app shows now"),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    submit = SubmitField(_l("Turn on two-step sign-in"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, TwoStepEnrol)

    def values(self) -> dict:
        """What TwoStepEnrol checks."""
        return {"code": self.code.data}


class MemberForm(FlaskForm):
    """Fields and CSRF only; members.schemas.MemberCreate says what must be there, under the same names."""

    name = StringField(_l("Name"))
    short_name = StringField(_l("Short name"), description=_l("As pages and warnings name it, e.g. KHRC."))
    from_name = StringField(_l("Sender's name on its invitations"))
    reply_to = EmailField(_l("Replies to its invitations go to"))
    default_sharing = SelectField(_l("What its new meetings share with the other members"),
                                  choices=[(key, _l(label)) for key, label in SHARING.items()], default=DEFAULT_SHARING, validate_choice=False)
    submit = SubmitField(_l("Add member organisation"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, MemberCreate)

    def values(self) -> dict:
        """What MemberCreate checks."""
        return {name: getattr(self, name).data or None for name in ("name", "short_name", "from_name", "reply_to")} \
            | {"default_sharing": self.default_sharing.data}


class MemberLogoForm(FlaskForm):
    """A member organisation's logo: a file to upload, or remove it (CSRF; MemberLogo checks the bytes)."""

    logo = FileField(_l("Logo (PNG or JPEG)"), description=_l("At most %(size)s KB; SVG is refused.",
                                                              size=MAX_LOGO_BYTES // 1024))
    remove = BooleanField(_l("Remove the logo"))


class MoveUserForm(FlaskForm):
    """Which member a user belongs to (CSRF and the choice; UserMove checks it)."""

    member_id = SelectField(_l("Member organisation"), coerce=int, validate_choice=False)
