"""What the invitation emails say: what, why, when (both zones), where, who, how to answer."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from engage.invitations.bodies import (InvitationContent, describe_when, format_duration, invitation_subject,
                                       render_bodies)

GENEVA = "Europe/Zurich"
NAIROBI = "Africa/Nairobi"
SUMMER = datetime(2027, 7, 6, 10, 0, tzinfo=ZoneInfo(GENEVA))

CONTENT = InvitationContent(
    kind="invitation", title="Mkutano wa Haki za Afya — Genève", recipient_name="Zoë Müller-Ndirangu",
    when="Tue 6 Jul 2027, 10:00 Geneva (CEST) · 11:00 Nairobi (EAT)",
    when_for_recipient="Tue 6 Jul 2027, 04:00 New York (EDT)", duration="1 hour",
    location="Palais des Nations, Salle XXIV", online_url="https://meet.example/room?a=1&b=2",
    organiser_name="Haki Afya <Coalition>", organiser_email="engage@haki.example",
    agenda="Access to treatment for key populations.",
    recommendations=("142.15 (Germany): decriminalise HIV transmission",
                     "142.20 (Brazil): universal health coverage"),
    accept_url="https://engage.example/rsvp/TOKEN?answer=accepted",
    maybe_url="https://engage.example/rsvp/TOKEN?answer=tentative",
    decline_url="https://engage.example/rsvp/TOKEN?answer=declined",
    answer_page_url="https://engage.example/rsvp/TOKEN",
)


def test_describe_when_geneva_summer_for_a_recipient_in_new_york():
    when, for_recipient, duration = describe_when(SUMMER, SUMMER + timedelta(minutes=90), GENEVA, "America/New_York")
    assert when == "Tue 6 Jul 2027, 10:00 Geneva (CEST) · 11:00 Nairobi (EAT)"
    assert for_recipient == "Tue 6 Jul 2027, 04:00 New York (EDT)"
    assert duration == "1 hour 30 minutes"


def test_describe_when_geneva_winter_and_nairobi_recipient_adds_nothing_already_shown():
    winter = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
    when, for_recipient, _ = describe_when(winter, winter + timedelta(hours=1), GENEVA, NAIROBI)
    assert when == "Fri 15 Jan 2027, 10:00 Geneva (CET) · 12:00 Nairobi (EAT)"
    assert for_recipient == ""


def test_describe_when_nairobi_meeting_for_unknown_zone():
    start = datetime(2027, 3, 10, 11, 30, tzinfo=UTC)
    when, for_recipient, _ = describe_when(start, start + timedelta(hours=1), NAIROBI, "Not/AZone")
    assert when == "Wed 10 Mar 2027, 14:30 Nairobi (EAT) · 12:30 Geneva (CET)"
    assert for_recipient == ""


@pytest.mark.parametrize("minutes, text", [(45, "45 minutes"), (60, "1 hour"), (150, "2 hours 30 minutes"),
                                           (1, "1 minute")])
def test_format_duration(minutes, text):
    assert format_duration(timedelta(minutes=minutes)) == text


def test_subjects():
    assert invitation_subject("invitation", "Mkutano", "Tue 6 Jul 2027, 10:00 Geneva (CEST)") == \
        "Invitation: Mkutano — Tue 6 Jul 2027, 10:00 Geneva (CEST)"
    assert invitation_subject("update", "Mkutano", "x").startswith("Updated invitation: Mkutano")
    assert invitation_subject("cancellation", "Mkutano", "x").startswith("Cancelled: Mkutano")
    assert invitation_subject("reminder", "Mkutano", "x").startswith("Reminder: Mkutano")
    with pytest.raises(ValueError, match="kind must be one of"):
        invitation_subject("digest", "Mkutano", "x")


def test_invitation_text_says_what_why_when_where_who_and_how(app):
    text, _ = render_bodies(CONTENT)
    assert text.startswith("Dear Zoë Müller-Ndirangu,\n")
    for expected in ["What:      Mkutano wa Haki za Afya — Genève",
                     "When:      Tue 6 Jul 2027, 10:00 Geneva (CEST) · 11:00 Nairobi (EAT)",
                     "Your time: Tue 6 Jul 2027, 04:00 New York (EDT)",
                     "Length:    1 hour",
                     "Where:     Palais des Nations, Salle XXIV",
                     "Online:    https://meet.example/room?a=1&b=2",
                     "Organiser: Haki Afya <Coalition> <engage@haki.example>",
                     "Access to treatment for key populations.",
                     "  - 142.15 (Germany): decriminalise HIV transmission",
                     "  - 142.20 (Brazil): universal health coverage",
                     "  Accept:  https://engage.example/rsvp/TOKEN?answer=accepted",
                     "  Maybe:   https://engage.example/rsvp/TOKEN?answer=tentative",
                     "  Decline: https://engage.example/rsvp/TOKEN?answer=declined"]:
        assert expected in text.splitlines(), expected
    assert "\n\n\n" not in text


def test_invitation_html_escapes_names_and_links_each_answer(app):
    _, html = render_bodies(CONTENT)
    assert "Haki Afya &lt;Coalition&gt;" in html and "<Coalition>" not in html
    assert 'href="https://engage.example/rsvp/TOKEN?answer=accepted"' in html
    assert 'href="https://engage.example/rsvp/TOKEN?answer=tentative"' in html
    assert 'href="https://engage.example/rsvp/TOKEN?answer=declined"' in html
    assert 'href="https://meet.example/room?a=1&amp;b=2"' in html
    for word in ("Accept", "Maybe", "Decline", "Your time: Tue 6 Jul 2027, 04:00 New York (EDT)",
                 "142.15 (Germany): decriminalise HIV transmission", "Palais des Nations, Salle XXIV"):
        assert word in html


def test_a_non_web_online_link_is_shown_but_not_linked(app):
    _, html = render_bodies(replace(CONTENT, online_url="javascript:alert(1)"))
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html


def test_optional_sections_disappear_when_empty(app):
    bare = InvitationContent(kind="invitation", title="Mkutano", recipient_name="",
                             when="Tue 6 Jul 2027, 10:00 Geneva (CEST) · 11:00 Nairobi (EAT)")
    text, html = render_bodies(bare)
    assert text.startswith("Dear colleague,")
    for absent in ("Where:", "Online:", "Why we would like to meet", "Accept:", "Your time:"):
        assert absent not in text
    assert "Why we would like to meet" not in html and "Decline" not in html


def test_update_lists_what_changed_and_asks_again(app):
    update = replace(CONTENT, kind="update", changes=(
        "Time: was Mon 5 Jul 2027, 10:00 Geneva (CEST), now Tue 6 Jul 2027, 10:00 Geneva (CEST)",))
    text, html = render_bodies(update)
    assert "has changed" in text
    assert "  - Time: was Mon 5 Jul 2027, 10:00 Geneva (CEST), now Tue 6 Jul 2027, 10:00 Geneva (CEST)" in text
    assert "Please answer again" in text and "Decline: https://engage.example/rsvp/TOKEN?answer=declined" in text
    assert "<li>Time: was Mon 5 Jul 2027" in html and "Please answer again" in html


def test_cancellation_says_so_and_offers_no_answer_links(app):
    text, html = render_bodies(replace(CONTENT, kind="cancellation", note="The mission asked to postpone."))
    assert 'The meeting "Mkutano wa Haki za Afya — Genève" is cancelled.' in text
    assert "The mission asked to postpone." in text and "The mission asked to postpone." in html
    assert "When:      Tue 6 Jul 2027, 10:00 Geneva (CEST) · 11:00 Nairobi (EAT)" in text
    assert "rsvp/TOKEN" not in text and "rsvp/TOKEN" not in html
    assert "Cancelled:" in html


def test_removed_attendee_is_told_the_meeting_goes_ahead_without_them(app):
    text, html = render_bodies(replace(CONTENT, kind="cancellation", attendee_removed=True))
    assert "You are no longer on the list" in text and "goes ahead without you" in text
    assert "is cancelled." not in text
    assert "No longer needed:" in html


def test_unknown_kind_is_refused(app):
    with pytest.raises(ValueError, match="kind must be one of"):
        render_bodies(replace(CONTENT, kind="digest"))
