"""The words of invitation emails: subject lines, 'when' strings, and the text/HTML bodies.

Everything here takes already-known values and the recipient's language (engage.i18n: en, fr, es);
only render_bodies needs an app context, for the Jinja templates in engage/templates/email/, which it
renders in the content's language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app

from engage import clock, i18n
from engage.i18n import N_, translator

KINDS = ("invitation", "update", "cancellation", "reminder")
SUBJECT_PREFIX = {"invitation": N_("Invitation"), "update": N_("Updated invitation"), "cancellation": N_("Cancelled"),
                  "reminder": N_("Reminder")}


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
    language: str = "en"                        # what the bodies are written in (engage.i18n.recipient_language)


def describe_when(starts_at: datetime, ends_at: datetime, meeting_zone: str,
                  recipient_zone: str | None = None, language: str = "en") -> tuple[str, str, str]:
    """(when, when_for_recipient, duration) for a meeting in `language`, e.g.
    ('Tue 6 Jul 2027, 10:00 Geneva (CEST) · 11:00 Nairobi (EAT)', 'Tue 6 Jul 2027, 04:00 New York (EDT)', '1 hour'),
    ('mardi 6 juillet 2027, 10:00 heure de Genève (CEST) · 11:00 heure de Nairobi (EAT)', '', '1 heure').

    The recipient's zone is spelled out only when the first string does not already show it.
    """
    when = i18n.format_multi_zone(starts_at, meeting_zone, language)
    for_recipient = ""
    if recipient_zone and clock.is_valid_timezone(recipient_zone) \
            and recipient_zone not in clock.display_zones(meeting_zone):
        for_recipient = i18n.format_in_zone(starts_at, recipient_zone, language)
    return when, for_recipient, format_duration(ends_at - starts_at, language)


def format_duration(length, language: str = "en") -> str:
    """'45 minutes', '1 hour', '2 hours 30 minutes' (in `language`)."""
    return i18n.format_duration(int(length.total_seconds() // 60), language)


def when_phrase(until: timedelta, language: str = "en") -> str:
    """'tomorrow', 'in 3 days', 'in 2 hours', 'in 45 minutes' (in `language`): how far off a meeting is now."""
    t = translator(language)
    minutes = max(0, round(until.total_seconds() / 60))
    if minutes >= 36 * 60:
        return t.ngettext("in %(num)d day", "in %(num)d days", round(minutes / 1440))
    if minutes >= 20 * 60:
        return t.gettext("tomorrow")
    if minutes >= 90:
        return t.ngettext("in %(num)d hour", "in %(num)d hours", round(minutes / 60))
    if minutes >= 55:
        return t.ngettext("in %(num)d hour", "in %(num)d hours", 1)
    return t.ngettext("in %(num)d minute", "in %(num)d minutes", minutes)


def invitation_subject(kind: str, title: str, when_short: str, language: str = "en") -> str:
    """'Invitation: <title> — Tue 6 Jul 2027, 10:00 Geneva (CEST)' (Updated invitation: / Cancelled:), in `language`."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    t = translator(language)
    return t.gettext("%(kind)s: %(title)s — %(when)s", kind=t.gettext(SUBJECT_PREFIX[kind]), title=title,
                     when=when_short)


def render_bodies(content: InvitationContent) -> tuple[str, str]:
    """(plain text, HTML) for the email, from engage/templates/email/<kind>.txt and .html."""
    if content.kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {content.kind!r}")
    # Straight from the Jinja environment: emails are rendered by the dispatcher and the CLI,
    # outside any request, so the page context processors (current_user, nav) must not run.
    env = current_app.jinja_env
    with i18n.in_language(content.language):
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
