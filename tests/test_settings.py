"""Settings: read once at start-up, typed, and a bad value refuses to start with a message naming it."""

import pytest

from engage import create_app
from engage.settings import Settings, SettingsError


@pytest.mark.parametrize("value, problem", [
    ("1440, soon", "whole minutes before the start"),
    ("0", "between 1 minute and 28 days"),
    ("1,2,3,4,5,6,7", "at most 6 reminders"),
])
def test_a_malformed_reminder_list_refuses_to_start(monkeypatch, value, problem):
    monkeypatch.setenv("ENGAGE_DEFAULT_REMINDERS", value)
    with pytest.raises(SettingsError, match=rf"ENGAGE_DEFAULT_REMINDERS=.*{problem}"):
        create_app("testing")


def test_every_bad_variable_is_named_at_once_and_secrets_are_not_echoed(monkeypatch):
    monkeypatch.setenv("MAIL_USE_TLS", "perhaps")
    monkeypatch.setenv("ENGAGE_DIGEST_AT", "7 o'clock")
    monkeypatch.setenv("ENGAGE_LOGIN_RATE_LIMIT", "lots")
    monkeypatch.setenv("MAIL_PORT", "-1")
    with pytest.raises(SettingsError) as raised:
        create_app("testing")
    message = str(raised.value)
    for name in ("MAIL_USE_TLS='perhaps'", "ENGAGE_DIGEST_AT", "ENGAGE_LOGIN_RATE_LIMIT", "MAIL_PORT"):
        assert name in message


def test_an_unknown_profile_is_refused(monkeypatch):
    monkeypatch.setenv("ENGAGE_ENV", "staging")
    with pytest.raises(SettingsError, match="ENGAGE_ENV='staging' must be one of development, testing, production"):
        create_app()


def test_values_from_the_environment_are_typed(monkeypatch):
    monkeypatch.setenv("ENGAGE_DEFAULT_REMINDERS", "60, 2880")
    monkeypatch.setenv("MAIL_USE_TLS", "yes")
    monkeypatch.setenv("ENGAGE_WORKDAY_START", "8:30")
    monkeypatch.setenv("ENGAGE_MAX_UPLOAD_BYTES", "1000")
    monkeypatch.setenv("ENGAGE_ERASURE_NOTES", " Delete ")
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "")  # empty counts as unset
    config = create_app("testing").config
    assert config["ENGAGE_DEFAULT_REMINDERS"] == [2880, 60]
    assert config["MAIL_USE_TLS"] is True
    assert config["ENGAGE_WORKDAY"] == ("08:30", "17:00")
    assert config["MAX_CONTENT_LENGTH"] == 1000
    assert config["ENGAGE_ERASURE_NOTES"] == "delete"
    assert config["MAIL_DEFAULT_SENDER"] == "engage@example.org"


def test_overrides_are_checked_like_the_environment():
    app = create_app("testing", ENGAGE_WORKDAY_START="8:30", PER_PAGE=7)
    assert app.config["ENGAGE_WORKDAY"][0] == "08:30" and app.config["PER_PAGE"] == 7
    with pytest.raises(SettingsError, match="ENGAGE_WORKDAY_START"):
        create_app("testing", ENGAGE_WORKDAY_START="soon")


def test_the_testing_profile_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1/none")
    config = create_app("testing").config
    assert config["MAIL_SERVER"] is None and config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_development_keeps_its_keys_and_database_in_the_instance_directory(monkeypatch, tmp_path):
    for name in ("SECRET_KEY", "ENGAGE_DATA_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    config = create_app("development", ENGAGE_INSTANCE_DIR=str(tmp_path)).config
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'engage.sqlite'}"
    assert config["SECRET_KEY"] == (tmp_path / "secret_key").read_text()
    assert config["ENGAGE_DATA_KEY"] == (tmp_path / "data_key").read_text()
    assert create_app("development", ENGAGE_INSTANCE_DIR=str(tmp_path)).config["SECRET_KEY"] == config["SECRET_KEY"]


def test_the_workday_must_start_before_it_ends(monkeypatch):
    monkeypatch.setenv("ENGAGE_WORKDAY_START", "18:00")
    with pytest.raises(SettingsError, match="ENGAGE_WORKDAY_START must be before ENGAGE_WORKDAY_END"):
        create_app("testing")


def test_every_setting_is_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    missing = [name for name in Settings.model_fields if f"`{name}`" not in readme]
    assert missing == []


def _env_example() -> dict[str, str]:
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "deploy" / "env.example"
    lines = [line.strip() for line in path.read_text().splitlines()]
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_the_example_environment_names_every_setting_production_needs():
    env = _env_example()
    assert set(env) - {"ENGAGE_ENV"} <= set(Settings.model_fields), "unknown names in deploy/env.example"
    for name in ("SECRET_KEY", "ENGAGE_DATA_KEY", "DATABASE_URL", "ENGAGE_BASE_URL", "ENGAGE_TRUSTED_PROXIES",
                 "MAIL_SERVER", "MAIL_DEFAULT_SENDER", "ENGAGE_ORGANISER_EMAIL", "RATELIMIT_STORAGE_URI"):
        assert name in env, name
    assert env["ENGAGE_ENV"] == "production" and env["ENGAGE_BASE_URL"].startswith("https://")


def test_production_starts_from_the_example_once_its_keys_are_filled_in(monkeypatch, tmp_path):
    from cryptography.fernet import Fernet

    env = _env_example()
    env.update(SECRET_KEY="k" * 64, ENGAGE_DATA_KEY=Fernet.generate_key().decode(),
               RATELIMIT_STORAGE_URI="memory://")  # no Redis here; the example's URI is only parsed
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = create_app(ENGAGE_INSTANCE_DIR=str(tmp_path))
    assert app.config["ENGAGE_TRUSTED_PROXIES"] == 1 and app.config["SESSION_COOKIE_SECURE"] is True
    monkeypatch.delenv("ENGAGE_DATA_KEY")
    with pytest.raises(SettingsError, match="ENGAGE_DATA_KEY"):
        create_app(ENGAGE_INSTANCE_DIR=str(tmp_path))
