"""The app factory and configuration."""
from engage import create_app
from engage.extensions import db


def test_testing_config_is_applied(app):
    assert app.config["TESTING"] is True
    assert app.config["WTF_CSRF_ENABLED"] is False


def test_overrides_win_over_the_config_class(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.sqlite", PER_PAGE=7)
    assert app.config["PER_PAGE"] == 7


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    import pytest

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_home_redirects_anonymous_users_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_schema_is_complete(app):
    names = set(db.metadata.tables)
    assert {"user", "api_token", "organisation", "contact", "change_record", "recommendation", "theme"} <= names


def test_serve_really_starts_a_server_without_the_reloader(app, monkeypatch):
    """`make run` calls `engage serve`: it must serve (Flask ignores app.run() inside a flask command)."""
    import werkzeug.serving

    calls = []
    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda *a, **kw: calls.append((a, kw)))
    result = app.test_cli_runner().invoke(args=["engage", "serve", "--no-scheduler", "--port", "5999"])
    assert result.exit_code == 0, result.output
    (args, kwargs), = calls
    assert args[:2] == ("127.0.0.1", 5999) and kwargs["use_reloader"] is False
