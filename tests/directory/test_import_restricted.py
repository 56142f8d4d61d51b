"""A contacts import never reads or changes a contact its actor may not see (a restricted one)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.access import services as access
from engage.audit.models import AuditEvent
from engage.directory.imports import import_csv_bytes
from engage.directory.models import Contact
from engage.extensions import db
from tests import factories
from tests.access.conftest import sign_in
from tests.directory.pages import text
from tests.directory.test_import import upload

HIDDEN_NAME = "Kwame Mensah"
HIDDEN_EMAIL = "kwame@mission.example"
HIDDEN_NOTES = "Met quietly about decriminalisation"
REFUSED = "email: this email address cannot be used here"

# Line 2 is new and fine; line 3 carries the restricted contact's address with another name and notes.
FILE = (
    "full_name,email,notes\n"
    "Ama Owusu,ama@mission.example,\n"
    f"Somebody Else,{HIDDEN_EMAIL.upper()},Overwritten by an import\n"
).encode()


@pytest.fixture
def dpo(app):
    return factories.make_dpo()


@pytest.fixture
def hidden(app, dpo):
    """A restricted contact nobody but the DPO (and whom they grant) may see."""
    contact = factories.make_contact(full_name=HIDDEN_NAME, email=HIDDEN_EMAIL, notes=HIDDEN_NOTES)
    access.set_sensitivity(dpo, factories.WHEN, contact, "restricted")
    db.session.commit()
    return contact


def _unchanged(contact) -> None:
    db.session.expire_all()
    fresh = db.session.get(Contact, contact.id)
    assert (fresh.full_name, fresh.notes, fresh.updated_at) == (HIDDEN_NAME, HIDDEN_NOTES, factories.WHEN)
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 1  # Ama was not created either


def test_staff_uploading_a_restricted_contacts_address_import_nothing_and_learn_nothing(staff_client, hidden):
    response = upload(staff_client, "contacts", FILE)
    page = text(response)
    assert response.status_code == 422 and "Nothing was imported" in page
    assert f"<tr><td>3</td><td>{REFUSED}</td></tr>" in page
    assert "<tr><td>2</td>" not in page  # the new contact's line is fine
    for secret in (HIDDEN_NAME, HIDDEN_NOTES, "restricted", "Restricted"):
        assert secret not in page
    _unchanged(hidden)
    # Nothing about the hidden contact was read for this person: no view of it is audited.
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "restricted_viewed")).all()


def test_the_service_refuses_the_line_for_anyone_who_cannot_see_the_contact(app, hidden, staff_user, admin_user):
    for actor in (staff_user, admin_user):
        report = import_csv_bytes("contacts", FILE, actor, factories.WHEN)
        assert [(e.line, e.message) for e in report.errors] == [(3, REFUSED)]
        assert (report.created, report.updated) == (0, 0)
        db.session.rollback()
        _unchanged(hidden)


def test_an_archived_restricted_contact_does_not_stop_a_new_one(app, hidden, staff_user, dpo):
    from engage.directory.services import set_contact_archived

    set_contact_archived(dpo, factories.WHEN, hidden, True)
    db.session.commit()
    report = import_csv_bytes("contacts", FILE, staff_user, factories.WHEN)
    assert report.ok and (report.created, report.updated) == (2, 0)


def test_those_who_may_see_it_update_it_as_before(app, hidden, staff_user, dpo):
    granted = factories.make_user(role="staff", email="granted@example.org")
    access.grant(dpo, factories.WHEN, hidden, user=granted)
    db.session.commit()
    for actor in (granted, dpo):
        report = import_csv_bytes("contacts", FILE, actor, factories.WHEN)
        assert report.ok and (report.created, report.updated) == (1, 1), report.errors
        assert db.session.get(Contact, hidden.id).full_name == "Somebody Else"
        db.session.rollback()


def test_the_dpo_imports_through_the_page(app, hidden, dpo):
    client = sign_in(app, dpo)
    response = upload(client, "contacts", FILE, follow_redirects=True)
    assert "Imported 2: 1 created, 1 updated, 0 unchanged" in text(response)
    db.session.expire_all()
    assert db.session.get(Contact, hidden.id).notes == "Overwritten by an import"


def test_the_command_line_import_runs_as_the_operator_and_matches_every_contact(app, runner, hidden, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(FILE)
    result = runner.invoke(args=["engage", "import", "contacts", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 created, 1 updated" in result.output
