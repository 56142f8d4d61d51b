"""The one row that says who engage speaks for."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from engage.dbtypes import UTCDateTime
from engage.extensions import db

MAX_LOGO_BYTES = 256 * 1024


class OrganisationSettings(db.Model):
    """The organisation's name (required), its logo and the address people's replies go to (optional).

    The logo is kept here rather than as a file or a link elsewhere: it is served by engage itself
    (the pages' CSP allows images from 'self' only), backed up with everything else, the same on
    every web process, and no mail client is sent to a third party to show it.
    """

    __tablename__ = "organisation_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    reply_to: Mapped[str | None] = mapped_column(String(254))
    # Deferred: every email reads the name, and none needs the image's bytes.
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    logo_type: Mapped[str | None] = mapped_column(String(20))  # image/png | image/jpeg | image/gif
    logo_digest: Mapped[str | None] = mapped_column(String(16))  # in the logo's address: a new logo, a new address
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
