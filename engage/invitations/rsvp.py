"""Signed RSVP tokens: one per attendee and meeting, no login, valid until the meeting is over.

The token carries its scope (meeting id, attendee id, meeting UID) and its expiry; the answer
(accepted / tentative / declined) travels beside it in the link, so the same token serves the
Accept, Maybe and Decline links and the landing page can change the answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadData, URLSafeSerializer

from engage.i18n import format_day, translator

SALT = "engage.invitations.rsvp.v1"


class RsvpTokenError(ValueError):
    """An RSVP link that cannot be used; the message is fit to show the recipient."""


class BadRsvpToken(RsvpTokenError):
    """The token was altered, truncated, or signed with another key."""


class ExpiredRsvpToken(RsvpTokenError):
    """The meeting is over: answers are closed."""


class WrongRsvpScope(RsvpTokenError):
    """A genuine token, but for another meeting or attendee than the one asked about."""


@dataclass(frozen=True)
class RsvpScope:
    meeting_id: int
    attendee_id: int
    uid: str
    expires_at: datetime


def _serializer(secret_key) -> URLSafeSerializer:
    # A list of keys (newest last) lets SECRET_KEY rotate without breaking links already sent.
    return URLSafeSerializer(secret_key, salt=SALT)


def make_rsvp_token(secret_key, meeting_id: int, attendee_id: int, uid: str, expires_at: datetime) -> str:
    """A URL-safe token for this attendee of this meeting, valid until `expires_at` (the meeting's end)."""
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise ValueError("expires_at must be a datetime with a zone")
    if not uid:
        raise ValueError("uid is required")
    payload = [int(meeting_id), int(attendee_id), str(uid), int(expires_at.astimezone(UTC).timestamp())]
    return _serializer(secret_key).dumps(payload)


def read_rsvp_token(secret_key, token: str, now: datetime, *, meeting_id: int | None = None,
                    attendee_id: int | None = None, uid: str | None = None, language: str = "en") -> RsvpScope:
    """The scope a token grants at `now`; raises BadRsvpToken, ExpiredRsvpToken or WrongRsvpScope, whose
    message is in `language` (a recipient language: the page's reader is not known yet).

    Pass meeting_id / attendee_id / uid when the link names them too (or when the meeting's
    current UID is known) so a token cannot be used for anyone else.
    """
    t = translator(language)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a datetime with a zone")
    try:
        payload = _serializer(secret_key).loads(token or "")
        token_meeting, token_attendee, token_uid, expires = payload
        scope = RsvpScope(int(token_meeting), int(token_attendee), str(token_uid),
                          datetime.fromtimestamp(int(expires), UTC))
    except (BadData, ValueError, TypeError, OverflowError, OSError):
        raise BadRsvpToken(t.gettext("This answer link is not valid: it may have been cut short or altered. "
                                     "Use the link from the latest invitation email.")) from None
    if meeting_id is not None and scope.meeting_id != int(meeting_id) \
            or attendee_id is not None and scope.attendee_id != int(attendee_id) \
            or uid is not None and scope.uid != uid:
        raise WrongRsvpScope(t.gettext("This answer link belongs to another invitation: "
                                       "use the link from your own invitation email."))
    if now.astimezone(UTC) > scope.expires_at:
        ended = scope.expires_at
        at = ended.strftime("%H:%M")
        raise ExpiredRsvpToken(t.gettext("This meeting ended on %(day)s, %(time)s UTC: answers are closed.",
                                         day=format_day(ended.date(), language), time=at))
    return scope
