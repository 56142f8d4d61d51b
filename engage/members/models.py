"""A member organisation of the coalition engage serves (one, alone, on most installs)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, LargeBinary, String, false
from sqlalchemy.orm import Mapped, deferred, mapped_column

from engage.dbtypes import UTCDateTime
from engage.extensions import db
from engage.i18n import N_

# How far another member sees a member's meeting (never a restricted one: that needs a grant).
SHARING = {
    "private": N_("Private to its member"),
    "coalition_summary": N_("Coalition: that it took place, with whom, on which asks"),
    "coalition_full": N_("Coalition: in full"),
}
DEFAULT_SHARING = "coalition_summary"


class Member(db.Model):
    """One member organisation: its names, its logo and the sender identity of its invitations.

    `is_secretariat` marks the member that runs the coalition: its admins add members and move users.
    The first member (made from the organisation's settings) is the secretariat.
    """

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40))
    # The sender identity of this member's invitations; blank: the organisation's settings.
    from_name: Mapped[str | None] = mapped_column(String(120))
    reply_to: Mapped[str | None] = mapped_column(String(254))
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    logo_type: Mapped[str | None] = mapped_column(String(20))
    is_secretariat: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What a new meeting of this member shares with the others (SHARING); each meeting may say otherwise.
    default_sharing: Mapped[str] = mapped_column(String(20), default=DEFAULT_SHARING,
                                                 server_default=DEFAULT_SHARING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self):
        return f"<Member {self.id} {self.short_name!r}>"
