"""The app served for real: werkzeug's threaded server on a loopback port, and a cookie-keeping HTTP client.

The Flask test client runs a response's body inside the request; a real server sends it after the
view has returned and the request's database session is gone. Downloads and anything that streams
are tested here, on whichever database the `app` fixture uses (SQLite, and PostgreSQL when set).
"""
from __future__ import annotations

import html
import http.client
import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

from engage import create_app
from engage.extensions import db
from tests import factories

CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE = re.compile(r'value="([^"]*)"')


@dataclass
class Reply:
    """What the server answered: status, headers, the whole body (read to the end), and where it was.

    `complete` is False when the connection ended before the body did (a download cut off midway).
    """

    status: int
    headers: object
    body: bytes
    url: str
    complete: bool = True

    @property
    def text(self) -> str:
        return self.body.decode("utf-8-sig")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    @property
    def mimetype(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to look at, not to follow


class Browser:
    """A cookie-keeping HTTP client, as a browser without JavaScript: forms carry their CSRF token."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects)

    def _url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None) -> Reply:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self._url(path), data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as response:
                try:
                    return Reply(response.status, response.headers, response.read(), response.url)
                except http.client.IncompleteRead as cut:
                    return Reply(response.status, response.headers, cut.partial, response.url, complete=False)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx: still an answer
            with error:
                return Reply(error.code, error.headers, error.read(), error.url)

    def get(self, path: str, **kw) -> Reply:
        return self.request("GET", path, **kw)

    def csrf_token(self, path: str) -> str:
        """The CSRF token of the form on the page at `path`."""
        page = self.get(path)
        assert page.status == 200, (path, page.status, page.text[:300])
        field = CSRF_INPUT.search(page.text)
        assert field, f"no CSRF token in the form at {path}"
        return html.unescape(VALUE.search(field.group(0)).group(1))

    def submit(self, path: str, data: dict, form_at: str | None = None) -> Reply:
        """POST `data` to `path` with the CSRF token of the form shown at `form_at` (default: `path`)."""
        return self.request("POST", path, {**data, "csrf_token": self.csrf_token(form_at or path)})


@dataclass
class LiveServer:
    """The running app: its base URL and its own Flask app (same database as the `app` fixture)."""

    url: str
    app: object

    def browser(self) -> Browser:
        return Browser(self.url)

    def sign_in(self, user, password: str = factories.PASSWORD) -> Browser:
        """A browser signed in as `user` through the real login form, and its code step for two-step users."""
        from engage.auth import twofactor

        if twofactor.required_for(user, self.app.config.get("ENGAGE_REQUIRE_2FA")) and not user.has_2fa:
            factories.enrol_2fa(user)
        db.session.commit()  # nothing the test wrote may still be uncommitted when the server reads
        browser = self.browser()
        reply = browser.submit("/login", {"email": user.email, "password": password})
        assert reply.status == 302, (reply.status, reply.text[:500])
        if "/login/code" in reply.location:
            code_page = urllib.parse.urlsplit(reply.location)
            path = code_page.path + (f"?{code_page.query}" if code_page.query else "")
            reply = browser.submit(path, {"code": factories.totp_code(user)})
            assert reply.status == 302, (reply.status, reply.text[:500])
        assert "/login" not in reply.location, reply.location
        return browser


@pytest.fixture
def live_server(app, tmp_path):
    """The app served by werkzeug (threaded) on 127.0.0.1, on the `app` fixture's database, CSRF on.

    Data made through `app` (factories) is there once committed; `.sign_in(user)` gives a browser.
    """
    served = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                        ENGAGE_INSTANCE_DIR=str(tmp_path), TESTING=False, WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    served.config["ENGAGE_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="engage-live", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=url, app=served)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with served.app_context():
            db.engine.dispose()  # before the `app` fixture truncates PostgreSQL's tables
