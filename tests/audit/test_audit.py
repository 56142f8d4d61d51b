"""The audit log: a row for each audited action, no content, no way to change rows, and the page."""
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from engage.audit.models import APPEND_ONLY_DDL, AuditEvent
from engage.audit.services import record_event
from engage.extensions import db
from tests import factories
from tests.conftest import NOW, login


def _events(action=None):
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def _no_secret_anywhere():
    for event in _events():
        for column in ("actor_email", "detail", "object_type", "ip_address", "action"):
            assert factories.PASSWORD not in (getattr(event, column) or ""), (event.action, column)


# ---- rows for each audited action ----

def test_sign_in_failures_and_sign_out_are_audited(app, staff_user):
    client = app.test_client()
    client.post("/login", data={"email": "nobody@example.org", "password": factories.PASSWORD})
    client.post("/login", data={"email": staff_user.email, "password": "wrong wrong wrong"})
    login(client, staff_user)
    client.post("/logout")
    rows = _events()
    assert [r.action for r in rows] == ["user_created", "login_failed", "login_failed", "login", "logout"]
    unknown, wrong, ok, out = rows[1:]
    assert unknown.actor_id is None and unknown.actor_email == "nobody@example.org" and unknown.detail == "unknown address"
    assert wrong.actor_id == staff_user.id and wrong.detail == "wrong password"
    assert ok.actor_id == out.actor_id == staff_user.id and ok.object_type == "user" and ok.object_id == staff_user.id
    assert ok.ip_address == "127.0.0.1" and ok.at is not None
    _no_secret_anywhere()


def test_role_dpo_and_account_changes_are_audited(admin_client, admin_user):
    admin_user.is_dpo = True  # only a DPO names or removes one
    db.session.commit()
    other = factories.make_user(role="staff", email="other@example.org")
    admin_client.post(f"/admin/users/{other.id}/role", data={"role": "lead"})
    admin_client.post(f"/admin/users/{other.id}/dpo", data={"is_dpo": "1"})
    admin_client.post(f"/admin/users/{other.id}/dpo", data={"is_dpo": "0"})
    admin_client.post(f"/admin/users/{other.id}/disable", data={})
    changes = [(e.action, e.detail) for e in _events() if e.object_id == other.id and e.action != "user_created"]
    assert changes == [("role_changed", "role staff -> lead"), ("role_changed", "DPO flag set"),
                       ("role_changed", "DPO flag removed"), ("account_disabled", None)]
    assert all(e.actor_id == admin_user.id for e in _events("role_changed"))


def test_bad_dpo_form_changes_nothing(admin_client):
    other = factories.make_user(role="staff", email="other@example.org")
    admin_client.post(f"/admin/users/{other.id}/dpo", data={"is_dpo": "maybe"})
    db.session.refresh(other)
    assert not other.is_dpo and not _events("role_changed")


EXPORTS = [
    ("staff", "/directory/contacts/export.csv", "contacts"),
    ("staff", "/directory/organisations/export.csv", "organisations"),
    ("staff", "/recommendations/export.csv", "recommendations"),
    ("staff", "/recommendations/plan.csv", "target_plan"),
    ("staff", "/meetings/export.csv", "meetings"),
    ("lead", "/reports/coverage.csv", "coverage"),
    ("lead", "/reports/coverage.xlsx", "coverage"),
    ("lead", "/reports/log.csv", "engagement_log"),
    ("lead", "/reports/log.xlsx", "engagement_log"),
    ("admin", "/admin/outbox/export.csv", "outbox"),
    ("admin", "/audit/export.csv", "audit_event"),
]


@pytest.mark.parametrize("role,url,kind", EXPORTS)
def test_every_export_is_audited(app, role, url, kind):
    user = factories.make_user(role=role, email=f"{role}@example.org")
    client = login(app.test_client(), user)
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    response.get_data()
    exported = _events("data_exported")
    assert [(e.object_type, e.actor_id) for e in exported] == [(kind, user.id)]
    assert exported[0].detail in ("csv", "xlsx")


def test_a_vcard_download_is_audited_with_the_contact(staff_client, staff_user):
    contact = factories.make_contact(full_name="Anna Schmidt", email="anna@diplo.de")
    assert staff_client.get(f"/directory/contacts/{contact.id}.vcf").status_code == 200
    event = _events("data_exported")[0]
    assert (event.object_type, event.object_id, event.detail) == ("contact", contact.id, "vcard")
    assert "Anna" not in repr(vars(event)) and "anna@" not in repr(vars(event))


def test_a_refused_export_is_not_audited(staff_client):
    assert staff_client.get("/reports/log.csv").status_code == 403
    assert not _events("data_exported")


# ---- nobody changes a row ----

def test_the_database_refuses_update_and_delete(app, backend):
    record_event(None, NOW, "login", object_type="user", object_id=1, actor_email="a@example.org")
    db.session.commit()
    for statement in ("UPDATE audit_event SET action = 'logout'", "UPDATE audit_event SET detail = 'x'",
                      "DELETE FROM audit_event", "DELETE FROM audit_event WHERE id = 1"):
        with pytest.raises(IntegrityError) as exc:
            db.session.execute(text(statement))
            db.session.flush()
        db.session.rollback()
        assert "append-only" in str(exc.value)
    event = db.session.scalars(select(AuditEvent)).one()
    assert event.action == "login" and event.detail is None


def test_the_orm_cannot_change_or_delete_either(app, backend):
    event = record_event(None, NOW, "login", object_type="user", object_id=1)
    db.session.commit()
    event.detail = "edited"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).detail is None


