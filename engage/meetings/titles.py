"""What a meeting is called where it has no title of its own: "Meeting with the Permanent Mission of Germany".

Words, no database: the meeting record and the list row both name themselves through
`meeting_with`, and invitations and reminders read that.
"""
from __future__ import annotations

import functools

from flask import current_app, has_app_context


# Names read as "the Permanent Mission of Germany", "the Ministry of Health"; others ("UNAIDS") as they are.
_NEEDS_THE = ("permanent mission", "mission", "embassy", "high commission", "ministry", "office", "delegation",
              "department", "state department", "consulate", "commission", "national", "secretariat",
              "directorate", "council", "committee", "senate", "parliament", "world", "united nations")
_DEFAULT_OUR_NAME = "the organisation"


def _with_article(name: str) -> str:
    lowered = name.lower()
    if lowered.startswith("the ") or not lowered.startswith(_NEEDS_THE):
        return name
    return f"the {name}"


def default_invitation_title(organisation_names, our_name: str = "") -> str:
    """'Meeting with the Permanent Mission of Germany', '… with A and B', '… with A, B and 2 others', or
    'Meeting with <our organisation>' / 'Meeting' when no outside organisation takes part."""
    names = [n.strip() for n in organisation_names if n and n.strip()]
    names = [_with_article(n) for n in dict.fromkeys(names)]
    if not names:
        our_name = (our_name or "").strip()
        return f"Meeting with {our_name}" if our_name and our_name.lower() != _DEFAULT_OUR_NAME else "Meeting"
    if len(names) == 1:
        return f"Meeting with {names[0]}"
    if len(names) == 2:
        return f"Meeting with {names[0]} and {names[1]}"
    if len(names) == 3:
        return f"Meeting with {names[0]}, {names[1]} and {names[2]}"
    return f"Meeting with {names[0]}, {names[1]} and {len(names) - 2} others"


def meeting_with(organisation_names) -> str:
    """The title of a meeting without an invitation title of its own, this organisation's configured
    name included (the caller passes only organisations every attendee may read)."""
    ours = current_app.config.get("ENGAGE_ORGANISATION_NAME") if has_app_context() else ""
    return _titled(tuple(organisation_names), ours or "")


@functools.lru_cache(maxsize=4096)
def _titled(organisation_names: tuple, ours: str) -> str:
    # Words only, so kept per process: a list of 50 meetings names the same few organisations.
    return default_invitation_title(organisation_names, ours)
