"""Settings: every configurable value — its environment variable, type, default and check — in one place.

create_app() calls load() once at start-up: the environment is read and checked (a missing or
malformed value refuses to start, with a message naming the variable), the profile's fixed values
and the caller's overrides are laid on top, and the typed values go into app.config, where the code
reads them. Nothing else reads the environment for configuration.
"""
from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

from engage.countries import country_code

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Reminders: the default for a meeting that does not say, and the limits every reminder list obeys
# (a meeting's own and the configured default alike).
DEFAULT_REMINDERS = (1440, 60)  # minutes before the start: 24 h and 1 h
MAX_REMINDER_MINUTES = 28 * 24 * 60
MAX_REMINDERS = 6

Positive = Annotated[int, Field(gt=0)]

# The settings whose app.config key is not the variable's name (Flask and its extensions fix those).
FLASK_KEYS = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI", "ENGAGE_MAX_UPLOAD_BYTES": "MAX_CONTENT_LENGTH"}
# Never echoed back in an error: they are, or may contain, passwords and keys.
SECRET_NAMES = {"SECRET_KEY", "ENGAGE_DATA_KEY", "MAIL_PASSWORD", "DATABASE_URL", "ENGAGE_REPLIES_IMAP_URL"}


class SettingsError(RuntimeError):
    """engage cannot start: a setting is missing or malformed (the message names the variable)."""


def _hh_mm(value: Any) -> str:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(value).strip())
    try:
        return time(int(match.group(1)), int(match.group(2))).strftime("%H:%M")
    except (AttributeError, ValueError):
        raise ValueError("must be a time of day, HH:MM (e.g. 07:00)") from None


