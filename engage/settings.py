"""Configuration classes. Every setting comes from an environment variable (see README)."""
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent  # the project: instance/ sits beside engage/
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def instance_secret_key():
    """A random key kept in instance/ so development sessions survive restarts; never committed."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def instance_data_key():
    """A Fernet key kept in instance/ for development (ENGAGE_DATA_KEY unset); never committed."""
    from cryptography.fernet import Fernet

    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "data_key"
    if not path.exists():
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Seals restricted notes and outcome texts (engage/sealed.py): Fernet keys, comma-separated, first seals.
    ENGAGE_DATA_KEY = os.environ.get("ENGAGE_DATA_KEY") or None
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'engage.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "engage@example.org")
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 30)
    ENGAGE_ORGANISER_EMAIL = os.environ.get("ENGAGE_ORGANISER_EMAIL") or None
    ENGAGE_REPLIES_IMAP_URL = os.environ.get("ENGAGE_REPLIES_IMAP_URL") or None

    ENGAGE_BASE_URL = os.environ.get("ENGAGE_BASE_URL", "http://127.0.0.1:5000")
    ENGAGE_DIGEST_AT = os.environ.get("ENGAGE_DIGEST_AT", "07:00")  # local time of the morning digest
    ENGAGE_DIGEST_TIMEZONE = os.environ.get("ENGAGE_DIGEST_TIMEZONE", "Africa/Nairobi")
    ENGAGE_DISPATCH_INTERVAL = _int("ENGAGE_DISPATCH_INTERVAL", 5)   # seconds between outbox passes
    ENGAGE_OUTBOX_BATCH_SIZE = _int("ENGAGE_OUTBOX_BATCH_SIZE", 100)  # messages per SMTP connection
    ENGAGE_OUTBOX_MAX_ATTEMPTS = _int("ENGAGE_OUTBOX_MAX_ATTEMPTS", 8)
    ENGAGE_OUTBOX_BACKOFF_BASE = _int("ENGAGE_OUTBOX_BACKOFF_BASE", 30)  # seconds before the first retry
    ENGAGE_OUTBOX_BACKOFF_CAP = _int("ENGAGE_OUTBOX_BACKOFF_CAP", 3600)
    # A claimed message or reminder that is not finished within its lease (a crashed process) is
    # taken over by another scheduler after this many seconds.
    ENGAGE_OUTBOX_LEASE_SECONDS = _int("ENGAGE_OUTBOX_LEASE_SECONDS", 600)
    ENGAGE_REMINDER_LEASE_SECONDS = _int("ENGAGE_REMINDER_LEASE_SECONDS", 300)
    ENGAGE_REMINDER_INTERVAL = _int("ENGAGE_REMINDER_INTERVAL", 15)  # seconds between reminder passes
    ENGAGE_DEFAULT_REMINDERS = [1440, 60]
    # A mission counts as "engaged this cycle" after a meeting on or after this date (ISO, Nairobi time).
    ENGAGE_CYCLE_STARTS_ON = os.environ.get("ENGAGE_CYCLE_STARTS_ON", "2025-01-01")
    ENGAGE_WORKDAY = (os.environ.get("ENGAGE_WORKDAY_START", "09:00"),
                      os.environ.get("ENGAGE_WORKDAY_END", "17:00"))

    # Data protection (engage/dataprotection; README "Data protection").
    ENGAGE_ORGANISATION_NAME = os.environ.get("ENGAGE_ORGANISATION_NAME", "The organisation")
    ENGAGE_DPO_EMAIL = os.environ.get("ENGAGE_DPO_EMAIL") or None
    ENGAGE_RETENTION_MESSAGE_DAYS = _int("ENGAGE_RETENTION_MESSAGE_DAYS", 90)  # stored message bodies kept
    ENGAGE_RETENTION_REVIEW_MONTHS = _int("ENGAGE_RETENTION_REVIEW_MONTHS", 24)  # inactive contacts reviewed
    ENGAGE_ERASURE_NOTES = os.environ.get("ENGAGE_ERASURE_NOTES", "deattribute")  # or "delete"
    ENGAGE_SERVER_LOCATION = os.environ.get("ENGAGE_SERVER_LOCATION") or None  # e.g. "Kenya (Nairobi data centre)"
    ENGAGE_MAIL_RELAY_LOCATION = os.environ.get("ENGAGE_MAIL_RELAY_LOCATION") or None

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    # Accounts: two-factor sign-in is required for admins and the DPO; this makes it required for all.
    ENGAGE_REQUIRE_2FA = _bool("ENGAGE_REQUIRE_2FA")
    ENGAGE_2FA_RATE_LIMIT = os.environ.get("ENGAGE_2FA_RATE_LIMIT", "5 per minute")
    # A session ends after this long without a request, and this long after signing in, whatever.
    ENGAGE_SESSION_IDLE_MINUTES = _int("ENGAGE_SESSION_IDLE_MINUTES", 30)
    ENGAGE_SESSION_MAX_HOURS = _int("ENGAGE_SESSION_MAX_HOURS", 12)

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    ENGAGE_LOGIN_RATE_LIMIT = os.environ.get("ENGAGE_LOGIN_RATE_LIMIT", "10 per minute")

    BOOTSTRAP_SERVE_LOCAL = True  # assets from the installed package, never a CDN
    BOOTSTRAP_BOOTSWATCH_THEME = None
    MAX_CONTENT_LENGTH = _int("ENGAGE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
    PER_PAGE = 50


class DevelopmentConfig(Config):
    DEBUG = False  # `engage serve` runs without the reloader so the scheduler starts once


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-only-not-secret"
    ENGAGE_DATA_KEY = "dGVzdGluZy1vbmx5LWRhdGEta2V5LW5vdC1zZWNyZXQ="  # testing only, not secret
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    # scrypt costs ~0.25 s a hash here, and the suite creates and signs in users by the thousand.
    ENGAGE_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # Page tests move the clock by months with a signed-in client; tests/auth/test_sessions.py
    # turns the limits on with an injected clock.
    ENGAGE_SESSION_IDLE_MINUTES = None
    ENGAGE_SESSION_MAX_HOURS = None
    MAIL_SERVER = None
    SERVER_NAME = None


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
