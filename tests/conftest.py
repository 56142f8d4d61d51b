"""Shared fixtures: the app on SQLite (and PostgreSQL when ENGAGE_TEST_DATABASE_URL is set), clients per role."""
from __future__ import annotations

import itertools
import os
import shutil
import zlib
from datetime import UTC, datetime

import pytest
from flask import Flask, g
from flask.sessions import SecureCookieSessionInterface
from flask_sqlalchemy import SQLAlchemy
from itsdangerous import BadSignature
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from werkzeug.routing.rules import Rule

from engage import create_app
from engage.extensions import db
from tests import factories
from tests.live import live_server  # noqa: F401  (the app on a real server, for downloads and streams)

PG_URL = os.environ.get("ENGAGE_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
_pg_schema_ready = False

# A fixed instant for services under test: Sat 28 Nov 2026, 09:00 UTC.
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _reuse_url_builders():
    """Every test makes its own app, and werkzeug compiles two URL-building functions per route for
    each (generated Python, ast + compile): ~60 of create_app's ~80 ms. A builder depends only on
    the rule's text and parts; the converters it calls are looked up on the rule at call time
    (`self._converters`), so the same function serves that route in every app of the run."""
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:  # another werkzeug: compile as it does
        return
    builders = {}

    def reused(self, append_unknown=True):
        if self.defaults:  # a default is folded in through this rule's converter: not shared
            return compile_builder(self, append_unknown)
        key = (self.rule, self.subdomain, self.host, tuple(self._trace), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = reused


_reuse_url_builders()


def _reuse_parsed_rules():
    """What was left of create_app's route set-up after the builders: werkzeug parses each rule's text
    into its matching parts (regular expressions, weights, converters) for every app, ~8 of create_app's
    ~21 ms. The parts depend only on the text and the map's converter classes; engage's converters
    keep no state (the map they hold is never read), so one parse serves that rule in every app."""
    parse_rule = getattr(Rule, "_parse_rule", None)
    if parse_rule is None:  # another werkzeug: parse as it does
        return
    parsed = {}

    def reused(self, rule):
        key = (rule, tuple(self.map.converters.items()))
        if key not in parsed:
            traced, known = len(self._trace), dict(self._converters)
            parts = list(parse_rule(self, rule))
            made = {name: c for name, c in self._converters.items() if known.get(name) is not c}
            parsed[key] = (parts, self._trace[traced:], made)
            return parts
        parts, trace, made = parsed[key]
        self._trace.extend(trace)
        self._converters.update(made)
        self.arguments.update(made)
        return parts

    Rule._parse_rule = reused


_reuse_parsed_rules()


def _reuse_compiled_statements():
    """Every test makes its own app, hence its own engine, and SQLAlchemy keeps the SQL it compiled
    from a statement per engine, keyed by the engine's dialect object: each test compiled afresh the
    queries every test runs (sign-in, the user loader, the visibility filters), about a fifth of a
    page test's CPU. The compiled SQL depends only on the statement and the dialect's settings,
    which are the same for every engine of a backend with the same options; so the engines of the
    run share one dialect object and one statement cache per backend and options. Each engine
    keeps its own pool and connections (and so its own database file or connection settings)."""
    make_engine = SQLAlchemy._make_engine
    shared = {}

    def sharing(self, bind_key, options, app):
        engine = make_engine(self, bind_key, options, app)
        key = (engine.dialect.__class__, repr(sorted((k, v) for k, v in options.items() if k != "url")))
        dialect, cache = shared.setdefault(key, (engine.dialect, engine._compiled_cache))
        engine.dialect, engine._compiled_cache = dialect, cache
        return engine

    SQLAlchemy._make_engine = sharing


_reuse_compiled_statements()


class _TemplateCodeOfTheRun(BytecodeCache):
    """Every test makes its own app, hence its own Jinja environment, which compiled each template it
    rendered afresh: two thirds of a small page test's CPU went to Jinja's parser and code generator.
    The compiled module code depends only on the template's source (the checksum, so an edited
    template is compiled again) and on the environment's settings, the same for every app
    create_app makes; this keeps it for the test process, as a bytecode cache on disk would for a
    server, and each environment still makes its own Template objects from it."""

    def __init__(self):
        self.codes = {}

    def load_bytecode(self, bucket):
        bucket.code = self.codes.get((bucket.key, bucket.checksum))

    def dump_bytecode(self, bucket):
        self.codes[(bucket.key, bucket.checksum)] = bucket.code


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _TemplateCodeOfTheRun()}
BROWSER_SKIPS: list[str] = []  # why browser journeys were skipped, for the summary banner


def pytest_runtest_logreport(report):
    """Note a skipped browser journey. Under pytest-xdist the workers' reports arrive here, in the
    process that prints the summary, which a fixture's own list in a worker never reaches."""
    if report.skipped and "e2e" in report.keywords and isinstance(report.longrepr, tuple):
        BROWSER_SKIPS.append(str(report.longrepr[2]).removeprefix("Skipped: "))


def pytest_terminal_summary(terminalreporter):
    """Say loudly when the browser journeys could not run."""
    if not BROWSER_SKIPS:
        return
    line = "!" * 78
    terminalreporter.write_line(line, red=True, bold=True)
    terminalreporter.write_line(f"E2E BROWSER TESTS SKIPPED: {BROWSER_SKIPS[0]}", red=True, bold=True)
    terminalreporter.write_line("The browser journeys did NOT run. Install Chromium (apt-get install chromium) "
                                "or set ENGAGE_CHROMIUM.", red=True, bold=True)
    terminalreporter.write_line(line, red=True, bold=True)


@pytest.fixture(scope="session")
def pg_database_url():
    """A PostgreSQL database for this test process alone, kept for the next run.

    Runs overlap (pytest-xdist workers, other checkouts): each process takes the first of
    engage_test_w0, _w1, ... that no other process holds, by an advisory lock on its admin
    connection (PostgreSQL lets go of it when the process ends, however it ends). The database is
    kept, not dropped: DROP DATABASE forces a checkpoint, which takes seconds on a quiet machine
    and minutes on a busy one. The first test of the process empties it and makes the schema.
    """
    base = make_url(PG_URL)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    conn = admin.connect()
    family = zlib.crc32(base.database.encode()) & 0x7FFFFFFF
    for slot in itertools.count():
        if conn.execute(text("SELECT pg_try_advisory_lock(:family, :slot)"), {"family": family, "slot": slot}).scalar():
            break
    name = f"{base.database}_w{slot}"
    if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).scalar():
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    # Tests commit after nearly every row they make; a commit that waits for its WAL flush costs
    # 2-3 ms here, one that does not ~0.3 ms. A crash of the server may lose the last commits of a
    # throwaway database, nothing else; every connection to it (live servers, subprocesses) gets this.
    conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        conn.close()  # and with it the lock
        admin.dispose()


