"""A ministry, recommendations and assessments, one of them from a restricted meeting."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from engage.access import services as access
from engage.extensions import db
from engage.implementation import services
from tests import factories
from tests.outcomes.helpers import WHEN, make_world

RESTRICTED_EVIDENCE = "The minister admitted the budget line was cut"


@dataclass
class Assessed:
    world: object
    moh: object
    dpo: object
    granted: object
    open_one: object        # de_hiv, internal, 1 Oct 2026, in progress
    restricted_one: object  # de_hiv, from the restricted France meeting, 1 Nov 2026, regressed
    older: object           # de_hiv, 1 Jan 2026, not started


@pytest.fixture
def assessed(app, staff_user, lead_user):
    world = make_world(staff_user, lead_user)
    moh = factories.make_organisation(name="Ministry of Health", kind="ministry", country="KE", city="Nairobi")
    dpo = factories.make_dpo()
    granted = factories.make_user(role="staff", email="granted@example.org", full_name="Granted Staff")
    rec = world.recs["de_hiv"]
    older = services.create_assessment(staff_user, WHEN, {
        "recommendation_id": rec.id, "assessed_on": "2026-01-01", "status": "not_started",
        "source_kind": "government_report", "source_detail": "Annual report 2025"})
    open_one = services.create_assessment(staff_user, WHEN, {
        "recommendation_id": rec.id, "assessed_on": "2026-10-01", "status": "in_progress",
        "evidence": "A bill is before parliament", "links": "https://example.org/bill\nhttps://example.org/hansard",
        "source_kind": "media", "confidence": "high"})
    meeting = world.meetings["fr"]
    access.set_sensitivity(dpo, WHEN, meeting, "restricted")
    access.grant(dpo, WHEN, meeting, user=staff_user)  # the recorder must see the meeting
    restricted_one = services.create_assessment(staff_user, WHEN, {
        "recommendation_id": rec.id, "assessed_on": date(2026, 11, 1), "status": "regressed",
        "evidence": RESTRICTED_EVIDENCE, "meeting_id": meeting.id})
    access.grant(dpo, WHEN, restricted_one, user=granted)
    access.grant(dpo, WHEN, meeting, user=granted)
    db.session.commit()
    return Assessed(world, moh, dpo, granted, open_one, restricted_one, older)
