"""GET /api/v1/meetings read as rows from statements kept per process (engage/meetings/listing.py):
each item is what the meeting's own view says, and what a reader sees follows their grants at once."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from engage.access import services as access
from engage.extensions import db
from engage.meetings import services as meeting_services
from tests import factories
from tests.conftest import _api_for

WHEN = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _dpo():
    user = factories.make_user(role="staff", email="dpo@example.org", full_name="Dana DPO")
    user.is_dpo = True
    db.session.commit()
    return user


def _listed(api, url="/api/v1/meetings?per_page=50"):
    response = api.get(url)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def world(app, staff_user):
    dpo = _dpo()
    org = factories.make_organisation(name="Permanent Mission of Germany", kind="permanent_mission")
    other = factories.make_organisation(name="UNAIDS", kind="un_agency")
    anna = factories.make_contact(org, full_name="Anna Schmidt", email="anna@diplo.de")
    jean = factories.make_contact(other, full_name="Jean Dupont", email="jean@unaids.org")
    hidden = factories.make_contact(other, full_name="Kim Hidden", email="kim@unaids.org")
    access.set_sensitivity(dpo, WHEN, hidden, "restricted")
    # Instants with microseconds and offsets other than UTC, answers, tags and reminders of every shape.
    starts = datetime(2026, 12, 7, 11, 30, 15, 987654, tzinfo=timezone(timedelta(hours=3)))
    plain = factories.make_meeting(staff_user, contacts=[anna, jean], starts_at=starts, tags=["sogi", "café \"x\""],
                                   reminders=[60])
    shared = factories.make_meeting(staff_user, contacts=[anna, hidden], starts_at=starts + timedelta(days=1),
                                    invitation_title="Talks")
    secret = factories.make_meeting(staff_user, contacts=[jean], starts_at=starts + timedelta(days=2), tags=[])
    access.set_sensitivity(dpo, WHEN, secret, "restricted")
    db.session.commit()
    for attendee in plain.attendees:
        if attendee.contact_id == jean.id:
            meeting_services.record_response(None, WHEN + timedelta(microseconds=123456), attendee, "accepted")
    db.session.commit()
    return {"dpo": dpo, "plain": plain, "shared": shared, "secret": secret, "hidden": hidden}


def test_each_listed_meeting_is_what_its_own_view_says(app, world, staff_user):
    """Field for field and value for value (times in UTC with Z, hidden attendees counted), for a reader
    without grants and for the DPO."""
    for user in (staff_user, world["dpo"]):
        api = _api_for(app, user)
        listed = _listed(api)
        assert listed["items"], user.email
        for item in listed["items"]:
            assert item == api.get(f"/api/v1/meetings/{item['id']}").get_json()
    staff = {item["id"]: item for item in _listed(_api_for(app, staff_user))["items"]}
    assert staff[world["plain"].id]["starts_at"] == "2026-12-07T08:30:15Z"
    assert [a["responded_at"] for a in staff[world["plain"].id]["attendees"]] == [None, "2026-11-28T09:00:00Z"]
    assert staff[world["shared"].id]["hidden_attendees"] == 1
    assert world["secret"].id not in staff


def test_a_revoked_grant_hides_the_meeting_at_the_next_list(app, world, staff_user):
    secret = world["secret"]
    api = _api_for(app, staff_user)
    before = _listed(api)
    assert secret.id not in [m["id"] for m in before["items"]]
    found = access.grant(world["dpo"], WHEN, secret, user=staff_user)
    db.session.commit()
    for _ in range(2):  # the second time from the statement kept for these grants
        granted = _listed(api)
        assert secret.id in [m["id"] for m in granted["items"]]
        assert granted["total"] == before["total"] + 1
    # Another reader without the grant, with the same filters, right after: never the granted statement.
    colleague = factories.make_user(role="lead", email="colleague@example.org")
    assert secret.id not in [m["id"] for m in _listed(_api_for(app, colleague))["items"]]
    access.revoke(world["dpo"], WHEN, secret, found)
    db.session.commit()
    after = _listed(api)
    assert secret.id not in [m["id"] for m in after["items"]]
    assert after["total"] == before["total"]


def test_leaving_a_group_hides_its_meetings_at_the_next_list(app, world, staff_user):
    secret, dpo = world["secret"], world["dpo"]
    group = access.create_group(dpo, WHEN, {"name": "SOGI team"})
    access.grant(dpo, WHEN, secret, group=group)
    access.add_member(dpo, WHEN, group, staff_user)
    db.session.commit()
    api = _api_for(app, staff_user)
    url = f"/api/v1/meetings?per_page=5&contact_id={world['hidden'].id}"
    assert [m["id"] for m in _listed(api)["items"]].count(secret.id) == 1
    assert _listed(api, url)["total"] == 0  # the restricted contact still attends nothing for this reader
    access.remove_member(dpo, WHEN, group, staff_user)
    db.session.commit()
    assert secret.id not in [m["id"] for m in _listed(api)["items"]]


def test_pages_past_the_last_count_every_meeting(app, world, staff_user):
    api = _api_for(app, staff_user)
    first = _listed(api, "/api/v1/meetings?per_page=1")
    assert first["total"] == 2 and len(first["items"]) == 1
    second = _listed(api, "/api/v1/meetings?per_page=1&page=2")
    assert second["items"][0]["id"] != first["items"][0]["id"]
    assert _listed(api, "/api/v1/meetings?per_page=1&page=9") == {"items": [], "total": 2, "page": 9, "per_page": 1}