def _empty_database(url):
    """Nothing left in the database at `url`: no tables, sequences, functions or triggers."""
    global _pg_schema_ready
    _pg_schema_ready = False  # the next `app` test makes the schema again
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as conn:
        # A connection a failed test left open would hold locks the DROP waits for.
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def empty_pg_database_url(pg_database_url):
    """This process's PostgreSQL database with nothing in it, before and after (for the migrations)."""
    _empty_database(pg_database_url)
    yield pg_database_url
    _empty_database(pg_database_url)


# For a test whose outcome no database can change: it is refused before any SQL runs that differs
# between SQLite and PostgreSQL (a schema or role refusal, asserted as such), so a second run on
# PostgreSQL proved nothing more. Claims, concurrency, queries, filters that reach SQL, stored times
# and migrations keep both.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Which database this test runs on; every database test runs on each available backend."""
    return request.param


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory):
    """An SQLite file holding the empty schema (tables, indexes, triggers), made once per test process.

    Each SQLite test gets a copy: copying the file costs ~1 ms, create_all ~45 ms.
    """
    path = tmp_path_factory.mktemp("schema") / "schema.sqlite"
    made = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", ENGAGE_INSTANCE_DIR=str(path.parent))
    with made.app_context():
        db.create_all()
        with db.engine.connect() as conn:  # everything into the file itself: the copy takes no -wal file
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()
    return path


def _database_url(backend, tmp_path, request):
    if backend == "sqlite":
        path = tmp_path / "test.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_schema"), path)
        return f"sqlite:///{path}"
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


def _forget_loaded_user():
    g.pop("_login_user", None)


def _empty_all_tables():
    """Empty every table and restart every sequence, as a fresh schema would be.

    TRUNCATE of all 26 tables costs ~140 ms on PostgreSQL whatever they hold, and waits for any
    connection still reading one of them; DELETE of the few rows a test made costs ~4 ms.
    audit_event refuses DELETE (its append-only trigger), so the trigger is off for this one
    transaction, and only when a test wrote to the log.
    """
    deletes = "; ".join(f'DELETE FROM "{t.name}"' for t in reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        audited = conn.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM audit_event)").scalar()
        if audited:
            conn.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        conn.exec_driver_sql(deletes)
        if audited:
            conn.exec_driver_sql("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
        conn.exec_driver_sql("SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'")


@pytest.fixture
def app(backend, tmp_path, request):
    """An app with an empty schema and an app context pushed.

    SQLite: a copy of the schema file made once (sqlite_schema). PostgreSQL: the schema is made by
    the first test of the process; each test empties the tables after itself, with real commits, so
    live servers, threads and subprocesses see what a test committed and PostgreSQL's locking
    (SKIP LOCKED claims, two dispatchers) is the real thing.
    """
    global _pg_schema_ready
    url = _database_url(backend, tmp_path, request)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, ENGAGE_INSTANCE_DIR=str(tmp_path))
    app.session_interface = _SessionsAcrossClockJumps()
    # First of all: requests share this test's app context, hence `g`, where Flask-Login keeps the
    # user it loaded; each request must load its own, as in production, or one client's sign-in
    # would serve the next client (and a revoked session would outlive its revocation).
    app.before_request_funcs.setdefault(None, []).insert(0, _forget_loaded_user)
    with app.app_context():
        if backend == "postgresql" and not _pg_schema_ready:
            _empty_database(url)  # whatever an earlier run or another version of the models left
            db.create_all()
            _pg_schema_ready = True
        yield app
        db.session.remove()
        if backend == "postgresql":
            _pg_schema_ready = False  # emptying failed: the next test builds the schema afresh
            _empty_all_tables()
            _pg_schema_ready = True
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
def french_client(app):
    """A staff member who chose French for their pages, signed in."""
    user = factories.make_user(role="staff", email="amelie@example.org", full_name="Amélie Roux")
    user.language = "fr"
    db.session.commit()
    return login(app.test_client(), user)


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

    def put(self, url, json=None, **kw):
        return self.client.put(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

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
