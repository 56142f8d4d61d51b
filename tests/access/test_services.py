"""Who may see, restrict and grant; groups; what is audited; visible() in queries outside requests."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.access import services as access
from engage.audit.models import AuditEvent
from engage.directory.models import Contact
from engage.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from engage.extensions import db
from engage.meetings.models import Meeting
from engage.outcomes.models import Outcome
from tests import factories
from tests.outcomes.helpers import WHEN, make_world


@pytest.fixture
def world(app, staff_user, lead_user):
    return make_world(staff_user, lead_user)


@pytest.fixture
def dpo(app):
    user = factories.make_user(role="staff", email="dpo@example.org")
    user.is_dpo = True
    db.session.commit()
    return user


def _events(action):
    return db.session.execute(select(AuditEvent.actor_id, AuditEvent.object_type, AuditEvent.object_id,
                                     AuditEvent.detail).where(AuditEvent.action == action)).all()


def test_internal_records_are_seen_by_everyone_signed_in(world, staff_user):
    assert access.can_see(staff_user, world.meetings["fr"]) and access.can_see(staff_user, world.contacts["fr"])
    assert access.can_see(staff_user, world.outcomes["fr_hiv"])


def test_restricting_hides_from_others_but_not_from_the_dpo(world, staff_user, lead_user, dpo):
    meeting = world.meetings["fr"]
    assert access.set_sensitivity(dpo, WHEN, meeting, "restricted") is True
    db.session.commit()
    assert not access.can_see(staff_user, meeting) and not access.can_see(lead_user, meeting)
    assert access.can_see(dpo, meeting)
    # Its outcomes go with it, though they are internal in themselves.
    assert not access.can_see(staff_user, world.outcomes["fr_hiv"]) and access.can_see(dpo, world.outcomes["fr_hiv"])
    assert access.is_restricted(world.outcomes["fr_hiv"])
    # Nobody signed in sees nothing restricted.
    assert not access.can_see(None, meeting)
    assert _events("sensitivity_changed") == [(dpo.id, "meeting", meeting.id, "internal to restricted")]


def test_visible_filters_queries_outside_requests(world, staff_user, dpo):
    access.set_sensitivity(dpo, WHEN, world.meetings["fr"], "restricted")
    access.set_sensitivity(dpo, WHEN, world.outcomes["de_hiv"], "restricted")
    access.set_sensitivity(dpo, WHEN, world.contacts["de"], "restricted")
    db.session.commit()

    def titles(actor):
        return set(db.session.scalars(select(Meeting.title).where(access.visible(actor, Meeting))))

    def outcomes(actor):
        return set(db.session.scalars(select(Outcome.id).where(access.visible(actor, Outcome))))

    def contacts(actor):
        return db.session.scalar(select(func.count()).select_from(Contact).where(access.visible(actor, Contact)))

    assert "France in Geneva" not in titles(staff_user) and "France in Geneva" in titles(dpo)
    hidden = {world.outcomes[k].id for k in ("fr_overall", "fr_hiv", "de_hiv")}
    assert not hidden & outcomes(staff_user) and hidden <= outcomes(dpo)
    assert contacts(dpo) == contacts(staff_user) + 1
    assert contacts(None) == contacts(staff_user)
    # A grant on the meeting opens it and its internal outcomes, not a restricted outcome elsewhere.
    access.grant(dpo, WHEN, world.meetings["fr"], user=staff_user)
    db.session.commit()
    assert "France in Geneva" in titles(staff_user)
    assert {world.outcomes["fr_overall"].id, world.outcomes["fr_hiv"].id} <= outcomes(staff_user)
    assert world.outcomes["de_hiv"].id not in outcomes(staff_user)


def test_a_restricted_outcome_of_a_restricted_meeting_needs_both_grants(world, staff_user, dpo):
    meeting, outcome = world.meetings["fr"], world.outcomes["fr_hiv"]
    access.set_sensitivity(dpo, WHEN, meeting, "restricted")
    access.set_sensitivity(dpo, WHEN, outcome, "restricted")
    access.grant(dpo, WHEN, outcome, user=staff_user)
    db.session.commit()
    assert not access.can_see(staff_user, outcome)  # the meeting is still closed to them
    access.grant(dpo, WHEN, meeting, user=staff_user)
    db.session.commit()
    assert access.can_see(staff_user, outcome)


def test_groups_grant_to_their_members_only(world, staff_user, lead_user, dpo):
    meeting = world.meetings["fr"]
    access.set_sensitivity(dpo, WHEN, meeting, "restricted")
    group = access.create_group(dpo, WHEN, {"name": "SOGI working group", "description": "Key populations"})
    access.grant(dpo, WHEN, meeting, group=group)
    db.session.commit()
    assert not access.can_see(staff_user, meeting)
    assert access.add_member(dpo, WHEN, group, staff_user) is True
    assert access.add_member(dpo, WHEN, group, staff_user) is False
    db.session.commit()
    assert access.can_see(staff_user, meeting) and not access.can_see(lead_user, meeting)
    assert access.groups_of(staff_user) == [group]
    access.remove_member(dpo, WHEN, group, staff_user)
    db.session.commit()
    assert not access.can_see(staff_user, meeting)
    details = [d for _, kind, _, d in _events("grant_changed") if kind == "access_group"]
    assert details == ["group created", f"member added: user {staff_user.id}", f"member removed: user {staff_user.id}"]


def test_group_names_are_unique_and_required(dpo, app):
    access.create_group(dpo, WHEN, {"name": "SOGI working group"})
    with pytest.raises(ConflictError):
        access.create_group(dpo, WHEN, {"name": "sogi  working GROUP"})
    with pytest.raises(ValidationError) as refused:
        access.create_group(dpo, WHEN, {"name": "  "})
    assert "name" in refused.value.fields


def test_only_the_dpo_and_admins_keep_groups(app, staff_user, lead_user, admin_user):
    for user in (staff_user, lead_user):
        with pytest.raises(PermissionDenied):
            access.create_group(user, WHEN, {"name": "Mine"})
    group = access.create_group(admin_user, WHEN, {"name": "Admins may"})
    access.delete_group(admin_user, WHEN, group)


def test_deleting_a_group_takes_its_grants_away(world, staff_user, dpo):
    meeting = world.meetings["fr"]
    access.set_sensitivity(dpo, WHEN, meeting, "restricted")
    group = access.create_group(dpo, WHEN, {"name": "Temporary"})
    access.add_member(dpo, WHEN, group, staff_user)
    access.grant(dpo, WHEN, meeting, group=group)
    db.session.commit()
    assert access.can_see(staff_user, meeting)
    access.delete_group(dpo, WHEN, group)
    db.session.commit()
    assert not access.can_see(staff_user, meeting) and access.grants_for(meeting) == []


def test_who_may_restrict_and_grant(world, staff_user, lead_user, admin_user, dpo):
    meeting, contact = world.meetings["de"], world.contacts["de"]  # staff_user organises the German meeting
    other = world.other_staff
    with pytest.raises(PermissionDenied):
        access.set_sensitivity(other, WHEN, meeting, "restricted")  # plain staff, not the organiser
    with pytest.raises(PermissionDenied):
        access.set_sensitivity(staff_user, WHEN, contact, "restricted")  # contacts: leads, admins, the DPO
    # The organiser may; and keeps sight of it through a grant made at once.
    assert access.set_sensitivity(staff_user, WHEN, meeting, "restricted")
    db.session.commit()
    assert access.can_see(staff_user, meeting)
    assert [g.user_id for g in access.grants_for(meeting)] == [staff_user.id]
    # A lead who cannot see it cannot change it either: for them it does not exist.
    with pytest.raises(NotFoundError):
        access.set_sensitivity(lead_user, WHEN, meeting, "internal")
    with pytest.raises(NotFoundError):
        access.grant(admin_user, WHEN, meeting, user=admin_user)
    # A lead who can see a contact may restrict it.
    assert access.set_sensitivity(lead_user, WHEN, contact, "restricted")
    assert access.can_see(lead_user, contact)
    # The DPO may do anything, and sees everything without a grant.
    access.set_sensitivity(dpo, WHEN, meeting, "internal")
    assert [g.user_id for g in access.grants_for(meeting)] == [staff_user.id]


def test_bad_values_and_double_grants_are_refused(world, staff_user, dpo):
    meeting = world.meetings["fr"]
    with pytest.raises(ValidationError) as refused:
        access.set_sensitivity(dpo, WHEN, meeting, "secret")
    assert refused.value.fields == {"sensitivity": ["Choose internal or restricted."]}
    access.grant(dpo, WHEN, meeting, user=staff_user)
    with pytest.raises(ConflictError):
        access.grant(dpo, WHEN, meeting, user=staff_user)
    with pytest.raises(ValidationError):
        access.grant(dpo, WHEN, meeting)


def test_grants_and_revocations_are_audited(world, staff_user, dpo):
    meeting = world.meetings["fr"]
    found = access.grant(dpo, WHEN, meeting, user=staff_user)
    access.revoke(dpo, WHEN, meeting, found)
    db.session.commit()
    assert _events("grant_changed") == [
        (dpo.id, "meeting", meeting.id, f"granted to user {staff_user.id}"),
        (dpo.id, "meeting", meeting.id, f"revoked from user {staff_user.id}")]


def test_audit_rows_hold_no_content(world, staff_user, dpo):
    meeting = world.meetings["fr"]
    access.set_sensitivity(dpo, WHEN, meeting, "restricted")
    access.grant(dpo, WHEN, meeting, user=staff_user)
    access.audit_restricted(staff_user, WHEN, [meeting, meeting, world.outcomes["fr_hiv"], world.meetings["de"]])
    db.session.commit()
    for row in db.session.scalars(select(AuditEvent)):
        assert "France" not in (row.detail or "") and "Geneva" not in (row.detail or "")
    assert {(k, i) for _, k, i, _ in _events("restricted_viewed")} == {
        ("meeting", meeting.id), ("outcome", world.outcomes["fr_hiv"].id)}


def test_the_digest_leaves_out_meetings_its_reader_may_not_see(world, staff_user, dpo):
    from datetime import date
    from zoneinfo import ZoneInfo

    from engage.reminders.digest import digest_for

    meeting = world.meetings["fr"]  # 20 Nov 2026, organised by staff_user
    meeting.status = "scheduled"
    db.session.commit()
    day = date(2026, 11, 20)
    shown = [m.title for m, _ in digest_for(staff_user, day, ZoneInfo("Africa/Nairobi"))["meetings"]]
    assert "France in Geneva" in shown
    access.set_sensitivity(dpo, WHEN, meeting, "restricted")
    db.session.commit()
    shown = [m.title for m, _ in digest_for(staff_user, day, ZoneInfo("Africa/Nairobi"))["meetings"]]
    assert "France in Geneva" not in shown


def test_saving_a_meeting_keeps_the_attendees_its_editor_may_not_see(app, staff_user, dpo):
    from engage.meetings import services as meetings

    org = factories.make_organisation()
    hidden, shown = factories.make_contact(org, full_name="Hidden One"), factories.make_contact(org)
    meeting = factories.make_meeting(organiser=staff_user, contacts=[hidden, shown])
    access.set_sensitivity(dpo, WHEN, hidden, "restricted")
    db.session.commit()
    # The organiser's form only knows the contact they can see.
    meetings.update_meeting(staff_user, WHEN, meeting, {"attendees": [{"contact_id": shown.id, "role": "optional"}]})
    db.session.commit()
    assert {a.contact_id for a in meeting.contact_attendees} == {hidden.id, shown.id}


def test_engagement_with_a_restricted_meeting_counts_only_for_those_who_may_see_it(app, world, lead_user, dpo):
    """A choice: a restricted meeting is not engagement for people who may not see it (not a hidden +1)."""
    from datetime import date

    from flask_login import login_user

    from engage.reports.queries import met_states
    from engage.upr.services import engaged_states

    access.set_sensitivity(dpo, WHEN, world.meetings["fr"], "restricted")
    db.session.commit()
    for user, expected in ((lead_user, False), (dpo, True)):
        with app.test_request_context("/"):
            login_user(user)
            assert ("FR" in met_states(date(2025, 1, 1), WHEN)) is expected
            assert ("FR" in engaged_states(date(2025, 1, 1), WHEN)) is expected


def test_restricting_a_meeting_to_come_sends_it_again_to_its_attendees(app, staff_user, dpo):
    """So their calendars replace the title they were first sent (invitations of restricted
    meetings carry only the neutral title)."""
    from engage.outbox.models import OutboxMessage

    org = factories.make_organisation()
    guest = factories.make_contact(org, email="guest@example.org")
    meeting = factories.make_meeting(organiser=staff_user, contacts=[guest], title="HIV key populations strategy")
    sequence = meeting.sequence
    assert access.set_sensitivity(dpo, WHEN, meeting, "restricted")
    db.session.commit()
    assert meeting.sequence == sequence + 1
    kinds = db.session.scalars(select(OutboxMessage.kind).where(OutboxMessage.recipient == "guest@example.org")
                               .order_by(OutboxMessage.id)).all()
    assert kinds == ["invitation", "update"]
    # Back to internal: nothing more is sent.
    access.set_sensitivity(dpo, WHEN, meeting, "internal")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 2


def test_the_edit_form_path_restricts_and_resends_once(app, staff_user):
    from engage.meetings import services as meetings
    from engage.outbox.models import OutboxMessage

    guest = factories.make_contact(factories.make_organisation(), email="guest@example.org")
    meeting = factories.make_meeting(organiser=staff_user, contacts=[guest])
    meetings.update_meeting(staff_user, WHEN, meeting, {"sensitivity": "restricted"})
    db.session.commit()
    assert meeting.sensitivity == "restricted" and access.can_see(staff_user, meeting)
    kinds = db.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds == ["invitation", "update"]


def test_the_digest_leaves_out_actions_on_outcomes_its_reader_may_not_see(world, dpo):
    from datetime import date
    from zoneinfo import ZoneInfo

    from engage.reminders.digest import digest_for

    other, day, zone = world.other_staff, date(2026, 11, 28), ZoneInfo("Africa/Nairobi")
    assert [f.description for f in digest_for(other, day, zone)["overdue"]] == ["Send France the shadow report"]
    access.set_sensitivity(dpo, WHEN, world.meetings["fr"], "restricted")
    db.session.commit()
    assert digest_for(other, day, zone)["overdue"] == []
