"""Sign-in, passwords, roles and user administration through the real pages."""
import pytest
from sqlalchemy import select

from engage.auth import services
from engage.auth.models import User
from engage.errors import ConflictError, PermissionDenied, ValidationError
from engage.extensions import db
from tests import factories


def test_password_is_stored_hashed(app):
    user = factories.make_user(email="hash@example.org")
    assert factories.PASSWORD not in user.password_hash
    assert user.check_password(factories.PASSWORD)
    assert not user.check_password("wrong password!")


def test_login_with_the_right_password_reaches_the_start_page(client, staff_user):
    response = client.post("/login", data={"email": "STAFF@example.org", "password": factories.PASSWORD},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Welcome" in response.get_data(as_text=True)


def test_login_with_a_wrong_password_is_refused_without_saying_which_part(client, staff_user):
    response = client.post("/login", data={"email": "staff@example.org", "password": "nope nope nope"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "do not match an active account" in page
    assert client.get("/").status_code == 302


def test_a_blank_or_overlong_sign_in_is_refused_beside_its_field_and_nothing_is_tried(client, staff_user):
    from engage.audit.models import AuditEvent

    for data, messages in (({"email": "", "password": "  "}, ["This field is required."] * 2),
                           ({"email": "x" * 255, "password": factories.PASSWORD},
                            ["Field cannot be longer than 254 characters."]),
                           ({"email": "staff@example.org", "password": "p" * 1025},
                            ["Field cannot be longer than 1024 characters."])):
        response = client.post("/login", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "do not match" not in page
        assert all(page.count(m) == messages.count(m) for m in messages), data
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login_failed")) is None
    assert client.get("/").status_code == 302


def test_disabled_user_cannot_sign_in(client, staff_user):
    staff_user.is_disabled = True
    db.session.commit()
    response = client.post("/login", data={"email": "staff@example.org", "password": factories.PASSWORD})
    assert "do not match an active account" in response.get_data(as_text=True)


def test_disabling_a_signed_in_user_ends_their_session(staff_client, staff_user):
    assert staff_client.get("/").status_code == 200
    staff_user.is_disabled = True
    db.session.commit()
    assert staff_client.get("/").status_code == 302


def test_login_redirects_only_to_local_pages(client, staff_user):
    response = client.post("/login?next=https://evil.example.com/", data={
        "email": "staff@example.org", "password": factories.PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/account", data={
        "email": "staff@example.org", "password": factories.PASSWORD})
    assert response.headers["Location"] == "/account"


def test_logout_needs_post_and_signs_out(staff_client):
    assert staff_client.get("/logout").status_code == 405
    staff_client.post("/logout")
    assert staff_client.get("/").status_code == 302


def test_change_password(staff_client, staff_user):
    response = staff_client.post("/account", data={
        "pw-current_password": factories.PASSWORD, "pw-new_password": "a brand new passphrase",
        "pw-confirm": "a brand new passphrase", "pw-submit": "1"})
    assert response.status_code == 302
    db.session.refresh(staff_user)
    assert staff_user.check_password("a brand new passphrase")


def test_change_password_with_a_wrong_current_password_says_so_beside_the_field(staff_client, staff_user):
    response = staff_client.post("/account", data={
        "pw-current_password": "not my password", "pw-new_password": "a brand new passphrase",
        "pw-confirm": "a brand new passphrase", "pw-submit": "1"})
    assert response.status_code == 200
    assert "That is not your current password." in response.get_data(as_text=True)
    db.session.refresh(staff_user)
    assert staff_user.check_password(factories.PASSWORD)


def test_login_attempts_are_rate_limited(app, staff_user):
    from engage import create_app
    limited = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         RATELIMIT_ENABLED=True, ENGAGE_LOGIN_RATE_LIMIT="10 per minute")
    client = limited.test_client()
    codes = [client.post("/login", data={"email": "staff@example.org", "password": "bad bad bad"}).status_code
             for _ in range(12)]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429
    assert "Too many attempts" in client.post("/login", data={"email": "x@example.org", "password": "y"}).get_data(
        as_text=True)


def test_services_refuse_bad_users(app, now):
    with pytest.raises(ValidationError) as exc:
        services.create_user(None, now, "not-an-email", "X", "staff", "long enough password")
    assert "email" in exc.value.fields
    with pytest.raises(ValidationError) as exc:
        services.create_user(None, now, "ok@example.org", "X", "emperor", "long enough password")
    assert "role" in exc.value.fields
    with pytest.raises(ValidationError) as exc:
        services.create_user(None, now, "ok@example.org", "X", "staff", "short")
    assert "password" in exc.value.fields
    services.create_user(None, now, "ok@example.org", "X", "staff", "long enough password")
    with pytest.raises(ConflictError):
        services.create_user(None, now, "OK@example.org", "Y", "staff", "long enough password")


def test_the_last_admin_cannot_be_demoted_or_disabled(app, now, admin_user):
    with pytest.raises(PermissionDenied):
        services.set_role(admin_user, now, admin_user, "staff")
    other = factories.make_user(role="staff")
    with pytest.raises(PermissionDenied):
        services.set_disabled(other, now, admin_user, True)


def test_admin_adds_a_user_who_can_then_sign_in(admin_client, app):
    response = admin_client.post("/admin/users", data={"email": "new.person@example.org",
                                                       "full_name": "New Person", "role": "lead"},
                                 follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "new.person@example.org can now sign in with the password" in page
    password = page.split("with the password ")[1].split(" ")[0]
    user = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user.role == "lead"
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": user.email, "password": password}).status_code == 302


def test_admin_changes_a_role_and_disables_a_user(admin_client, staff_user):
    admin_client.post(f"/admin/users/{staff_user.id}/role", data={"role": "lead"})
    db.session.refresh(staff_user)
    assert staff_user.role == "lead"
    admin_client.post(f"/admin/users/{staff_user.id}/disable")
    db.session.refresh(staff_user)
    assert staff_user.is_disabled
    admin_client.post(f"/admin/users/{staff_user.id}/enable")
    db.session.refresh(staff_user)
    assert not staff_user.is_disabled


def test_admin_cannot_disable_themselves(admin_client, admin_user):
    response = admin_client.post(f"/admin/users/{admin_user.id}/disable", follow_redirects=True)
    assert "You cannot disable your own account." in response.get_data(as_text=True)
    db.session.refresh(admin_user)
    assert not admin_user.is_disabled


@pytest.mark.parametrize("who", ["staff", "lead"])
def test_non_admins_cannot_reach_user_administration(app, who, request):
    client = request.getfixturevalue(f"{who}_client")
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users", data={"email": "x@example.org", "full_name": "X",
                                             "role": "admin"}).status_code == 403
    assert db.session.scalar(select(User).where(User.email == "x@example.org")) is None


def test_token_created_on_the_account_page_is_shown_once_and_works(staff_client, app):
    response = staff_client.post("/account/tokens", data={"tok-name": "spreadsheet"})
    page = response.get_data(as_text=True)
    secret = page.split("<code>")[1].split("</code>")[0]
    assert secret.startswith("eng_")
    api = app.test_client()
    assert api.get("/api/v1/organisations", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert secret not in staff_client.get("/account").get_data(as_text=True)


def test_a_token_name_past_100_characters_is_refused_and_no_token_made(staff_client):
    from engage.auth.models import ApiToken

    response = staff_client.post("/account/tokens", data={"tok-name": "x" * 101})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert "The token name is too long." in staff_client.get("/account").get_data(as_text=True)
    assert db.session.scalar(select(ApiToken)) is None
    assert 'maxlength="100"' in staff_client.get("/account").get_data(as_text=True)


def test_a_token_notes_its_last_use_to_the_minute_without_a_write_per_call(app, staff_user, now):
    from datetime import timedelta

    import time_machine

    from engage.auth.models import ApiToken

    secret = factories.make_token(staff_user)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    last_used = lambda: db.session.scalar(select(ApiToken.last_used_at))  # noqa: E731
    for seconds, noted in ((0, 0), (50, 0), (61, 61)):  # a call 50 s later is not written; 61 s later it is
        with time_machine.travel(now + timedelta(seconds=seconds), tick=False):
            assert api.get("/api/v1/organisations", headers=headers).status_code == 200
        db.session.expire_all()
        assert last_used() == now + timedelta(seconds=noted)


def test_a_blank_or_overlong_new_user_is_refused_beside_its_field_and_nothing_is_saved(admin_client):
    for data, messages in (({"email": "", "full_name": " ", "role": "staff"}, ["This field is required."] * 2),
                           ({"email": "a" * 250 + "@x.org", "full_name": "n" * 201, "role": "staff"},
                            ["Field cannot be longer than 254 characters.", "Field cannot be longer than 200 characters."])):
        response = admin_client.post("/admin/users", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "can now sign in" not in page
        assert all(page.count(m) == messages.count(m) for m in messages), data
    assert db.session.scalar(select(User).where(User.email != "admin@example.org")) is None


def test_a_password_change_typed_differently_or_too_short_is_refused_beside_its_field(staff_client, staff_user):
    from tests import factories

    for data, field, message in (
            ({"pw-new_password": "a new password 123", "pw-confirm": "a new password 124"},
             "confirm", "The two do not match."),
            ({"pw-new_password": "short", "pw-confirm": "short"},
             "new_password", "Field must be between 10 and 1024 characters long."),
            ({"pw-current_password": "", "pw-new_password": "a new password 123", "pw-confirm": "a new password 123"},
             "current_password", "This field is required.")):
        response = staff_client.post("/account", data={"pw-current_password": factories.PASSWORD, **data,
                                                       "pw-submit": "1"})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and page.count(message) == 1, field
        # beside its own field: after that input, before the next one
        following = {"current_password": 'id="pw-new_password"', "new_password": 'id="pw-confirm"',
                     "confirm": "</form>"}[field]
        at = page.index(f'id="pw-{field}"')
        assert at < page.index(message) < page.index(following, at), field
        assert "signed out everywhere else" not in page
    assert 'minlength="10"' in page and 'maxlength="1024"' in page  # the browser hints stay
    db.session.expire_all()
    assert staff_user.check_password(factories.PASSWORD)
