"""Account services: users, passwords, roles and API tokens."""
from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import bindparam, func, select
from flask_babel import gettext as _

from engage.i18n import N_
from engage.audit.services import record_event
from engage.errors import ConflictError, PermissionDenied, ValidationError
from engage.extensions import db
from engage.members import services as members
from engage.history import record_change

from .models import ROLES, ApiToken, User, check_password_of_nobody
from .schemas import MIN_PASSWORD_LENGTH  # one length for the password form and every other new password


def normalise_email(value: str, field: str = "email") -> str:
    """A syntactically valid, normalised email address, or a ValidationError naming `field`."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError.for_fields({field: _("An email address is required.")})
    try:
        # allow_smtputf8=False: engage sends 7-bit mail, so a mailbox name with accents could never be reached.
        result = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValidationError.for_fields({field: _("Not a valid email address: %(problem)s", problem=exc)}) from None
    return result.normalized.lower()


def check_password_strength(password: str, field: str = "password") -> None:
    """Refuse passwords too short to be safe."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError.for_fields(
            {field: _("Use at least %(num)s characters.", num=MIN_PASSWORD_LENGTH)})
    if len(password) > 1024:
        raise ValidationError.for_fields({field: _("That password is too long.")})


def generate_password() -> str:
    """A random password to hand to a new user once."""
    return secrets.token_urlsafe(12)


def find_user_by_email(email: str) -> User | None:
    """The user with that email (case-insensitive), or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(actor, now, email: str, full_name: str, role: str, password: str) -> User:
    """Add a user with a hashed password; refuses duplicates, unknown roles and weak passwords."""
    email = normalise_email(email)
    if role not in ROLES:
        raise ValidationError.for_fields({"role": _("Choose one of: %(roles)s.", roles=", ".join(ROLES))})
    check_password_strength(password)
    if find_user_by_email(email):
        raise ConflictError(_("A user with the email %(email)s already exists.", email=email),
                            {"email": [_("Already in use.")]})
    user = User(email=email, full_name=(full_name or "").strip() or email.split("@")[0],
                role=role, created_at=now, is_disabled=False,
                member_id=members.member_id_of(actor))  # the adding admin's member (none: the secretariat's)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_change(actor, now, user, "created", {"role": role})
    record_event(actor, now, "user_created", user, detail=f"role {role}")
    return user


def _people_of(actor, query):
    # In a coalition a member's admins keep their own people; the secretariat's keep everyone.
    if actor is not None and members.coalition_mode() and not members.can_run_coalition(actor):
        return query.where(User.member_id == actor.member_id)
    return query


def _require_own_people(actor, user: User) -> None:
    if actor is not None and members.coalition_mode() and not members.can_run_coalition(actor) \
            and user.member_id != actor.member_id:
        raise PermissionDenied(_("%(email)s belongs to another member organisation: its admins, or the "
                                 "secretariat's, manage their account.", email=user.email))


def user_list(q: str = "", actor=None) -> list[User]:
    """Users for the admin page, active first then by email; `q` keeps those whose name or email holds it
    (in a coalition, the actor's member's people unless they run the coalition)."""
    query = _people_of(actor, select(User).order_by(User.is_disabled, User.email))
    if q:
        like = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(func.lower(User.full_name).like(like, escape="\\") | func.lower(User.email).like(like, escape="\\"))
    return list(db.session.scalars(query))


def user_count(actor=None) -> int:
    """How many accounts there are (of those `user_list` shows the actor), disabled ones included."""
    return db.session.scalar(_people_of(actor, select(func.count()).select_from(User)))


def check_credentials(email: str, password: str, now) -> User | None:
    """The active user with these credentials, or None with the failed attempt audited.

    The audit row keeps the address that was tried (never the password), and the account's id
    when the address is a user's.
    """
    # An address with control characters (NUL, which PostgreSQL refuses) is no user's: do not ask.
    usable = isinstance(email, str) and email.isprintable()
    user = find_user_by_email(email) if usable and email.strip() else None
    # The same hash work whatever the address: unknown, disabled or right, the answer takes as long.
    matches = user.check_password(password or "") if user is not None else check_password_of_nobody(password or "")
    if user is None or user.is_disabled or not matches:
        reason = "unknown address" if user is None else "disabled account" if user.is_disabled else "wrong password"
        record_event(user, now, "login_failed", user, actor_email=(email or "").strip()[:254] or None,
                     detail=reason)
        return None
    return user


def record_login(user: User, now, how: str | None = None) -> None:
    """Note a completed sign-in: the time on the account and a row in the audit log."""
    user.last_login_at = now
    record_event(user, now, "login", user, detail=how)


def record_logout(user: User, now, why: str | None = None) -> None:
    """Note a sign-out (or a session that ran out, saying why) in the audit log."""
    record_event(user, now, "logout", user, detail=why)


def sign_out(user: User, now, everywhere: bool = False) -> None:
    """End every session of `user` (a copied cookie included) and note it in the audit log.

    A session cookie is signed, not stored, so forgetting it in this browser would leave any copy
    working; raising the account's session version ends them all, this one with them.
    """
    user.end_sessions()
    record_logout(user, now, "signed out everywhere" if everywhere else None)


def change_password(user: User, current: str, new: str, now) -> None:
    """Set a new password after checking the current one."""
    if not user.check_password(current or ""):
        raise ValidationError.for_fields({"current_password": _("That is not your current password.")})
    check_password_strength(new, "new_password")
    user.set_password(new)
    user.end_sessions()  # every other session ends; the view keeps the one that typed the password
    record_change(user, now, user, "password_changed")


def reset_password(actor, now, user: User, new: str) -> None:
    """Set a user's password without the old one (admin or CLI)."""
    _require_own_people(actor, user)
    check_password_strength(new)
    user.set_password(new)
    user.end_sessions()
    record_change(actor, now, user, "password_reset")