class Settings(BaseSettings):
    """The environment variables engage reads, typed and checked; see README, "Configuration"."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, extra="forbid")

    ENGAGE_INSTANCE_DIR: Path = PROJECT_DIR / "instance"  # development keys and the default SQLite file
    SECRET_KEY: str | None = None
    # Seals restricted notes and outcome texts (engage/sealed.py): Fernet keys, comma-separated, first seals.
    ENGAGE_DATA_KEY: str | None = None
    DATABASE_URL: str | None = None  # unset: SQLite in the instance directory

    MAIL_SERVER: str | None = None
    MAIL_PORT: Positive = 25
    MAIL_USE_TLS: bool = False
    MAIL_USE_SSL: bool = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER: str | None = "engage@example.org"
    MAIL_TIMEOUT: Positive = 30
    ENGAGE_ORGANISER_EMAIL: str | None = None
    ENGAGE_REPLIES_IMAP_URL: str | None = None
    ENGAGE_ADMIN_EMAIL: str = "admin@example.org"  # the first admin on a new database

    ENGAGE_BASE_URL: str = "http://127.0.0.1:5000"
    ENGAGE_DIGEST_AT: str = "07:00"  # local time of the morning digest
    ENGAGE_DIGEST_TIMEZONE: str = "Africa/Nairobi"
    ENGAGE_DISPATCH_INTERVAL: Positive = 5   # seconds between outbox passes
    ENGAGE_OUTBOX_BATCH_SIZE: Positive = 100  # messages per SMTP connection
    ENGAGE_OUTBOX_MAX_ATTEMPTS: Positive = 8
    ENGAGE_OUTBOX_BACKOFF_BASE: Positive = 30  # seconds before the first retry
    ENGAGE_OUTBOX_BACKOFF_CAP: Positive = 3600
    # A claimed message or reminder that is not finished within its lease (a crashed process) is
    # taken over by another scheduler after this many seconds.
    ENGAGE_OUTBOX_LEASE_SECONDS: Positive = 600
    ENGAGE_REMINDER_LEASE_SECONDS: Positive = 300
    ENGAGE_REMINDER_INTERVAL: Positive = 15  # seconds between reminder passes
    # An upload of more rows or bytes than this is imported by the scheduler as a background job
    # (engage/importjobs) instead of inside the request, which a worker timeout would cut short.
    ENGAGE_IMPORT_JOB_ROWS: Positive = 2000
    ENGAGE_IMPORT_JOB_BYTES: Positive = 1024 * 1024
    ENGAGE_IMPORT_INTERVAL: Positive = 5  # seconds between looks for queued imports
    # A job whose scheduler died is taken over after this long without a progress report.
    ENGAGE_IMPORT_LEASE_SECONDS: Positive = 600
    # Minutes before the start, for meetings that do not say; "1440,60" or "[1440, 60]".
    ENGAGE_DEFAULT_REMINDERS: Annotated[list[int], NoDecode] = list(DEFAULT_REMINDERS)
    # The state whose review engage follows: recommendation files naming other states under review
    # (UPR Info's exports hold every state) import only this one's rows.
    ENGAGE_STATE_UNDER_REVIEW: str = "KE"
    ENGAGE_WORKDAY_START: str = "09:00"  # the working day used to suggest free slots
    ENGAGE_WORKDAY_END: str = "17:00"

    # Data protection (engage/dataprotection; README "Data protection").
    ENGAGE_ORGANISATION_NAME: str = "The organisation"
    ENGAGE_DPO_EMAIL: str | None = None
    ENGAGE_RETENTION_MESSAGE_DAYS: Positive = 90  # stored message bodies kept
    ENGAGE_RETENTION_REVIEW_MONTHS: Positive = 24  # inactive contacts reviewed
    ENGAGE_ERASURE_NOTES: Literal["deattribute", "delete"] = "deattribute"
    ENGAGE_SERVER_LOCATION: str | None = None  # e.g. "Kenya (Nairobi data centre)"
    ENGAGE_MAIL_RELAY_LOCATION: str | None = None

    # Accounts: two-factor sign-in is required for admins and the DPO; this makes it required for all.
    ENGAGE_REQUIRE_2FA: bool = False
    ENGAGE_2FA_RATE_LIMIT: str = "5 per minute"
    ENGAGE_LOGIN_RATE_LIMIT: str = "10 per minute"  # sign-in attempts per client address
    ENGAGE_LOGIN_ACCOUNT_RATE_LIMIT: str = "20 per 15 minutes"  # per address tried, from anywhere
    RATELIMIT_STORAGE_URI: str = "memory://"
    # A session ends after this long without a request, and this long after signing in, whatever;
    # None (the testing profile) turns the limit off.
    ENGAGE_SESSION_IDLE_MINUTES: Positive | None = 30
    ENGAGE_SESSION_MAX_HOURS: Positive | None = 12
    ENGAGE_MAX_UPLOAD_BYTES: Positive = 20 * 1024 * 1024
    # In a coalition, booking a meeting points out other members' meetings with the same
    # organisations this many days before or after it (engage/meetings/coordination.py).
    ENGAGE_COALITION_WINDOW_DAYS: Positive = 14
    # How many proxies in front of engage add X-Forwarded-For/-Proto (nginx alone: 1). With 0 the
    # connecting address is the client's; behind a proxy that is the proxy's, shared by every user.
    ENGAGE_TRUSTED_PROXIES: Annotated[int, Field(ge=0, le=10)] = 0

    @field_validator("ENGAGE_DIGEST_AT", "ENGAGE_WORKDAY_START", "ENGAGE_WORKDAY_END", mode="before")
    @classmethod
    def validate_time_of_day(cls, value):
        return _hh_mm(value)

    @field_validator("ENGAGE_STATE_UNDER_REVIEW")
    @classmethod
    def validate_state_under_review(cls, value: str) -> str:
        code = country_code(value)
        if code is None:
            raise ValueError("must be a state's ISO code or English name, e.g. KE or Kenya")
        return code

    @field_validator("ENGAGE_DIGEST_TIMEZONE")
    @classmethod
    def validate_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone, e.g. Africa/Nairobi") from None
        return value

    @field_validator("ENGAGE_DEFAULT_REMINDERS", mode="before")
    @classmethod
    def validate_minutes_list(cls, value):
        if isinstance(value, str):
            text = value.strip()
            try:
                value = json.loads(text) if text.startswith("[") else [int(p) for p in text.split(",") if p.strip()]
            except ValueError:
                raise ValueError("must be whole minutes before the start, comma-separated, e.g. 1440,60") from None
        return value

    @field_validator("ENGAGE_DEFAULT_REMINDERS")
    @classmethod
    def validate_reminder_limits(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("must name at least one reminder, e.g. 1440,60")
        if any(not 1 <= v <= MAX_REMINDER_MINUTES for v in value):
            raise ValueError(f"each reminder must be between 1 minute and {MAX_REMINDER_MINUTES // 1440} days before")
        value = sorted(set(value), reverse=True)
        if len(value) > MAX_REMINDERS:
            raise ValueError(f"at most {MAX_REMINDERS} reminders")
        return value

    @field_validator("ENGAGE_ERASURE_NOTES", mode="before")
    @classmethod
    def validate_lowercase(cls, value):
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("ENGAGE_LOGIN_RATE_LIMIT", "ENGAGE_LOGIN_ACCOUNT_RATE_LIMIT", "ENGAGE_2FA_RATE_LIMIT")
    @classmethod
    def validate_rate_limit(cls, value: str) -> str:
        from limits import parse  # Flask-Limiter's own parser: what it accepts later, checked now

        try:
            parse(value)
        except ValueError:
            raise ValueError("must be a rate limit such as '10 per minute'") from None
        return value

    @field_validator("ENGAGE_BASE_URL")
    @classmethod
    def validate_http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be the public address, starting http:// or https://")
        return value

    @model_validator(mode="after")
    def validate_workday_order(self):
        if self.ENGAGE_WORKDAY_START >= self.ENGAGE_WORKDAY_END:
            raise ValueError("ENGAGE_WORKDAY_START must be before ENGAGE_WORKDAY_END")
        return self

    def flask_config(self) -> dict[str, Any]:
        """The values under the keys app.config uses for them."""
        out = {FLASK_KEYS.get(name, name): value for name, value in self.model_dump().items()
               if name not in ("ENGAGE_WORKDAY_START", "ENGAGE_WORKDAY_END")}
        out["SQLALCHEMY_DATABASE_URI"] = self.DATABASE_URL or f"sqlite:///{self.ENGAGE_INSTANCE_DIR / 'engage.sqlite'}"
        out["ENGAGE_WORKDAY"] = (self.ENGAGE_WORKDAY_START, self.ENGAGE_WORKDAY_END)
        return out


# Fixed values that are not read from the environment: Flask's and its extensions' switches.
FLASK_DEFAULTS: dict[str, Any] = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "WTF_CSRF_ENABLED": True,
    "WTF_CSRF_TIME_LIMIT": None,  # tokens live as long as the session
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "RATELIMIT_ENABLED": True,
    "BOOTSTRAP_SERVE_LOCAL": True,  # assets from the installed package, never a CDN
    "BOOTSTRAP_BOOTSWATCH_THEME": None,
    "PER_PAGE": 50,
}

# Per profile (ENGAGE_ENV), values that win over the environment: Flask keys, or settings above.
PROFILES: dict[str, dict[str, Any]] = {
    "development": {
        "DEBUG": False,  # `engage serve` runs without the reloader so the scheduler starts once
    },
    "testing": {
        "TESTING": True,
        "SECRET_KEY": "testing-only-not-secret",
        "ENGAGE_DATA_KEY": "dGVzdGluZy1vbmx5LWRhdGEta2V5LW5vdC1zZWNyZXQ=",  # testing only, not secret
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # scrypt costs ~0.25 s a hash here, and the suite creates and signs in users by the thousand.
        "ENGAGE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Page tests move the clock by months with a signed-in client; tests/auth/test_sessions.py
        # turns the limits on with an injected clock.
        "ENGAGE_SESSION_IDLE_MINUTES": None,
        "ENGAGE_SESSION_MAX_HOURS": None,
        "MAIL_SERVER": None,
        "SERVER_NAME": None,
    },
    "production": {
        "SESSION_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_SECURE": True,
        "PREFERRED_URL_SCHEME": "https",
        # Strict-Transport-Security, sent when ENGAGE_BASE_URL is https (engage/headers.py): one year.
        "ENGAGE_HSTS_SECONDS": 365 * 24 * 3600,
    },
}

_SETTING_OF = {flask_key: name for name, flask_key in FLASK_KEYS.items()}


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        shown = "" if not name or name in SECRET_NAMES else f"={error['input']!r}"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"  {name}{shown}: {message}" if name else f"  {message}")
    return "engage cannot start; fix these settings (environment variables, README 'Configuration'):\n" \
        + "\n".join(lines)


def load(profile: str | None = None, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The app.config for `profile` (default: ENGAGE_ENV, else development): the environment read and
    checked, the profile's values, then `overrides` (app.config keys); SettingsError names what is wrong."""
    profile = profile or os.environ.get("ENGAGE_ENV") or "development"
    if profile not in PROFILES:
        raise SettingsError(f"engage cannot start: ENGAGE_ENV={profile!r} must be one of {', '.join(PROFILES)}")
    given = {**PROFILES[profile], **(overrides or {})}
    known = {_SETTING_OF.get(key, key): value for key, value in given.items()
             if _SETTING_OF.get(key, key) in Settings.model_fields}
    try:
        settings = Settings(**known)
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None
    except SourceError as exc:
        raise SettingsError(f"engage cannot start: {exc}") from None
    config = {**FLASK_DEFAULTS, **settings.flask_config(),
              **{key: value for key, value in given.items() if _SETTING_OF.get(key, key) not in Settings.model_fields}}
    if not config["SECRET_KEY"]:
        if profile == "production":
            raise SettingsError("SECRET_KEY must be set in production.")
        config["SECRET_KEY"] = instance_secret_key(settings.ENGAGE_INSTANCE_DIR)
    if not config["ENGAGE_DATA_KEY"]:
        if profile == "production":
            raise SettingsError("ENGAGE_DATA_KEY must be set in production: it seals restricted notes and "
                                "outcome texts (README, 'Encryption at rest').")
        config["ENGAGE_DATA_KEY"] = instance_data_key(settings.ENGAGE_INSTANCE_DIR)
    return config


def instance_secret_key(instance_dir: Path) -> str:
    """A random key kept in the instance directory so development sessions survive restarts; never committed."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def instance_data_key(instance_dir: Path) -> str:
    """A Fernet key kept in the instance directory for development (ENGAGE_DATA_KEY unset); never committed."""
    from cryptography.fernet import Fernet

    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / "data_key"
    if not path.exists():
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()

