"""The write schemas of member organisations."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from engage.schemas import Text

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
