"""Only the data-protection officer hands out restricted access: the DPO flag and groups that hold grants.

An admin without a grant must not be able to see restricted records by making themselves DPO,
removing the real DPO, or joining (or filling) a group that holds grants. Each path is tried as an
admin (refused, nothing changed, nothing audited) and as the DPO (done, audited).
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.access import services as access
from engage.access.models import AccessGrant, AccessGroup
from engage.audit.models import AuditEvent
from engage.auth import services as accounts
from engage.auth.models import User
from engage.errors import PermissionDenied
from engage.extensions import db
from tests import factories
from tests.access.conftest import sign_in, text

WHEN = factories.WHEN


@pytest.fixture
def dpo(app):
    user = factories.make_user(role="staff", email="dpo@example.org", full_name="Data Officer")
    accounts.set_dpo(None, WHEN, user, True)  # named from the command line
    db.session.commit()
    return user


@pytest.fixture
def secret(app, dpo):
    """A restricted contact, granted to the SOGI group (one member) and to nobody else."""
    contact = factories.make_contact(full_name="Kwame Mensah", email="kwame@mission.example")
    access.set_sensitivity(dpo, WHEN, contact, "restricted")
    group = access.create_group(dpo, WHEN, {"name": "SOGI working group"})
    member = factories.make_user(role="staff", email="member@example.org")
    access.add_member(dpo, WHEN, group, member)
    access.grant(dpo, WHEN, contact, group=group)
    db.session.commit()
    return contact, group, member


def _audit(action="role_changed"):
    return db.session.execute(select(AuditEvent.actor_id, AuditEvent.object_type, AuditEvent.object_id,
                                     AuditEvent.detail).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def _fresh(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _members(group) -> list[str]:
    db.session.expire_all()
    return sorted(u.email for u in db.session.get(AccessGroup, group.id).members)


# ---- the DPO flag ----

def test_an_admin_can_neither_make_themselves_dpo_nor_name_or_remove_one(app, admin_user, staff_user, dpo):
    before = _audit()
    for target, value in ((admin_user, True), (staff_user, True), (dpo, False)):
        with pytest.raises(PermissionDenied):
            accounts.set_dpo(admin_user, WHEN, target, value)
        db.session.rollback()
    assert (_fresh(admin_user).is_dpo, _fresh(staff_user).is_dpo, _fresh(dpo).is_dpo) == (False, False, True)
    with pytest.raises(PermissionDenied):
        accounts.set_disabled(admin_user, WHEN, dpo, True)  # disabling would remove the DPO too
    db.session.rollback()
    assert not _fresh(dpo).is_disabled
    assert _audit() == before and not _audit("account_disabled")


def test_the_dpo_names_another_dpo_and_removes_one_audited(app, staff_user, dpo):
    accounts.set_dpo(dpo, WHEN, staff_user, True)
    db.session.commit()
    assert _fresh(staff_user).is_dpo
    accounts.set_dpo(dpo, WHEN, staff_user, False)
    accounts.set_disabled(dpo, WHEN, staff_user, True)
    db.session.commit()
    assert not _fresh(staff_user).is_dpo
    assert _audit()[-2:] == [(dpo.id, "user", staff_user.id, "DPO flag set"),
                             (dpo.id, "user", staff_user.id, "DPO flag removed")]
    assert _audit("account_disabled") == [(dpo.id, "user", staff_user.id, None)]


def test_an_admin_who_tries_on_the_users_page_is_refused(app, admin_user, dpo):
    client = sign_in(app, admin_user)
    page = text(client.get("/admin/users"))
    assert "Make DPO" not in page and "Remove<span" not in page  # no such buttons for an admin
    for target, value in ((admin_user, "1"), (dpo, "0")):
        response = client.post(f"/admin/users/{target.id}/dpo", data={"is_dpo": value}, follow_redirects=True)
        assert "Only the data-protection officer" in text(response)
    response = client.post(f"/admin/users/{dpo.id}/disable", data={}, follow_redirects=True)
    assert "Only the data-protection officer" in text(response)
    assert (_fresh(admin_user).is_dpo, _fresh(dpo).is_dpo, _fresh(dpo).is_disabled) == (False, True, False)
    assert [d for *_, d in _audit()] == ["DPO flag set"]  # the command line's, when the fixture named the DPO
    assert client.get("/access/officers").status_code == 403
    assert client.post("/access/officers", data={"user_id": str(admin_user.id), "is_dpo": "1"}).status_code == 403
    assert not _fresh(admin_user).is_dpo


def test_the_dpo_names_a_successor_on_the_officers_page(app, staff_user, dpo):
    client = sign_in(app, dpo)
    page = text(client.get("/access/officers"))
    assert "Data Officer" in page and "staff@example.org" in page
    response = client.post("/access/officers", data={"user_id": str(staff_user.id), "is_dpo": "1"})
    assert response.status_code == 302
    assert _fresh(staff_user).is_dpo
    response = client.post("/access/officers", data={"user_id": str(staff_user.id), "is_dpo": "0"})
    assert response.status_code == 302 and not _fresh(staff_user).is_dpo
    assert [(a, o, d) for a, _, o, d in _audit()][-2:] == [(dpo.id, staff_user.id, "DPO flag set"),
                                                           (dpo.id, staff_user.id, "DPO flag removed")]
    response = client.post("/access/officers", data={"user_id": "99999", "is_dpo": "1"})
    assert response.status_code == 404
    response = client.post("/access/officers", data={"user_id": str(staff_user.id), "is_dpo": "maybe"})
    assert response.status_code == 400 and not _fresh(staff_user).is_dpo


def test_an_admin_who_is_also_the_dpo_keeps_the_buttons_on_the_users_page(app, admin_user, staff_user):
    accounts.set_dpo(None, WHEN, admin_user, True)
    db.session.commit()
    client = sign_in(app, admin_user)
    assert "Make DPO" in text(client.get("/admin/users"))
    client.post(f"/admin/users/{staff_user.id}/dpo", data={"is_dpo": "1"})
    assert _fresh(staff_user).is_dpo


def test_a_dpo_flag_other_than_1_or_0_on_the_users_page_is_refused_and_said(app, admin_user, staff_user):
    accounts.set_dpo(None, WHEN, admin_user, True)
    db.session.commit()
    client = sign_in(app, admin_user)
    before = _audit()
    response = client.post(f"/admin/users/{staff_user.id}/dpo", data={"is_dpo": "maybe"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users")
    assert "is_dpo: Send 1 or 0." in text(client.get("/admin/users"))
    assert not _fresh(staff_user).is_dpo and _audit() == before


def test_the_command_line_names_the_first_dpo_for_an_existing_user(app, runner, staff_user):
    result = runner.invoke(args=["engage", "set-dpo", "STAFF@example.org"])
    assert result.exit_code == 0, result.output
    assert "staff@example.org is now the data-protection officer" in result.output
    assert _fresh(staff_user).is_dpo
    assert _audit() == [(None, "user", staff_user.id, "DPO flag set")]
    result = runner.invoke(args=["engage", "set-dpo", "staff@example.org", "--remove"])
    assert result.exit_code == 0 and not _fresh(staff_user).is_dpo
    result = runner.invoke(args=["engage", "set-dpo", "ghost@example.org"])
    assert result.exit_code == 1 and "No user with the email ghost@example.org" in result.output


# ---- groups that hold grants ----

def test_an_admin_cannot_join_fill_empty_or_delete_a_group_that_holds_grants(app, admin_user, staff_user, secret):
    contact, group, member = secret
    before = _audit("grant_changed")
    for change in (lambda: access.add_member(admin_user, WHEN, group, admin_user),
                   lambda: access.add_member(admin_user, WHEN, group, staff_user),
                   lambda: access.remove_member(admin_user, WHEN, group, member),
                   lambda: access.update_group(admin_user, WHEN, group, {"name": "Renamed"}),
                   lambda: access.delete_group(admin_user, WHEN, group)):
        with pytest.raises(PermissionDenied):
            change()
        db.session.rollback()
    assert _members(group) == ["member@example.org"]
    assert db.session.get(AccessGroup, group.id).name == "SOGI working group"
    assert not access.can_see(admin_user, contact)
    assert _audit("grant_changed") == before


def test_only_the_dpo_grants_a_record_to_a_group(app, admin_user, dpo):
    contact = factories.make_contact()
    access.set_sensitivity(admin_user, WHEN, contact, "restricted")  # the admin sees it through their own grant
    group = access.create_group(admin_user, WHEN, {"name": "Admins' friends"})
    access.add_member(admin_user, WHEN, group, admin_user)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        access.grant(admin_user, WHEN, contact, group=group)
    db.session.rollback()
    assert not db.session.scalars(select(AccessGrant).where(AccessGrant.group_id == group.id)).all()
    access.grant(dpo, WHEN, contact, group=group)  # the DPO sees who is in it when granting
    db.session.commit()
    # From now on the group is the DPO's: the admin can no longer change who is in it.
    with pytest.raises(PermissionDenied):
        access.remove_member(admin_user, WHEN, group, admin_user)


def test_admins_keep_groups_that_hold_no_grants(app, admin_user, staff_user):
    group = access.create_group(admin_user, WHEN, {"name": "Geneva team"})
    access.add_member(admin_user, WHEN, group, staff_user)
    access.update_group(admin_user, WHEN, group, {"name": "Geneva mission team"})
    access.remove_member(admin_user, WHEN, group, staff_user)
    access.delete_group(admin_user, WHEN, group)
    db.session.commit()
    assert [d for *_, d in _audit("grant_changed")] == [
        "group created", f"member added: user {staff_user.id}", "group renamed",
        f"member removed: user {staff_user.id}", "group deleted"]


def test_the_dpo_changes_the_members_of_a_group_that_holds_grants_audited(app, staff_user, dpo, secret):
    contact, group, member = secret
    assert access.add_member(dpo, WHEN, group, staff_user)
    db.session.commit()
    assert access.can_see(staff_user, contact)
    assert access.remove_member(dpo, WHEN, group, member)
    db.session.commit()
    assert not access.can_see(member, contact)
    assert _audit("grant_changed")[-2:] == [(dpo.id, "access_group", group.id, f"member added: user {staff_user.id}"),
                                            (dpo.id, "access_group", group.id, f"member removed: user {member.id}")]


def test_on_the_group_pages_an_admin_is_refused_and_the_dpo_is_not(app, admin_user, staff_user, dpo, secret):
    contact, group, member = secret
    admin = sign_in(app, admin_user)
    page = text(admin.get(f"/access/groups/{group.id}"))
    assert "only the data-protection officer" in page and "Delete this group" not in page
    assert admin.post(f"/access/groups/{group.id}/members", data={"user_id": str(admin_user.id)}).status_code == 403
    assert admin.post(f"/access/groups/{group.id}/members/{member.id}/remove").status_code == 403
    assert admin.post(f"/access/groups/{group.id}/delete").status_code == 403
    assert admin.post(f"/access/groups/{group.id}", data={"name": "Renamed"}).status_code == 403
    assert _members(group) == ["member@example.org"] and db.session.get(AccessGroup, group.id).name == \
        "SOGI working group"
    # Granting a record the admin sees to a group, through the record's access panel: refused too.
    mine = factories.make_contact()
    access.set_sensitivity(admin_user, WHEN, mine, "restricted")
    db.session.commit()
    response = admin.post(f"/access/contact/{mine.id}/grants", data={"group_id": str(group.id)})
    assert response.status_code == 403
    assert not access.can_see(member, mine)
    # The admin page shows nothing restricted to the admin meanwhile.
    assert admin.get(f"/directory/contacts/{contact.id}").status_code == 404

    officer = sign_in(app, dpo)
    page = text(officer.get(f"/access/groups/{group.id}"))
    assert "Delete this group" in page
    assert officer.post(f"/access/groups/{group.id}/members", data={"user_id": str(staff_user.id)}).status_code == 302
    assert _members(group) == ["member@example.org", "staff@example.org"]
    assert officer.post(f"/access/groups/{group.id}/members/{member.id}/remove").status_code == 302
    assert _members(group) == ["staff@example.org"]
    assert [d for a, *_, d in _audit("grant_changed") if a == dpo.id][-2:] == [
        f"member added: user {staff_user.id}", f"member removed: user {member.id}"]


def test_the_officers_page_refuses_a_bad_person_or_flag_with_400_naming_the_field(app, staff_user, dpo):
    client = sign_in(app, dpo)
    before = _audit()
    for data, message in (({"user_id": "", "is_dpo": "1"}, "user_id: Choose a person."),
                          ({"user_id": "someone", "is_dpo": "1"}, "user_id: Choose a person."),
                          ({"user_id": str(2**31), "is_dpo": "1"}, "user_id: Choose a person."),
                          ({"user_id": str(staff_user.id), "is_dpo": "yes"}, "is_dpo: Send 1 or 0.")):
        response = client.post("/access/officers", data=data)
        assert response.status_code == 400 and message in text(response), data
    assert not _fresh(staff_user).is_dpo and _audit() == before
