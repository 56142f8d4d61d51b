"""Sessions: idle and absolute limits on the injected clock, password confirmation, cookie flags."""
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from engage import create_app
from engage.audit.models import AuditEvent
from engage.auth.models import User
from engage.extensions import db
from tests import factories
from tests.conftest import NOW, login


@pytest.fixture
def limits(app):
    app.config.update(ENGAGE_SESSION_IDLE_MINUTES=30, ENGAGE_SESSION_MAX_HOURS=12)
    return app


def _at(minutes):
    return time_machine.travel(NOW + timedelta(minutes=minutes), tick=False)


def _signed_in(client):
    return client.get("/account").status_code == 200


def test_the_defaults_are_30_minutes_idle_and_12_hours_in_all(app):
    from engage.settings import Settings
    fields = Settings.model_fields
    assert fields["ENGAGE_SESSION_IDLE_MINUTES"].default == 30 and fields["ENGAGE_SESSION_MAX_HOURS"].default == 12


def test_a_session_ends_after_30_idle_minutes(limits, staff_user):
    with _at(0):
        client = login(limits.test_client(), staff_user)
    with _at(29):
        assert _signed_in(client)
    with _at(58):  # 29 minutes after the last request: still alive
        assert _signed_in(client)
    with _at(58 + 31):
        response = client.get("/meetings/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert "next=" in response.headers["Location"]
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed out after 30 minutes without activity" in page
    with _at(58 + 32):
        assert not _signed_in(client)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "logout")).one()
    assert event.actor_id == staff_user.id and event.detail == "session ended (idle)"


def test_the_session_cookie_is_sent_again_only_once_its_last_use_moved_by_a_minute(limits, staff_user):
    with _at(0):
        client = login(limits.test_client(), staff_user)
        client.get("/account")  # the first page keeps its form token in the session
    with _at(0.5):
        response = client.get("/account")
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
    with _at(2):
        response = client.get("/account")
        assert response.status_code == 200 and "session=" in response.headers["Set-Cookie"]


def test_a_session_ends_12_hours_after_signing_in_however_busy(limits, staff_user):
    with _at(0):
        client = login(limits.test_client(), staff_user)
    for minute in range(20, 12 * 60, 20):
        with _at(minute):
            assert _signed_in(client), minute
    with _at(12 * 60 + 1):
        response = client.get("/account")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert "at most 12 hours" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "logout")).one().detail == \
        "session ended (absolute)"


def test_limits_follow_the_settings(limits, staff_user):
    limits.config["ENGAGE_SESSION_IDLE_MINUTES"] = 5
    with _at(0):
        client = login(limits.test_client(), staff_user)
    with _at(6):
        assert not _signed_in(client)


def test_there_is_no_remember_me_cookie(client, staff_user):
    assert "remember" not in client.get("/login").get_data(as_text=True).lower()
    response = client.post("/login", data={"email": staff_user.email, "password": factories.PASSWORD,
                                           "remember": "y"})
    assert response.status_code == 302
    assert not any("remember_token" in c for c in response.headers.getlist("Set-Cookie"))


def test_production_cookies_are_secure_httponly_and_lax(tmp_path):
    app = create_app("production", SECRET_KEY="x" * 40, ENGAGE_DATA_KEY="dGVzdGluZy1vbmx5LWRhdGEta2V5LW5vdC1zZWNyZXQ=",
                     SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.sqlite'}")
    for prefix in ("SESSION", "REMEMBER"):
        assert app.config[f"{prefix}_COOKIE_SECURE"] is True
        assert app.config[f"{prefix}_COOKIE_HTTPONLY"] is True
        assert app.config[f"{prefix}_COOKIE_SAMESITE"] == "Lax"
    with app.app_context():
        db.create_all()
        cookie = app.test_client().get("/login", base_url="https://engage.example").headers["Set-Cookie"]
        db.session.remove()
        db.engine.dispose()
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# ---- asking for the password again ----

def test_an_export_asks_for_the_password_again_after_five_minutes(staff_user, app):
    with _at(0):
        client = login(app.test_client(), staff_user)
        assert client.get("/directory/contacts/export.csv").status_code == 200  # just signed in
    with _at(6):
        response = client.get("/directory/contacts/export.csv?q=x")
        assert response.status_code == 302 and "/confirm-password" in response.headers["Location"]
        confirm_url = response.headers["Location"]
        page = client.get(confirm_url).get_data(as_text=True)
        assert "Confirm your password" in page
        wrong = client.post(confirm_url, data={"password": "not my password"})
        assert wrong.status_code == 422 and "not your password" in wrong.get_data(as_text=True)
        right = client.post(confirm_url, data={"password": factories.PASSWORD})
        assert right.status_code == 302 and right.headers["Location"].endswith("/directory/contacts/export.csv?q=x")
        assert client.get(right.headers["Location"]).status_code == 200
    with _at(10):
        assert client.get("/directory/contacts/export.csv").status_code == 200
    with _at(12):
        assert client.get("/directory/contacts/export.csv").status_code == 302


def test_a_role_change_asks_for_the_password_again(admin_user, app):
    admin_user.is_dpo = True  # only a DPO names another
    db.session.commit()
    with _at(0):
        client = login(app.test_client(), admin_user)
        other = factories.make_user(role="staff", email="other@example.org")
    with _at(6):
        response = client.post(f"/admin/users/{other.id}/role", data={"role": "lead"},
                               headers={"Referer": "http://localhost/admin/users"})
        assert response.status_code == 302 and "/confirm-password" in response.headers["Location"]
        assert response.headers["Location"].endswith("next=/admin/users")
        db.session.refresh(other)
        assert other.role == "staff"
        response = client.post(response.headers["Location"], data={"password": factories.PASSWORD})
        assert response.headers["Location"].endswith("/admin/users")
        client.post(f"/admin/users/{other.id}/role", data={"role": "lead"})
        client.post(f"/admin/users/{other.id}/dpo", data={"is_dpo": "1"})
    db.session.expire_all()
    other = db.session.get(User, other.id)
    assert other.role == "lead" and other.is_dpo


def test_the_confirmation_page_refuses_an_outside_next(staff_client):
    response = staff_client.post("/confirm-password?next=https://evil.example/",
                                 data={"password": factories.PASSWORD})
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_a_blank_or_overlong_password_to_confirm_is_refused_beside_it_and_confirms_nothing(staff_client):
    for typed, message in (("", "This field is required."), ("x" * 1025, "Field cannot be longer than 1024 characters.")):
        response = staff_client.post("/confirm-password", data={"password": typed})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and page.count(message) == 1, typed
        at = page.index('id="password"')
        assert at < page.index(message) < page.index("</form>", at), typed
        assert 'maxlength="1024"' in page and "required" in page[at - 200:at + 200]