def _active_admin_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.is_disabled.is_(False)))


def set_role(actor, now, user: User, role: str) -> None:
    """Change a user's role, keeping at least one active admin."""
    _require_own_people(actor, user)
    if role not in ROLES:
        raise ValidationError.for_fields({"role": _("Choose one of: %(roles)s.", roles=", ".join(ROLES))})
    if user.role == "admin" and role != "admin" and not user.is_disabled and _active_admin_count() <= 1:
        raise PermissionDenied(_("engage needs at least one active admin."))
    if user.role != role:
        record_change(actor, now, user, "role_changed", {"role": [user.role, role]})
        record_event(actor, now, "role_changed", user, detail=f"role {user.role} -> {role}")
        user.role = role
        user.end_sessions()  # pages and forms opened under the old role go with their sessions


ONLY_THE_DPO = N_("Only the data-protection officer names or removes a data-protection officer.")


def _require_dpo_or_command_line(actor, message: str = ONLY_THE_DPO) -> None:
    # The DPO flag opens every restricted record, so only a DPO hands it on; `actor` None is the
    # command line (the server's operator), which names the first one. An admin is not enough:
    # otherwise any admin could give themselves restricted access.
    if actor is None:
        return
    if not (getattr(actor, "is_dpo", False) and not getattr(actor, "is_disabled", False)):
        raise PermissionDenied(_(message))


def set_dpo(actor, now, user: User, is_dpo: bool) -> None:
    """Make a user the data-protection officer, or no longer (the DPO or the command line only; audited)."""
    _require_dpo_or_command_line(actor)
    _require_own_people(actor, user)
    if is_dpo and user.is_disabled:
        raise PermissionDenied(_("A disabled account cannot be the data-protection officer."))
    if bool(user.is_dpo) != is_dpo:
        record_change(actor, now, user, "dpo_changed", {"is_dpo": [bool(user.is_dpo), is_dpo]})
        record_event(actor, now, "role_changed", user, detail="DPO flag set" if is_dpo else "DPO flag removed")
        user.is_dpo = is_dpo
        user.end_sessions()


def set_disabled(actor, now, user: User, disabled: bool) -> None:
    """Disable or re-enable a user; nobody disables themselves or the last admin, and only a DPO a DPO."""
    if disabled and actor is not None and actor.id == user.id:
        raise PermissionDenied(_("You cannot disable your own account."))
    _require_own_people(actor, user)
    if disabled and user.role == "admin" and not user.is_disabled and _active_admin_count() <= 1:
        raise PermissionDenied(_("engage needs at least one active admin."))
    if user.is_dpo and user.is_disabled != disabled:
        # Disabling the DPO removes them as surely as taking the flag away.
        _require_dpo_or_command_line(actor, N_("Only the data-protection officer disables or enables the "
                                               "account of a data-protection officer."))
    if user.is_disabled != disabled:
        user.is_disabled = disabled
        user.end_sessions()  # re-enabling must not bring back a session from before
        record_change(actor, now, user, "disabled" if disabled else "enabled")
        record_event(actor, now, "account_disabled" if disabled else "account_enabled", user)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def set_language(user: User, body) -> None:
    """Keep the language `user` chose for their pages (LanguageChange; blank: as their browser asks)."""
    user.language = body.language or None
    db.session.flush()


def create_api_token(user: User, now, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`, scoped to their member organisation; returns the row and the token text,
    which is shown only once."""
    secret = "eng_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=(name or "").strip()[:100], prefix=secret[:12],
                     token_hash=_hash_token(secret), created_at=now, member_id=user.member_id)
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke_api_token(actor, token: ApiToken, now) -> None:
    """Revoke a token; its owner or an admin may."""
    if actor.id != token.user_id and not actor.has_role("admin"):
        raise PermissionDenied(_("You can only revoke your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = now


TOKEN_USE_PRECISION = timedelta(minutes=1)


@functools.cache
def _token_query(also: tuple = ()):
    # One statement for the token, its user and any `also` columns, built once per process (every API
    # call runs it; building it anew cost as much as running it). Neither is ever restricted, so the
    # access hook is told (it would otherwise walk the statement on every API call).
    return (select(ApiToken, User, *also).join(User, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == bindparam("token_hash")).execution_options(all_sensitivities=True))


def token_holder(secret: str, now, also: tuple = ()) -> tuple | None:
    """(user, *values of `also`) for a live token of an active user, still in the member organisation
    it was made for, noting its use; otherwise None.

    `also`: columns read in the same statement (each the same object on every call: the statement is
    kept per process by them), correlated to the token's user."""
    if not secret or len(secret) > 200:
        return None
    found = db.session.execute(_token_query(also), {"token_hash": _hash_token(secret)}).first()
    if found is None:
        return None
    token, user, *values = found
    if token.revoked_at is not None or user.is_disabled:
        return None
    if token.member_id is not None and token.member_id != user.member_id:
        return None  # made for the member its user has since left (ApiToken)
    # Noted to the minute: a write (and on SQLite a database-wide lock) on every API call is not worth it.
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_PRECISION:
        token.last_used_at = now
    return (user, *values)

