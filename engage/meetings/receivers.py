"""How meetings react to signals from the layers below them (connected in create_app)."""
from __future__ import annotations

from .services import resend_current


def resend_restricted(record, *, actor, now, new: str, announce: bool = True, **_) -> None:
    """A meeting still to come that becomes restricted is sent again (SEQUENCE raised), so attendees'
    calendars drop the title first sent; the caller may opt out (`announce=False`) to send its own update."""
    if announce and new == "restricted" and getattr(record, "__tablename__", None) == "meeting":
        resend_current(actor, now, record)
