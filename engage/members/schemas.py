"""The write schemas of member organisations."""
from __future__ import annotations

from typing import Literal

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, field_validator

from engage.schemas import Text, problem

from .models import Member


class MemberCreate(BaseModel):
    """A member organisation: its names and the sender identity of its invitations."""

    model_config = ConfigDict(extra="forbid")

    name: Text(Member.name, required="Give the member organisation's name.")
    short_name: Text(Member.short_name, required="Give a short name (as pages and warnings name it).")
    from_name: Text(Member.from_name) = None
    reply_to: Text(Member.reply_to) = None
    default_sharing: Literal["private", "coalition_summary", "coalition_full"] = "coalition_summary"


class UserMove(BaseModel):
    """Which member organisation a user belongs to."""

    model_config = ConfigDict(extra="forbid")

    member_id: int


MAX_LOGO_BYTES = 256 * 1024
# Raster images only, recognised by their first bytes (never by the name or the type the browser claims).
LOGO_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def logo_type_of(data: bytes) -> str:
    """The media type of a member's logo (PNG or JPEG), or a ValueError saying why not."""
    if not data:
        raise ValueError(_("The logo file is empty."))
    if len(data) > MAX_LOGO_BYTES:
        raise ValueError(_("The logo may be at most %(size)s KB.", size=MAX_LOGO_BYTES // 1024))
    for signature, media_type in LOGO_SIGNATURES:
        if data.startswith(signature):
            return media_type
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml", b"<!doctype svg")) or b"<svg" in head:
        # An SVG can carry script and fetch other files: refused rather than half-cleaned.
        raise ValueError(_("SVG logos are refused (an SVG can carry script); upload a PNG or JPEG image."))
    raise ValueError(_("The logo must be a PNG or JPEG image."))


class MemberLogo(BaseModel):
    """A member organisation's logo: new bytes (PNG or JPEG, size-limited), or none to remove it."""

    model_config = ConfigDict(extra="forbid")

    logo: bytes | None = None

    @field_validator("logo")
    @classmethod
    def a_raster_image(cls, value):
        if value is not None:
            try:
                logo_type_of(value)
            except ValueError as exc:
                raise problem(str(exc)) from None
        return value
