"""Shared fixtures: the app on SQLite (and PostgreSQL when ENGAGE_TEST_DATABASE_URL is set), clients per role."""
from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engage import create_app
from engage.extensions import db
from tests import factories
from tests.live import live_server  # noqa: F401  (the app on a real server, for downloads and streams)

PG_URL = os.environ.get("ENGAGE_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
_pg_schema_ready = False

# A fixed instant for services under test: Sat 28 Nov 2026, 09:00 UTC.
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def pg_database_url():
    """A fresh PostgreSQL database for this test process, dropped at the end (runs may overlap)."""
    base = make_url(PG_URL)
    name = f"{base.database}_{os.getpid()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Which database this test runs on; every database test runs on each available backend."""
    return request.param


def _database_url(backend, tmp_path, request):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    return request.getfixturevalue("pg_database_url")


class _SessionsAcrossClockJumps(SecureCookieSessionInterface):
    """Clients sign in at the real time, then pages run on a pinned clock, often earlier (itsdangerous
    drops a cookie signed "in the future") or months later (past its 31 days): keep the cookie either
    way. engage's own session limits (engage/auth/sessions.py) are tested on the injected clock."""

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        value = request.cookies.get(self.get_cookie_name(app))
        if serializer is None or not value:
            return None if serializer is None else self.session_class()
        try:
            return self.session_class(serializer.loads(value))
        except BadSignature:
            return self.session_class()


def _truncate_all():
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app(backend, tmp_path, request):
    """An app with an empty schema and an app context pushed."""
    global _pg_schema_ready
    url = _database_url(backend, tmp_path, request)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, ENGAGE_INSTANCE_DIR=str(tmp_path))
    app.session_interface = _SessionsAcrossClockJumps()
    with app.app_context():
        if backend == "sqlite":
            db.create_all()
        elif not _pg_schema_ready:
            db.drop_all()
            db.create_all()
            _pg_schema_ready = True
        else:
            _truncate_all()
        yield app
        db.session.remove()
        if backend == "postgresql":
            _truncate_all()
        db.engine.dispose()


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def login(client, user, password=factories.PASSWORD):
    """Sign `client` in as `user` through the real login form, and its code step for two-step users.

    Users who must use two-step sign-in (admins, the DPO) are enrolled first, so they land on pages
    rather than on the enrolment page.
    """
    from engage.auth import twofactor

    if twofactor.required_for(user, client.application.config.get("ENGAGE_REQUIRE_2FA")) and not user.has_2fa:
        factories.enrol_2fa(user)
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    if "/login/code" in response.headers["Location"]:
        response = client.post(response.headers["Location"], data={"code": factories.totp_code(user)})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture
def staff_user(app):
    return factories.make_user(role="staff", email="staff@example.org")


@pytest.fixture
def lead_user(app):
    return factories.make_user(role="lead", email="lead@example.org")


@pytest.fixture
def admin_user(app):
    return factories.make_user(role="admin", email="admin@example.org")


@pytest.fixture
def staff_client(app, staff_user):
    return login(app.test_client(), staff_user)


@pytest.fixture
def lead_client(app, lead_user):
    return login(app.test_client(), lead_user)


@pytest.fixture
def admin_client(app, admin_user):
    return login(app.test_client(), admin_user)


class ApiClient:
    """A test client that sends a bearer token and JSON."""

    def __init__(self, client, token):
        self.client, self.token = client, token

    def _headers(self, extra=None):
        headers = {"Authorization": f"Bearer {self.token}"}
        headers.update(extra or {})
        return headers

    def get(self, url, **kw):
        return self.client.get(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, url, json=None, **kw):
        return self.client.patch(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, url, **kw):
        return self.client.delete(url, headers=self._headers(kw.pop("headers", None)), **kw)


def _api_for(app, user):
    token = factories.make_token(user)
    return ApiClient(app.test_client(), token)


@pytest.fixture
def staff_api(app, staff_user):
    return _api_for(app, staff_user)


@pytest.fixture
def lead_api(app, lead_user):
    return _api_for(app, lead_user)


@pytest.fixture
def admin_api(app, admin_user):
    return _api_for(app, admin_user)


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1: .port, .messages, .refuse(), .temporary_failure, .stop()/.start()."""
    from tests.smtp import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def hung_smtp_server():
    """A TCP port that accepts connections and never answers: .port."""
    from tests.smtp import HungServer

    server = HungServer()
    yield server
    server.close()
