"""Reading and changing who engage speaks for; every email and the RSVP page read `current()`."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask import g, has_app_context
from flask_babel import gettext as _

from engage.audit.services import record_event
from engage.errors import ValidationError
from engage.extensions import db
from engage.members import services as members
from engage.schemas import check

from .models import MAX_LOGO_BYTES, OrganisationSettings
from .schemas import OrganisationUpdate

# What a database set up before the organisation was asked for says until an admin names it.
UNNAMED = "engage"
# Raster images only, recognised by their first bytes (never by the name or the type the browser
# claims): an SVG can carry script, and whatever is served must be what it says it is.
SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
              (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))
CACHE_KEY = "engage_organisation"  # on flask.g: one read per request, per scheduler job
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}


@dataclass(frozen=True)
class Organisation:
    """Who is inviting, as emails and pages show it."""

    name: str
    reply_to: str | None = None
    logo_digest: str | None = None
    logo_type: str | None = None
    named: bool = True  # False until someone gave the name (setup or the admin page)

    @property
    def logo_file(self) -> str | None:
        """The logo's file name in its address (changes with the logo, so caches never show an old one)."""
        return f"{self.logo_digest}.{EXTENSIONS[self.logo_type]}" if self.logo_digest and self.logo_type else None


def _row() -> OrganisationSettings | None:
    return db.session.scalars(db.select(OrganisationSettings).order_by(OrganisationSettings.id).limit(1)).first()


def current() -> Organisation:
    """The organisation as it is now, read once per request or job (thousands of reminders share one read)."""
    cached = g.get(CACHE_KEY) if has_app_context() else None
    if cached is not None:
        return cached
    row = _row()
    found = Organisation(UNNAMED, named=False) if row is None else \
        Organisation(row.name, row.reply_to, row.logo_digest, row.logo_type)
    if has_app_context():
        g.setdefault(CACHE_KEY, found)
    return found


def is_named() -> bool:
    """True once the organisation's name was given (the setup command asks only until then)."""
    return _row() is not None


def logo() -> tuple[bytes, str] | None:
    """The logo's bytes and media type, or None."""
    row = _row()
    if row is None or row.logo is None or not row.logo_type:
        return None
    return row.logo, row.logo_type


def logo_type_of(data: bytes) -> str:
    """The media type of an uploaded logo, or a ValidationError naming the `logo` field."""
    if not data:
        raise ValidationError.for_fields({"logo": _("The logo file is empty.")})
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationError.for_fields({"logo": _("The logo may be at most %(size)s KB.", size=MAX_LOGO_BYTES // 1024)})
    for signature, media_type in SIGNATURES:
        if data.startswith(signature):
            return media_type
    raise ValidationError.for_fields({"logo": _("The logo must be a PNG, JPEG or GIF image.")})


def save_settings(actor, now: datetime, data, logo_bytes: bytes | None = None,
                  remove_logo: bool = False) -> OrganisationSettings:
    """Set the organisation's name and reply address, and replace or remove its logo; audited."""
    values = check(OrganisationUpdate, data)
    media_type = logo_type_of(logo_bytes) if logo_bytes is not None else None
    row = _row()
    if row is None:
        row = OrganisationSettings(name=values.name, updated_at=now)
        db.session.add(row)
    row.name, row.reply_to = values.name, values.reply_to
    if media_type is not None:
        row.logo, row.logo_type = logo_bytes, media_type
        row.logo_digest = hashlib.sha256(logo_bytes).hexdigest()[:16]
    elif remove_logo:
        row.logo = row.logo_type = row.logo_digest = None
    row.updated_at, row.updated_by_id = now, getattr(actor, "id", None)
    db.session.flush()
    members.name_the_only_member(values.name, values.reply_to)
    record_event(actor, now, "organisation_changed", row)
    if has_app_context():
        g.pop(CACHE_KEY, None)
    return row
