"""In a coalition, an assessment from a meeting is seen by another member only with that meeting in
full; one from no meeting (a report, the press) is shared, as recommendations are."""
from __future__ import annotations

from engage.access import services as access
from engage.extensions import db
from engage.implementation import queries, services
from engage.members import services as members
from tests import factories
from tests.outcomes.helpers import WHEN


def test_another_member_sees_assessments_as_it_sees_their_meetings(assessed, staff_user, admin_user):
    world = assessed.world
    rec_id = world.recs["de_hiv"].id
    from_meeting = services.create_assessment(staff_user, WHEN, {
        "recommendation_id": rec_id, "assessed_on": "2026-11-15", "status": "implemented",
        "evidence": "Said so at the embassy", "meeting_id": world.meetings["de"].id})
    khrc = members.create_member(admin_user, WHEN, {"name": "Kenya Human Rights Commission", "short_name": "KHRC"})
    db.session.flush()
    other = factories.make_user(role="lead", email="lead@khrc.example.org")
    other.member_id = khrc.id
    db.session.commit()
    assert from_meeting.member_id == world.meetings["de"].member_id != khrc.id

    def statuses(user):
        return [a.status for a in queries.assessments_for(user, [rec_id])]

    # Shared in summary (the default): not the assessment made at it; nor the restricted one.
    assert statuses(other) == ["in_progress", "not_started"]
    assert queries.latest_assessments(other, [rec_id])[rec_id].status == "in_progress"
    access.set_sharing(staff_user, WHEN, world.meetings["de"], "coalition_full")
    db.session.commit()
    assert statuses(other) == ["implemented", "in_progress", "not_started"]
    # The first member's own DPO sees everything of theirs; the second member's DPO is not theirs.
    assert "regressed" in statuses(assessed.dpo)
    other.is_dpo = True
    db.session.commit()
    assert "regressed" not in statuses(other)