def test_the_migration_statements_cover_both_databases():
    assert set(APPEND_ONLY_DDL) == {"sqlite", "postgresql"}
    assert all("audit_event" in " ".join(statements) for statements in APPEND_ONLY_DDL.values())


def test_no_route_changes_audit_rows(app, admin_client):
    audit_rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("audit.")]
    assert audit_rules
    for rule in audit_rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    record_event(None, NOW, "login", object_type="user", object_id=1)
    db.session.commit()
    for method in ("post", "put", "patch", "delete"):
        assert getattr(admin_client, method)("/audit/").status_code == 405
    assert getattr(admin_client, "delete")("/audit/1").status_code in (404, 405)
    assert len(_events("login")) == 2  # the fixture's sign-in and ours, untouched


# ---- the page ----

def test_staff_and_leads_cannot_see_the_log(staff_client):
    assert staff_client.get("/audit/").status_code == 403
    assert staff_client.get("/audit/export.csv").status_code == 403


def test_leads_cannot_see_the_log(lead_client):
    assert lead_client.get("/audit/").status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_dpo_sees_the_log(app):
    dpo = factories.make_user(role="staff", email="dpo@example.org")
    dpo.is_dpo = True
    db.session.commit()
    client = login(app.test_client(), dpo)
    page = client.get("/audit/").get_data(as_text=True)
    assert "Audit log" in page and "dpo@example.org" in page
    assert "Audit log" in client.get("/account").get_data(as_text=True)


def _seed():
    alice = factories.make_user(role="staff", email="alice@example.org")
    bob = factories.make_user(role="staff", email="bob@example.org")
    day = timedelta(days=1)
    record_event(alice, NOW - 3 * day, "login", alice)
    record_event(bob, NOW - 2 * day, "login_failed", bob, detail="wrong password")
    record_event(alice, NOW - day, "data_exported", object_type="contacts", detail="csv")
    record_event(bob, NOW, "restricted_viewed", object_type="meeting", object_id=7)
    db.session.commit()
    return alice, bob


def _rows(page):
    return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr>") if "<tbody>" in page else 0


def test_filters_narrow_the_log(admin_client):
    _seed()
    base = _rows(admin_client.get("/audit/").get_data(as_text=True))
    assert base >= 4
    assert _rows(admin_client.get("/audit/?actor=ALICE").get_data(as_text=True)) == 2
    assert _rows(admin_client.get("/audit/?action=login_failed").get_data(as_text=True)) == 1
    assert _rows(admin_client.get("/audit/?object_type=meeting&object_id=7").get_data(as_text=True)) == 1
    day = (NOW - timedelta(days=2)).date().isoformat()
    assert _rows(admin_client.get(f"/audit/?since={day}&until={day}").get_data(as_text=True)) == 1
    page = admin_client.get("/audit/?actor=%25").get_data(as_text=True)  # a LIKE wildcard is literal
    assert _rows(page) == 0 and "No event matches" in page


def test_the_log_tells_events_apart_to_the_second(admin_client):
    for second in (7, 42):
        record_event(None, NOW.replace(second=second), "login_failed", detail=f"at {second}")
    db.session.commit()
    page = admin_client.get("/audit/?action=login_failed").get_data(as_text=True)
    # 09:00 UTC is noon in Nairobi, where the admin's day is read.
    assert "Sat 28 Nov 2026, 12:00:42 Nairobi (EAT)" in page and "12:00:07 Nairobi" in page


def test_bad_filters_say_which_field(admin_client):
    response = admin_client.get("/audit/?since=not-a-date&object_id=abc")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Not a valid date value" in page and "Not a valid integer value" in page
    response = admin_client.get("/audit/?since=2026-11-20&until=2026-11-01")
    assert response.status_code == 400 and "before the start date" in response.get_data(as_text=True)


def test_the_log_is_paginated(app, admin_client):
    app.config["PER_PAGE"] = 5
    for n in range(12):
        record_event(None, NOW - timedelta(minutes=n), "login", object_type="user", object_id=n + 1)
    db.session.commit()
    first = admin_client.get("/audit/").get_data(as_text=True)
    assert _rows(first) == 5 and "page=2" in first
    assert _rows(admin_client.get("/audit/?page=3").get_data(as_text=True)) >= 3
    assert admin_client.get("/audit/?page=99").status_code == 200


def test_the_csv_export_follows_the_filters_and_is_itself_audited(admin_client, admin_user):
    alice, _ = _seed()
    response = admin_client.get("/audit/export.csv?actor=alice")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("id,at_utc,actor_id,actor_email,action")
    assert len(lines) == 3 and all("alice@example.org" in line for line in lines[1:])
    event = _events("data_exported")[-1]
    assert (event.object_type, event.actor_id) == ("audit_event", admin_user.id)


def test_the_csv_export_asks_for_the_password_again(app, admin_user):
    with time_machine.travel(NOW, tick=False):
        client = login(app.test_client(), admin_user)
    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        response = client.get("/audit/export.csv")
    assert response.status_code == 302 and "/confirm-password" in response.headers["Location"]
    assert not _events("data_exported")


def test_an_odd_address_tried_at_sign_in_is_kept_printable(client):
    response = client.post("/login", data={"email": "a\x00b\x07@example.org", "password": "0"})
    assert response.status_code == 200
    event = _events("login_failed")[0]
    assert event.actor_email == "ab@example.org" and event.actor_id is None
