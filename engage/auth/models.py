"""Users and their API tokens."""
from __future__ import annotations

import functools
import secrets
from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from engage.dbtypes import UTCDateTime
from engage.extensions import db
from engage.i18n import N_

# Ranked: each role may do everything the roles before it may.
ROLES = (N_("staff"), N_("lead"), N_("admin"))  # translated where shown
ROLE_LABELS = {"staff": N_("Staff"), "lead": N_("Lead"), "admin": N_("Admin")}


class User(UserMixin, db.Model):
    """A person who signs in: staff, lead or admin."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="staff")
    timezone: Mapped[str] = mapped_column(String(64), default="Africa/Nairobi")
    # The language of the app's pages (engage.i18n.APP_LANGUAGES); None: as the browser asks.
    language: Mapped[str | None] = mapped_column(String(35))
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The data-protection officer: sees restricted records, answers access and erasure requests.
    # A flag beside the role, so a lead or an admin can hold the office without a new rank.
    is_dpo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The member organisation this user works for (the only one, on a single organisation's install):
    # what they see of other members' records follows engage/access's policy. Set on the first flush
    # when left blank (engage/members/services.py).
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor sign-in (TOTP, RFC 6238). The base32 secret is stored as it is: the server must
    # read it to check codes, so a hash cannot serve; the database is the thing to protect.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 30-second time step of the last code accepted: a code is good once, never replayed.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Every signed-in session carries the version it began under; raising it ends them all (sign-out,
    # a password, role or DPO change, disabling, "sign out everywhere"): engage/auth/sessions.py.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    member = relationship("Member")
    tokens = relationship("ApiToken", back_populates="user", cascade="all, delete-orphan")
    recovery_codes = relationship("RecoveryCode", back_populates="user", cascade="all, delete-orphan")

    def set_password(self, password: str) -> None:
        # The method is a setting so the test suite can use a cheap hash; production keeps
        # werkzeug's default (scrypt). check_password reads whichever method a hash names.
        self.password_hash = generate_password_hash(password, method=_hash_method())

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def end_sessions(self) -> None:
        """End every session signed in as this user, on every device, at the next request of each."""
        self.session_version = (self.session_version or 0) + 1

    def has_role(self, minimum: str) -> bool:
        """True when this user's role ranks at least `minimum`."""
        return ROLES.index(self.role) >= ROLES.index(minimum)

    @property
    def has_2fa(self) -> bool:
        return self.totp_enabled_at is not None and bool(self.totp_secret)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return not self.is_disabled

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    def __repr__(self):
        return f"<User {self.email} {self.role}>"


def _hash_method() -> str:
    return (current_app.config.get("ENGAGE_PASSWORD_HASH_METHOD") if has_app_context() else None) or "scrypt"


@functools.cache
def _dummy_hash(method: str) -> str:
    # Made once per process and method: a hash of a random password nobody knows.
    return generate_password_hash(secrets.token_urlsafe(24), method=method)


def check_password_of_nobody(password: str) -> bool:
    """Spend the work of checking a password, as for a user, when there is no user to check it for.

    A sign-in for an unknown address would otherwise answer ~100 ms sooner than one with a wrong
    password, telling whoever is trying which addresses have accounts. Always False.
    """
    check_password_hash(_dummy_hash(_hash_method()), password)
    return False


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its hash is stored.

    It is scoped to the member organisation its user worked for when it was made: moved to another
    member, the user's tokens stop (a partner tool wired to one member's records must not start reading
    another's)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))

    user = relationship("User", back_populates="tokens")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class RecoveryCode(db.Model):
    """A one-use code that stands in for a lost authenticator; only its hash is stored."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", back_populates="recovery_codes")
