"""Sign-in behind a proxy and against guessing: the client's own address (ENGAGE_TRUSTED_PROXIES),
limits per address and per account, and the same hash work for addresses with no account."""
import pytest
from sqlalchemy import select

from engage import create_app
from engage.audit.models import AuditEvent
from engage.auth import models
from engage.extensions import db
from engage.settings import SettingsError
from tests import factories


def _limited(app, **config):
    return create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                      RATELIMIT_ENABLED=True, **config)


def _try(client, email="staff@example.org", address=None, password="bad bad bad"):
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post("/login", data={"email": email, "password": password}, headers=headers).status_code


def test_behind_one_proxy_each_client_has_its_own_limit(app, staff_user):
    client = _limited(app, ENGAGE_TRUSTED_PROXIES=1, ENGAGE_LOGIN_RATE_LIMIT="3 per minute").test_client()
    assert [_try(client, "a@example.org", "203.0.113.5") for _ in range(4)] == [200, 200, 200, 429]
    # Another user behind the same proxy is not locked out by the first.
    assert _try(client, "b@example.org", "198.51.100.7") == 200


def test_without_trusted_proxies_a_forwarded_header_is_ignored(app, staff_user):
    client = _limited(app, ENGAGE_LOGIN_RATE_LIMIT="3 per minute").test_client()
    codes = [_try(client, f"x{n}@example.org", f"203.0.113.{n}") for n in range(4)]
    assert codes == [200, 200, 200, 429]  # forging the header buys nothing


def test_the_audit_log_records_the_clients_address_not_the_proxys(app, staff_user):
    client = _limited(app, ENGAGE_TRUSTED_PROXIES=1).test_client()
    _try(client, staff_user.email, "203.0.113.9")
    db.session.expire_all()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).one()
    assert event.ip_address == "203.0.113.9"


def test_two_proxies_trust_the_last_two_hops(app, staff_user):
    client = _limited(app, ENGAGE_TRUSTED_PROXIES=2).test_client()
    _try(client, staff_user.email, "10.9.9.9, 203.0.113.20, 10.0.0.2")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).one()
    assert event.ip_address == "203.0.113.20"


def test_one_account_is_limited_from_any_number_of_addresses(app, staff_user):
    client = _limited(app, ENGAGE_TRUSTED_PROXIES=1, ENGAGE_LOGIN_ACCOUNT_RATE_LIMIT="3 per 15 minutes").test_client()
    codes = [_try(client, "Staff@Example.org " if n % 2 else staff_user.email, f"203.0.113.{n}") for n in range(4)]
    assert codes == [200, 200, 200, 429]
    assert _try(client, "other@example.org", "203.0.113.50") == 200  # other accounts are not held up


def test_trusted_proxies_is_a_checked_setting(app, monkeypatch):
    monkeypatch.setenv("ENGAGE_TRUSTED_PROXIES", "-1")
    with pytest.raises(SettingsError, match="ENGAGE_TRUSTED_PROXIES"):
        create_app("testing")
    monkeypatch.setenv("ENGAGE_TRUSTED_PROXIES", "1")
    assert create_app("testing").config["ENGAGE_TRUSTED_PROXIES"] == 1


# ---- the same work for every address ----

@pytest.fixture
def hash_checks(monkeypatch):
    calls = []
    real = models.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)
    monkeypatch.setattr(models, "check_password_hash", counting)
    return calls


@pytest.mark.parametrize("email", ["nobody@example.org", "NOBODY@example.org", "bad\x00@example.org"])
def test_an_unknown_address_costs_one_password_hash_check_like_a_known_one(app, client, staff_user, hash_checks,
                                                                          email):
    client.post("/login", data={"email": staff_user.email, "password": "wrong password"})
    known = list(hash_checks)
    hash_checks.clear()
    client.post("/login", data={"email": email, "password": "wrong password"})
    assert hash_checks == known == [app.config["ENGAGE_PASSWORD_HASH_METHOD"]]


def test_a_disabled_account_costs_the_same_check(app, client, staff_user, hash_checks):
    staff_user.is_disabled = True
    db.session.commit()
    client.post("/login", data={"email": staff_user.email, "password": factories.PASSWORD})
    assert len(hash_checks) == 1
    assert "/login" in client.get("/account").headers["Location"]


def test_the_dummy_hash_is_made_once_per_process_with_the_configured_method(app):
    models._dummy_hash.cache_clear()
    models.check_password_of_nobody("x")
    models.check_password_of_nobody("y")
    assert models._dummy_hash.cache_info().misses == 1
    assert models._dummy_hash(app.config["ENGAGE_PASSWORD_HASH_METHOD"]).startswith("pbkdf2:sha256:1000$")
