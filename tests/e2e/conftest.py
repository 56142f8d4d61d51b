"""Browser fixtures: the real app on a loopback port, a real SMTP server beside it, Debian's Chromium.

Each journey gets its own app, SQLite file and SMTP server, and fresh browser contexts (no cookies or
storage shared); one Chromium serves every journey of a test process, since starting one costs about
a second of CPU and the journeys' modules are spread over the workers.
Without a Chromium the journeys are skipped (never failed) and the run's summary says so loudly
(tests/conftest.py, so that it works under pytest-xdist too).
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy

import pytest
from werkzeug.serving import make_server

from engage import create_app
from engage.clock import now_utc
from engage.extensions import db
from tests.e2e.helpers import DESKTOP, PASSWORD, PageChecks, slug
from tests.smtp import SmtpServer

CHROMIUM = os.environ.get("ENGAGE_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


# ---- the browser ----

@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright; skips the journeys when it is missing."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no Chromium found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra brings it
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser, request):
    """A factory of fresh browser contexts (no cookies, desktop size, downloads allowed), closed after the test."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", dict(DESKTOP))
        options.setdefault("accept_downloads", True)
        options.setdefault("locale", "en-GB")
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


# ---- the app, its mail server, its people ----

@dataclass
class Mailbox:
    """What the SMTP server received, and a way to make the app send what its outbox holds."""

    app: object
    smtp: SmtpServer
    seen: int = 0

    def deliver(self) -> list:
        """Run the outbox dispatcher once (as the scheduler would) and return the messages that just arrived."""
        from engage.outbox.services import drain_outbox

        with self.app.app_context():
            result = drain_outbox(now_utc(), self.app.config, "e2e-dispatcher")
            db.session.remove()
        assert result.failed == 0 and result.retrying == 0, f"the outbox did not send cleanly: {result}"
        with self.smtp.lock:
            fresh = self.smtp.messages[self.seen:]
            self.seen = len(self.smtp.messages)
        return [message_from_bytes(m.raw, policy=policy.default) for m in fresh]


@dataclass
class Live:
    """The running app: its address, its Flask app (for services in the test), its mailbox and users."""

    url: str
    app: object
    mail: Mailbox
    users: dict = field(default_factory=dict)

    def run(self, work):
        """Call `work()` inside an app context, commit, and return its result."""
        with self.app.app_context():
            try:
                result = work()
                db.session.commit()
                return result
            finally:
                db.session.remove()


@pytest.fixture
def live(tmp_path):
    """The real app (demo data, a staff and a lead account) served on 127.0.0.1, mailing a real SMTP server."""
    from engage.auth.services import create_user
    from engage.demo import load_demo_data

    smtp = SmtpServer().start()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'e2e.sqlite'}",
                     ENGAGE_INSTANCE_DIR=str(tmp_path), TESTING=False, WTF_CSRF_ENABLED=True,
                     MAIL_DEFAULT_SENDER="engage@example.org", **smtp.config())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["ENGAGE_BASE_URL"] = url
    users = {}
    with app.app_context():
        db.create_all()
        now = now_utc()
        load_demo_data(now, echo=lambda *_: None)
        users["staff"] = create_user(None, now, "wanjiru.staff@example.org", "Wanjiru Njeri", "staff", PASSWORD).id
        users["lead"] = create_user(None, now, "otieno.lead@example.org", "Otieno Were", "lead", PASSWORD).id
        db.session.commit()
        db.session.remove()
    thread = threading.Thread(target=server.serve_forever, name="engage-e2e", daemon=True)
    thread.start()
    try:
        yield Live(url=url, app=app, mail=Mailbox(app, smtp),
                   users={"staff": ("wanjiru.staff@example.org", users["staff"]),
                          "lead": ("otieno.lead@example.org", users["lead"])})
    finally:
        server.shutdown()
        thread.join(timeout=10)
        smtp.stop()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def open_page(new_context, request):
    """A factory of (page, checks) in a fresh context: checks.check(name) runs the per-page checks."""
    journey = slug(request.node.name.removeprefix("test_"))

    def make(**options):
        context = new_context(**options)
        page = context.new_page()
        return page, PageChecks(page, journey)

    return make


