"""Two-factor sign-in: TOTP secrets (RFC 6238, via pyotp), QR enrolment and one-use recovery codes."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import pyotp
import segno
from sqlalchemy import func, select
from flask_babel import gettext as _

from engage.audit.models import AuditEvent
from engage.audit.services import record_event
from engage.errors import ValidationError
from engage.extensions import db

from .models import RecoveryCode, User

ISSUER = "engage"
STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
MAX_FAILURES = 10            # refused codes per account…
LOCKOUT = timedelta(minutes=15)  # …within this long before the code step is closed for a while
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def required_for(user: User, require_everyone: bool = False) -> bool:
    """True when `user` must use a second factor: admins, the DPO, or everyone when the setting says so."""
    return require_everyone or user.role == "admin" or bool(user.is_dpo)


def new_secret() -> str:
    """A fresh random base32 secret for an authenticator app."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code of `uri` as an inline SVG element (no image file, nothing from elsewhere)."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def _clean_code(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now, or one either side for a slow phone clock) whose code is `code`."""
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(_clean_code(code).encode()).hexdigest()


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    for old in list(user.recovery_codes):
        db.session.delete(old)
    codes = []
    for _code in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _letter in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    db.session.flush()
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(code), created_at=now))
    return codes


def start_enrolment(user: User) -> str:
    """The secret to show for enrolment: kept on the account (not yet in force) so a reload shows the same QR."""
    if user.has_2fa:
        raise ValidationError(_("Two-step sign-in is already on."))
    if not user.totp_secret:
        user.totp_secret = new_secret()
    return user.totp_secret


def enrol(user: User, secret: str, code: str, now: datetime) -> list[str]:
    """Turn on two-factor sign-in once `code` proves the app holds `secret`; returns the recovery codes.

    The codes are shown once; only their hashes are kept.
    """
    if not secret or len(secret) > 64:
        raise ValidationError.for_fields({"code": _("Start again: the enrolment expired.")})
    step = _matching_step(secret, _clean_code(code), now)
    if step is None:
        record_event(user, now, "2fa_failed", user, detail="enrolment code")
        raise ValidationError.for_fields(
            {"code": _("That code does not match. Check the phone's clock and type the code now showing.")})
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, now, step
    codes = _new_recovery_codes(user, now)
    record_event(user, now, "2fa_enrolled", user)
    return codes


def too_many_failures(user: User, now: datetime) -> bool:
    """True when the user's codes were refused MAX_FAILURES times in the last LOCKOUT (any address).

    The per-address rate limit slows one guesser; this stops many addresses sharing the work.
    """
    failures = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "2fa_failed", AuditEvent.object_type == "user", AuditEvent.object_id == user.id,
        AuditEvent.at > now - LOCKOUT))
    return failures >= MAX_FAILURES


def verify(user: User, code: str, now: datetime) -> str | None:
    """Check a sign-in code: 'totp' or 'recovery' when accepted (each good once), None when refused.

    A refusal is audited as a two-factor failure.
    """
    cleaned = _clean_code(code)
    if user.has_2fa and cleaned.isdigit():
        step = _matching_step(user.totp_secret, cleaned, now)
        if step is not None and (user.totp_last_step is None or step > user.totp_last_step):
            user.totp_last_step = step
            return "totp"
        record_event(user, now, "2fa_failed", user,
                     detail="code already used" if step is not None else "wrong code")
        return None
    if user.has_2fa and len(cleaned) == 12:
        row = db.session.scalar(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_recovery(cleaned),
            RecoveryCode.used_at.is_(None)))
        if row is not None:
            row.used_at = now
            return "recovery"
    record_event(user, now, "2fa_failed", user, detail="wrong recovery code" if cleaned else "no code")
    return None


def recovery_codes_left(user: User) -> int:
    """How many unused recovery codes the user still holds."""
    return sum(1 for c in user.recovery_codes if c.used_at is None)


def regenerate_recovery_codes(user: User, now: datetime) -> list[str]:
    """Replace the user's recovery codes with ten new ones (the old ones stop working)."""
    codes = _new_recovery_codes(user, now)
    record_event(user, now, "2fa_enrolled", user, detail="new recovery codes")
    return codes


def reset(actor, user: User, now: datetime, detail: str | None = None) -> None:
    """Remove a user's second factor (a lost phone); they enrol again at their next sign-in if required."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    for old in list(user.recovery_codes):
        db.session.delete(old)
    record_event(actor, now, "2fa_disabled", user, detail=detail)
