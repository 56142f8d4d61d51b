"""The admin page for who engage speaks for, and the logo that RSVP pages and emails show."""
from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_login import current_user
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, StringField

from engage.auth.permissions import require_role_for_blueprint
from engage.boundary import form_page
from engage.clock import now_utc
from engage.forms import mark_required

from . import services
from .models import MAX_LOGO_BYTES, OrganisationSettings
from .schemas import OrganisationUpdate

bp = Blueprint("organisation", __name__, url_prefix="/admin/organisation")
require_role_for_blueprint(bp, "admin")
# Public on purpose: recipients who never sign in see the logo on the RSVP page and in their mail.
logo_bp = Blueprint("organisation_logo", __name__, url_prefix="/organisation")


class OrganisationForm(FlaskForm):
    name = StringField(_l("Organisation's name"), render_kw={"maxlength": OrganisationSettings.name.type.length})
    reply_to = EmailField(_l("Reply address"), description=_l("Where people's replies to invitations go. Blank: the "
                                         "organiser mailbox. Calendar answers still reach engage either way."))
    logo = FileField(_l("Logo (PNG, JPEG or GIF)"), description=_l("At most %(size)s KB.", size=MAX_LOGO_BYTES // 1024),
                     render_kw={"accept": "image/png,image/jpeg,image/gif"})
    remove_logo = BooleanField(_l("Remove the logo"))


@bp.route("", methods=["GET", "POST"])
def edit():
    row = services.current()
    form = OrganisationForm(data={"name": row.name if row.named else "", "reply_to": row.reply_to or ""})
    mark_required(form, OrganisationUpdate)
    page = form_page(form, "organisation/settings.html", 422, organisation=row)
    if not form.validate_on_submit():
        return page()
    upload = form.logo.data
    # One byte past the limit, so an oversized file is refused rather than cut short.
    logo_bytes = upload.read(MAX_LOGO_BYTES + 1) if upload and getattr(upload, "filename", "") else None
    services.save_settings(current_user, now_utc(), {"name": form.name.data, "reply_to": form.reply_to.data},
                           logo_bytes=logo_bytes, remove_logo=bool(form.remove_logo.data))
    flash(_("Saved: invitations and answer pages now show these."), "success")
    return redirect(url_for("organisation.edit"), 303)


@logo_bp.route("/logo/<name>")
def logo(name):
    found = services.logo()
    if found is None or name != services.current().logo_file:
        abort(404)
    data, media_type = found
    # The address changes with the logo, so it may be kept for a long time.
    return Response(data, mimetype=media_type, headers={"Cache-Control": "public, max-age=31536000, immutable"})


def init_app(app) -> None:
    """Give every page the organisation, for the RSVP page and the brand in the top bar."""
    app.add_template_global(services.current, "organisation")
