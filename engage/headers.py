"""What engage says in, and trusts of, HTTP headers: the security headers on every answer, and the
`X-Forwarded-*` headers of the proxies in front of it (ENGAGE_TRUSTED_PROXIES hops, none by default).
"""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

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
    """Trust the configured number of proxies, and add the security headers to every answer."""
    hops = app.config.get("ENGAGE_TRUSTED_PROXIES") or 0
    if hops:
        # The client's address (sign-in limits, the audit log) and scheme come from the last `hops`
        # X-Forwarded-For/-Proto entries; links never follow the Host header (ENGAGE_BASE_URL does).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
    headers = dict(HEADERS)
    hsts_seconds = app.config.get("ENGAGE_HSTS_SECONDS")
    if hsts_seconds and app.config["ENGAGE_BASE_URL"].startswith("https://"):
        headers["Strict-Transport-Security"] = f"max-age={hsts_seconds}"

    pairs = tuple((name, name.lower(), value) for name, value in headers.items())

    def add_security_headers(response):
        # A header the view set itself stays. (One pass over the few headers present: asking the
        # Headers for each name raised and caught a KeyError per name absent, on every answer.)
        present = {name.lower() for name, _ in response.headers}
        for name, lowered, value in pairs:
            if lowered not in present:
                response.headers.add(name, value)
        return response
    app.after_request(add_security_headers)
