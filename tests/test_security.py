"""Every route checks who is asking; forms carry CSRF tokens."""
import re

import pytest

from engage import create_app
from tests import factories

# Routes that are public on purpose, each for a stated reason.
PUBLIC_ENDPOINTS = {
    "static", "bootstrap.static",   # CSS and JS
    "auth.login",                   # the way in
    "auth.logout",                  # harmless when signed out
    "api.openapi",                  # the API's public description
    "organisation_logo.logo",       # the logo on RSVP pages and in emails, for recipients who never sign in
}
PUBLIC_PREFIXES = ("calendar.", "rsvp.")  # unguessable signed links, checked by their own tests


def _sample_url(rule):
    url = rule.rule
    for arg in rule.arguments:
        url = re.sub(rf"<(?:\w+:)?{arg}>", "1", url)
    return url


def _guarded_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.startswith(PUBLIC_PREFIXES):
            continue
        yield rule


def test_every_page_sends_anonymous_visitors_to_sign_in_and_every_api_call_answers_401(client, app):
    checked = 0
    for rule in _guarded_rules(app):
        url = _sample_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if url.startswith("/api/"):
                assert response.status_code == 401, (method, url, response.status_code)
                assert response.get_json()["error"]["code"] == "unauthorized"
            else:
                assert response.status_code == 302, (method, url, response.status_code)
                assert "/login" in response.headers["Location"], (method, url)
            checked += 1
    assert checked > 10


def test_admin_pages_refuse_staff_and_leads(app, staff_client, lead_client):
    admin_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin")]
    assert admin_rules
    for client in (staff_client, lead_client):
        for rule in admin_rules:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(_sample_url(rule), method=method)
                assert response.status_code == 403, (method, rule.rule, response.status_code)


@pytest.fixture
def csrf_app(app):
    return create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                      WTF_CSRF_ENABLED=True)


def test_csrf_is_enforced_on_forms_when_enabled(csrf_app, staff_user):
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": staff_user.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": staff_user.email, "password": factories.PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    # Signed in, a POST without the token is still refused.
    assert client.post("/logout").status_code == 400


def test_api_calls_need_no_csrf_token(csrf_app, staff_user):
    token = factories.make_token(staff_user)
    response = csrf_app.test_client().post("/api/v1/organisations", json={"name": "X", "kind": "cso"},
                                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201


def test_session_cookie_is_httponly_and_samesite(client, staff_user):
    response = client.post("/login", data={"email": staff_user.email, "password": factories.PASSWORD})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
