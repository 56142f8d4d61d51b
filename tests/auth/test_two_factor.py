"""Two-step sign-in: enrolment with a QR code, the code step, recovery codes, replay, who must enrol, reset."""
from datetime import timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.auth import twofactor
from engage.extensions import db
from tests import factories
from tests.conftest import NOW


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def _events(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _password(client, user):
    return client.post("/login", data={"email": user.email, "password": factories.PASSWORD})


def test_an_admin_must_enrol_before_anything_else_then_signs_in_with_a_code(app, frozen):
    admin = factories.make_user(role="admin", email="boss@example.org")
    client = app.test_client()
    response = _password(client, admin)
    assert response.status_code == 302 and "/account/two-step" in response.headers["Location"]
    for url in ("/", "/directory/contacts", "/admin/users", "/audit/"):
        response = client.get(url)
        assert response.status_code == 302 and "/account/two-step" in response.headers["Location"], url
    page = client.get("/account/two-step").get_data(as_text=True)
    assert "One more step before you start" in page and "<svg" in page
    assert "http://" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org", "")
    db.session.refresh(admin)
    assert admin.totp_secret and admin.totp_secret in page and not admin.has_2fa
    assert client.get("/account/two-step").get_data(as_text=True).count(admin.totp_secret) >= 1  # same secret on reload
    db.session.refresh(admin)

    wrong = client.post("/account/two-step", data={"code": "000000"})
    assert wrong.status_code == 422 and "does not match" in wrong.get_data(as_text=True)
    code = pyotp.TOTP(admin.totp_secret).at(NOW)
    done = client.post("/account/two-step", data={"code": code})
    assert done.status_code == 200
    text = done.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.has_2fa and len(admin.recovery_codes) == 10
    shown = [line for line in text.split('id="recovery-codes">', 1)[1].split("</pre>", 1)[0].splitlines() if line]
    assert len(shown) == 10 and all(c.code_hash not in text for c in admin.recovery_codes)
    # Copy, download (.txt) and print: shown by recovery-codes.js (tests/e2e/test_page_policy.py clicks them),
    # hidden without it, so a browser without JavaScript offers no button that does nothing.
    for button in ("Copy the codes", "Download as a text file (.txt)", "Print them"):
        assert f">{button}</button>" in text
    assert "data-recovery-actions hidden" in text and 'src="/static/recovery-codes.js"' in text
    assert client.get("/").status_code == 200
    assert [e.action for e in _events("2fa_enrolled")] == ["2fa_enrolled"]
    assert _events("2fa_failed")[0].actor_id == admin.id

    # The next sign-in asks for the code after the password.
    client.post("/logout")
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        response = _password(client, admin)
        assert "/login/code" in response.headers["Location"]
        assert client.get("/").status_code == 302  # not signed in yet
        response = client.post("/login/code", data={"code": pyotp.TOTP(admin.totp_secret).at(NOW + timedelta(minutes=2))})
        assert response.status_code == 302
        assert client.get("/admin/users").status_code == 200


def test_a_wrong_code_is_refused_and_audited(app, frozen, staff_user):
    secret = factories.enrol_2fa(staff_user)
    client = app.test_client()
    assert "/login/code" in _password(client, staff_user).headers["Location"]
    response = client.post("/login/code", data={"code": "123456" if pyotp.TOTP(secret).at(NOW) != "123456" else "654321"})
    assert response.status_code == 422 and "not right" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    failed = _events("2fa_failed")
    assert len(failed) == 1 and failed[0].actor_id == staff_user.id and failed[0].detail == "wrong code"
    assert not _events("login")
    assert client.post("/login/code", data={"code": pyotp.TOTP(secret).at(NOW)}).status_code == 302
    assert [e.actor_id for e in _events("login")] == [staff_user.id]


def test_a_code_is_good_once_a_replay_is_refused(app, frozen, staff_user):
    secret = factories.enrol_2fa(staff_user)
    code = pyotp.TOTP(secret).at(NOW)
    first = app.test_client()
    _password(first, staff_user)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    first.post("/logout")
    second = app.test_client()
    _password(second, staff_user)
    response = second.post("/login/code", data={"code": code})
    assert response.status_code == 422
    assert _events("2fa_failed")[-1].detail == "code already used"
    # An earlier step's code is also refused once a later one was used.
    assert second.post("/login/code", data={"code": pyotp.TOTP(secret).at(NOW - timedelta(seconds=30))}).status_code == 422
    with time_machine.travel(NOW + timedelta(seconds=60), tick=False):
        assert second.post("/login/code", data={"code": pyotp.TOTP(secret).at(NOW + timedelta(seconds=60))}).status_code == 302


def test_a_recovery_code_works_once(app, frozen, staff_user):
    staff_user.totp_secret = twofactor.new_secret()
    codes = twofactor.enrol(staff_user, staff_user.totp_secret, pyotp.TOTP(staff_user.totp_secret).at(NOW), NOW)
    db.session.commit()
    assert len(codes) == 10 and len(set(codes)) == 10
    client = app.test_client()
    _password(client, staff_user)
    response = client.post("/login/code", data={"code": codes[3].upper()}, follow_redirects=True)
    assert response.status_code == 200 and "9 left" in response.get_data(as_text=True)
    assert _events("login")[-1].detail == "recovery"
    client.post("/logout")
    _password(client, staff_user)
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 422
    assert _events("2fa_failed")[-1].detail == "wrong recovery code"
    assert twofactor.recovery_codes_left(staff_user) == 9


def test_the_code_step_lapses_after_five_minutes(app, frozen, staff_user):
    secret = factories.enrol_2fa(staff_user)
    client = app.test_client()
    _password(client, staff_user)
    later = NOW + timedelta(minutes=6)
    with time_machine.travel(later, tick=False):
        response = client.post("/login/code", data={"code": pyotp.TOTP(secret).at(later)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/").status_code == 302


def test_the_code_step_without_a_password_goes_back_to_sign_in(client):
    response = client.post("/login/code", data={"code": "123456"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_the_dpo_must_enrol_and_staff_need_not_unless_the_setting_says_so(app, frozen):
    dpo = factories.make_user(role="staff", email="dpo@example.org")
    dpo.is_dpo = True
    db.session.commit()
    staff = factories.make_user(role="staff", email="plain@example.org")
    client = app.test_client()
    assert "/account/two-step" in _password(client, dpo).headers["Location"]
    client.post("/logout")
    other = app.test_client()
    assert _password(other, staff).headers["Location"].endswith("/")
    assert other.get("/").status_code == 200
    app.config["ENGAGE_REQUIRE_2FA"] = True
    assert "/account/two-step" in other.get("/").headers["Location"]


def test_a_staff_user_may_turn_it_on_from_the_account_page(staff_client, staff_user, frozen):
    page = staff_client.get("/account").get_data(as_text=True)
    assert "turn it on" in page
    staff_client.get("/account/two-step")
    db.session.refresh(staff_user)
    response = staff_client.post("/account/two-step", data={"code": pyotp.TOTP(staff_user.totp_secret).at(NOW)})
    assert response.status_code == 200
    db.session.refresh(staff_user)
    assert staff_user.has_2fa
    assert "unused recovery codes" in staff_client.get("/account/two-step").get_data(as_text=True)


def test_the_code_step_is_rate_limited(app, staff_user):
    from engage import create_app
    limited = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         RATELIMIT_ENABLED=True, ENGAGE_LOGIN_RATE_LIMIT="100 per minute",
                         ENGAGE_2FA_RATE_LIMIT="5 per minute")
    factories.enrol_2fa(staff_user)
    client = limited.test_client()
    _password(client, staff_user)
    codes = [client.post("/login/code", data={"code": "000000"}).status_code for _ in range(6)]
    assert codes == [422] * 5 + [429]


def test_reset_2fa_from_the_command_line_is_audited(app, runner, staff_user):
    factories.enrol_2fa(staff_user)
    result = runner.invoke(args=["engage", "reset-2fa", staff_user.email])
    assert result.exit_code == 0, result.output
    db.session.refresh(staff_user)
    assert not staff_user.has_2fa and staff_user.totp_secret is None
    event = _events("2fa_disabled")[-1]
    assert event.object_id == staff_user.id and event.actor_id is None
    assert runner.invoke(args=["engage", "reset-2fa", "nobody@example.org"]).exit_code == 1


def test_ten_wrong_codes_close_the_code_step_for_fifteen_minutes(app, frozen, staff_user):
    secret = factories.enrol_2fa(staff_user)
    client = app.test_client()
    _password(client, staff_user)
    for _ in range(10):
        assert client.post("/login/code", data={"code": "0000000000000"}).status_code == 422
    locked = client.post("/login/code", data={"code": pyotp.TOTP(secret).at(NOW)})
    assert locked.status_code == 429 and "Wait 15 minutes" in locked.get_data(as_text=True)
    later = NOW + timedelta(minutes=4)
    with time_machine.travel(later, tick=False):
        assert client.post("/login/code", data={"code": pyotp.TOTP(secret).at(later)}).status_code == 429
    later = NOW + timedelta(minutes=16)
    with time_machine.travel(later, tick=False):
        _password(client, staff_user)
        assert client.post("/login/code", data={"code": pyotp.TOTP(secret).at(later)}).status_code == 302


def test_a_blank_or_overlong_code_is_refused_beside_it_and_counts_as_no_wrong_code(app, frozen, staff_user):
    factories.enrol_2fa(staff_user)
    client = app.test_client()
    _password(client, staff_user)
    for typed, message in (("", "This field is required."), ("1" * 41, "Field cannot be longer than 40 characters.")):
        response = client.post("/login/code", data={"code": typed})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and page.count(message) == 1, typed
        at = page.index('id="code"')
        assert at < page.index(message) < page.index("</form>", at), typed
    assert 'maxlength="40"' in page
    assert not _events("2fa_failed")  # no audit row: nothing was checked, so no step towards the lockout


def test_a_blank_or_overlong_enrolment_code_is_refused_beside_it(staff_client, frozen, staff_user):
    staff_client.get("/account/two-step")
    for typed, message in (("", "This field is required."), ("1" * 21, "Field cannot be longer than 20 characters.")):
        response = staff_client.post("/account/two-step", data={"code": typed})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and page.count(message) == 1, typed
        at = page.index('id="code"')
        assert at < page.index(message) < page.index("</form>", at), typed
    assert 'maxlength="20"' in page
    db.session.refresh(staff_user)
    assert not staff_user.has_2fa and not _events("2fa_failed")
