"""Sessions end for real: sign-out, a password, role or DPO change, disabling and "sign out
everywhere" end every session of the account, a copied session cookie included."""
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.auth import services
from engage.auth.models import User
from engage.extensions import db
from tests import factories
from tests.conftest import NOW, login


def _signed_in(client):
    return client.get("/account").status_code == 200


def _copy(client):
    """A second browser holding a copy of `client`'s session cookie (what a thief would keep)."""
    other = client.application.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _fresh(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_a_copied_cookie_stops_working_after_sign_out(app, staff_user):
    client = login(app.test_client(), staff_user)
    thief = _copy(client)
    assert _signed_in(thief)
    client.post("/logout")
    assert not _signed_in(client)
    response = thief.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_signing_out_ends_the_sessions_on_other_devices(app, staff_user):
    laptop, phone = login(app.test_client(), staff_user), login(app.test_client(), staff_user)
    phone.post("/logout")
    assert not _signed_in(laptop)
    assert _signed_in(login(laptop, staff_user))  # signing in again works


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, staff_user):
    here, elsewhere = login(app.test_client(), staff_user), login(app.test_client(), staff_user)
    response = here.post("/account", data={"pw-current_password": factories.PASSWORD,
                                           "pw-new_password": "a new password 123",
                                           "pw-confirm": "a new password 123", "pw-submit": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    assert "signed out everywhere else" in here.get("/account").get_data(as_text=True)
    assert not _signed_in(elsewhere)


def test_a_refused_password_change_ends_nothing(app, staff_user):
    here, elsewhere = login(app.test_client(), staff_user), login(app.test_client(), staff_user)
    here.post("/account", data={"pw-current_password": "not it at all", "pw-new_password": "a new password 123",
                                "pw-confirm": "a new password 123", "pw-submit": "1"})
    assert _signed_in(here) and _signed_in(elsewhere)


def test_sign_out_everywhere_from_the_account_page(app, staff_user):
    here, elsewhere = login(app.test_client(), staff_user), login(app.test_client(), staff_user)
    page = here.get("/account").get_data(as_text=True)
    assert "Sign out everywhere" in page and 'action="/account/sign-out-everywhere"' in page
    response = here.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "signed out on every device" in here.get(response.headers["Location"]).get_data(as_text=True)
    assert not _signed_in(here) and not _signed_in(elsewhere)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "logout")).one()
    assert event.actor_id == staff_user.id and event.detail == "signed out everywhere"


def test_sign_out_everywhere_needs_the_csrf_token(app, staff_user):
    client = login(app.test_client(), staff_user)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/account/sign-out-everywhere").status_code == 400
    assert _signed_in(client)


def test_a_role_change_ends_the_users_sessions(app, admin_user, staff_user):
    admin = login(app.test_client(), admin_user)
    staff = login(app.test_client(), staff_user)
    assert admin.post(f"/admin/users/{staff_user.id}/role", data={"role": "lead"}).status_code == 302
    assert _fresh(staff_user).role == "lead"
    assert not _signed_in(staff)
    assert _signed_in(admin)


def test_disabling_ends_the_users_sessions_and_enabling_does_not_bring_them_back(app, admin_user, staff_user):
    admin = login(app.test_client(), admin_user)
    staff = login(app.test_client(), staff_user)
    admin.post(f"/admin/users/{staff_user.id}/disable")
    assert not _signed_in(staff)
    admin.post(f"/admin/users/{staff_user.id}/enable")
    assert _fresh(staff_user).is_disabled is False
    assert not _signed_in(staff)


def test_a_password_reset_and_a_dpo_change_end_the_sessions(app, staff_user):
    client = login(app.test_client(), staff_user)
    services.reset_password(None, NOW, _fresh(staff_user), "reset by the admin 1")
    db.session.commit()
    assert not _signed_in(client)
    client = login(app.test_client(), staff_user, password="reset by the admin 1")
    services.set_dpo(None, NOW, _fresh(staff_user), True)
    db.session.commit()
    assert not _signed_in(client)


def test_changing_ones_own_dpo_flag_keeps_this_session(app):
    dpo = factories.make_dpo(role="staff")
    factories.make_dpo(role="staff", email="dpo2@example.org")
    here, elsewhere = login(app.test_client(), dpo), login(app.test_client(), dpo)
    response = here.post("/access/officers", data={"user_id": dpo.id, "is_dpo": "0"})
    assert response.status_code == 302
    assert _fresh(dpo).is_dpo is False
    assert _signed_in(here) and not _signed_in(elsewhere)


def test_a_session_from_before_versions_existed_still_works(app, staff_user):
    client = login(app.test_client(), staff_user)
    with client.session_transaction() as session:
        session.pop("session_version")
    assert _signed_in(client)


def test_the_check_costs_no_query_of_its_own(app, staff_user):
    from sqlalchemy import event
    client = login(app.test_client(), staff_user)
    client.get("/account")
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        client.get("/account")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert sum(1 for sql in seen if 'FROM "user"' in sql or "FROM user" in sql) == 1, seen
