"""What engage says in HTTP headers: the security headers on every answer."""
from __future__ import annotations

from flask import Flask

# No inline script anywhere: pages load theirs from engage/static (engage.js, meeting-form.js), so an
# injected <script> or on*= handler does not run. Style attributes stay allowed (style-src-attr): the
# pages use a few and the outbox previews mail, whose HTML is styled inline for mail clients; <style>
# elements and style sheets from elsewhere are refused. Bootstrap's own CSS draws its icons with data:
# images. Nothing may frame engage (clickjacking), and forms post only to engage.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "X-Content-Type-Options": "nosniff",
    # Signed links (RSVP, calendar feeds) are in paths: never tell another site which page linked to it.
    "Referrer-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    """Add the security headers to every answer."""
    headers = dict(HEADERS)
    hsts_seconds = app.config.get("ENGAGE_HSTS_SECONDS")
    if hsts_seconds and app.config["ENGAGE_BASE_URL"].startswith("https://"):
        headers["Strict-Transport-Security"] = f"max-age={hsts_seconds}"

    def add_security_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
    app.after_request(add_security_headers)
