"""RSVP tokens: the link works for its attendee until the meeting is over, and for nobody else."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engage.invitations.rsvp import (BadRsvpToken, ExpiredRsvpToken, RsvpScope, WrongRsvpScope,
                                     make_rsvp_token, read_rsvp_token)

KEY = "testing-secret"
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
ENDS = datetime(2027, 7, 6, 9, 0, tzinfo=UTC)
UID = "meeting-42@engage.example"


def token(**overrides):
    args = dict(secret_key=KEY, meeting_id=42, attendee_id=7, uid=UID, expires_at=ENDS)
    args.update(overrides)
    return make_rsvp_token(**args)


def test_valid_token_names_its_attendee_and_meeting():
    scope = read_rsvp_token(KEY, token(), NOW, meeting_id=42, attendee_id=7, uid=UID)
    assert scope == RsvpScope(meeting_id=42, attendee_id=7, uid=UID, expires_at=ENDS)


def test_token_is_url_safe_and_differs_per_attendee():
    first, second = token(), token(attendee_id=8)
    assert first != second
    assert all(c.isalnum() or c in "-_." for c in first)


def test_still_valid_at_the_last_minute_of_the_meeting():
    assert read_rsvp_token(KEY, token(), ENDS).attendee_id == 7


def test_expired_once_the_meeting_has_ended():
    with pytest.raises(ExpiredRsvpToken, match="This meeting ended on 6 Jul 2027, 09:00 UTC"):
        read_rsvp_token(KEY, token(), ENDS + timedelta(seconds=1))


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-2] + ("AA" if t[-2:] != "AA" else "BB"),   # signature altered
    lambda t: t[:10],                                          # cut short by a mail client
    lambda t: "",
    lambda t: "not-a-token",
])
def test_tampered_tokens_are_refused(tamper):
    with pytest.raises(BadRsvpToken, match="not valid"):
        read_rsvp_token(KEY, tamper(token()), NOW)


def test_payload_swapped_under_a_valid_signature_is_refused():
    mine, theirs = token(), token(attendee_id=8)
    forged = theirs.split(".")[0] + "." + mine.split(".")[1]
    with pytest.raises(BadRsvpToken):
        read_rsvp_token(KEY, forged, NOW)


def test_token_signed_with_another_key_is_refused():
    with pytest.raises(BadRsvpToken):
        read_rsvp_token("another-key", token(), NOW)


def test_old_links_survive_a_key_rotation():
    old = token(secret_key="old-key")
    assert read_rsvp_token(["old-key", "new-key"], old, NOW).attendee_id == 7


@pytest.mark.parametrize("expected", [dict(attendee_id=8), dict(meeting_id=43), dict(uid="other@engage.example")])
def test_wrong_scope_is_refused(expected):
    with pytest.raises(WrongRsvpScope, match="belongs to another invitation"):
        read_rsvp_token(KEY, token(), NOW, **expected)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="expires_at"):
        token(expires_at=datetime(2027, 7, 6, 9, 0))
    with pytest.raises(ValueError, match="now"):
        read_rsvp_token(KEY, token(), datetime(2026, 11, 28, 9, 0))
