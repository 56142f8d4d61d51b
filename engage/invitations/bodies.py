"""The words of invitation emails: subject lines, 'when' strings, and the text/HTML bodies.

Everything here takes already-known values (the caller formats nothing twice); only
render_bodies needs an app context, for the Jinja templates in engage/templates/email/.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app

from engage import clock

KINDS = ("invitation", "update", "cancellation", "reminder")
SUBJECT_PREFIX = {"invitation": "Invitation", "update": "Updated invitation", "cancellation": "Cancelled",
                  "reminder": "Reminder"}


@dataclass(frozen=True)
class InvitationContent:
    kind: str                                   # invitation | update | cancellation
    title: str
    recipient_name: str
    when: str                                   # describe_when(...)[0]: meeting zone, Nairobi, Geneva
    when_for_recipient: str = ""                # describe_when(...)[1]: only when the recipient's zone differs
    duration: str = ""                          # describe_when(...)[2]: "1 hour 30 minutes"
    location: str = ""
    online_url: str = ""
    organiser_name: str = ""
    organiser_email: str = ""                   # where a person's reply goes: the reply address, else the mailbox
    organisation_name: str = ""                 # who is inviting (engage setup, Admin → Organisation)
    logo_url: str = ""                          # the organisation's logo, served by engage
    agenda: str = ""
    recommendations: tuple[str, ...] = field(default_factory=tuple)  # "142.15 (Germany): …"
    changes: tuple[str, ...] = field(default_factory=tuple)          # update: "Time: was …, now …"
    note: str = ""                              # a word from the organiser, e.g. why it was cancelled
    attendee_removed: bool = False              # cancellation: the meeting goes ahead without this recipient
    accept_url: str = ""
    maybe_url: str = ""
    decline_url: str = ""
    answer_page_url: str = ""


def describe_when(starts_at: datetime, ends_at: datetime, meeting_zone: str,
                  recipient_zone: str | None = None) -> tuple[str, str, str]:
    """(when, when_for_recipient, duration) for a meeting, e.g.
    ('Tue 6 Jul 2027, 10:00 Geneva (CEST) · 11:00 Nairobi (EAT)', 'Tue 6 Jul 2027, 04:00 New York (EDT)', '1 hour').

    The recipient's zone is spelled out only when the first string does not already show it.
    """
    when = clock.format_multi_zone(starts_at, meeting_zone)
    for_recipient = ""
    if recipient_zone and clock.is_valid_timezone(recipient_zone) \
            and recipient_zone not in clock.display_zones(meeting_zone):
        for_recipient = clock.format_in_zone(starts_at, recipient_zone)
    return when, for_recipient, format_duration(ends_at - starts_at)


def format_duration(length) -> str:
    """'45 minutes', '1 hour', '2 hours 30 minutes'."""
    minutes = max(0, int(length.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def invitation_subject(kind: str, title: str, when_short: str) -> str:
    """'Invitation: <title> — Tue 6 Jul 2027, 10:00 Geneva (CEST)' (Updated invitation: / Cancelled:)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    return f"{SUBJECT_PREFIX[kind]}: {title} — {when_short}"


def render_bodies(content: InvitationContent) -> tuple[str, str]:
    """(plain text, HTML) for the email, from engage/templates/email/<kind>.txt and .html."""
    if content.kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {content.kind!r}")
    # Straight from the Jinja environment: emails are rendered by the dispatcher and the CLI,
    # outside any request, so the page context processors (current_user, nav) must not run.
    env = current_app.jinja_env
    text = env.get_template(f"email/{content.kind}.txt").render(c=content)
    html = env.get_template(f"email/{content.kind}.html").render(c=content)
    return _tidy_text(text), html


def _tidy_text(text: str) -> str:
    # Jinja leaves blank-line runs where optional sections are absent.
    lines, blank = [], 0
    for line in text.splitlines():
        line = line.rstrip()
        blank = blank + 1 if not line else 0
        if blank <= 1:
            lines.append(line)
    return "\n".join(lines).strip() + "\n"
