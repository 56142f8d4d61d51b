"""The planning views of a coalition: the secretariat reads them for the whole coalition or one member,
counts equal to lists; nobody else is offered the choice, and a single organisation sees none of it."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import time_machine

from engage.access import services as access
from engage.extensions import db
from engage.meetings.models import Meeting
from engage.upr import asks_plan, planning
from tests.asks.helpers import make_ask
from tests.conftest import login
from tests.members.test_members import COALITION_WORDS, two_members  # noqa: F401 - a fixture
from tests.outcomes.helpers import WHEN, make_meeting, make_world


def _coalition_meetings(world, others):
    """The ask of cycle 5 pitched to Germany and Sweden: on the first member's German meeting (10 Nov) and on
    a KHRC meeting with Sweden (16 Nov, shared in full), which also discusses Sweden's recommendation."""
    ask = make_ask(world.lead, cycle=5, target_states=["DE", "SE"])
    world.meetings["de"].asks.append(ask)
    sweden = make_meeting(others["staff"], [world.contacts["se"]], datetime(2026, 11, 16, 7, 0, tzinfo=UTC),
                          [world.recs["se_health"]], title="KHRC with Sweden")
    sweden.asks.append(ask)
    access.set_sharing(others["staff"], WHEN, sweden, "coalition_full")
    db.session.commit()
    return ask, sweden


def _listed(reader, ask, member_id):
    """The states someone from which was at a begun, visible meeting with the ask on its agenda, of one
    member or any: what the reader could list from the meetings themselves."""
    meetings = [m for m in db.session.scalars(access.select_visible(reader, Meeting))
                if ask in m.asks and m.status != "cancelled" and m.starts_at.replace(tzinfo=UTC) <= WHEN
                and member_id in (None, m.member_id)]
    return {a.contact.organisation.country for m in meetings for a in m.contact_attendees}


def test_the_secretariat_plans_the_asks_for_the_coalition_or_one_member_counts_equal_to_lists(app, two_members):  # noqa: F811
    world, others = two_members
    ask, sweden = _coalition_meetings(world, others)
    secretariat, home, khrc = world.lead, world.meetings["de"].member_id, sweden.member_id
    for member_id, met in ((None, {"DE", "SE"}), (home, {"DE"}), (khrc, {"SE"})):
        plan = asks_plan.ask_plan(5, WHEN, actor=secretariat, member_id=member_id)
        assert {t.state for p in plan for t in p.targets if t.met} == met == _listed(secretariat, ask, member_id)
    client = login(app.test_client(), secretariat)
    with time_machine.travel(WHEN, tick=False):
        page = client.get(f"/asks/plan?cycle=5&member={khrc}").get_data(as_text=True)
    assert "Whole coalition" in page and re.search(rf'<option value="{khrc}" selected>KHRC</option>', page)
    assert re.search(r'data-state="DE"', page) and not re.search(r'data-state="SE"', page)  # only the unmet
    bad = client.get("/asks/plan?cycle=5&member=99999")
    assert 400 <= bad.status_code < 500 and "member" in bad.get_data(as_text=True)
    # Kept private, KHRC's meeting counts for nobody else, even with KHRC chosen.
    access.set_sharing(others["staff"], WHEN, sweden, "private")
    db.session.commit()
    assert not [t for p in asks_plan.ask_plan(5, WHEN, actor=secretariat, member_id=khrc) for t in p.targets if t.met]
    # Another member's lead is not offered the choice, and ?member= changes nothing for them.
    theirs = login(app.test_client(), others["lead"])
    with time_machine.travel(WHEN, tick=False):
        mine = theirs.get(f"/asks/plan?cycle=5&show=all&member={home}").get_data(as_text=True)
        whole = theirs.get("/asks/plan?cycle=5&show=all").get_data(as_text=True)
    assert "Whole coalition" not in mine and mine.count("Met</span>") == whole.count("Met</span>") == 2


def test_the_secretariat_plans_the_recommendations_for_the_coalition_or_one_member(app, two_members):  # noqa: F811
    world, others = two_members
    _ask, sweden = _coalition_meetings(world, others)
    secretariat, home, khrc = world.lead, world.meetings["de"].member_id, sweden.member_id
    since, until = datetime(2025, 1, 1).date(), None

    def engaged(member_id):
        plan = planning.target_plan(["Right to health", "HIV/AIDS"], None, since, WHEN, actor=secretariat,
                                    engaged_until=until, member_id=member_id)
        last = {m.organisation.country: m.last_meeting.id for item in plan for m in item.missions if m.last_meeting}
        return {item.state for item in plan if item.engaged}, last

    assert engaged(None)[0] == {"DE", "FR", "SE"}
    assert engaged(home) == ({"DE", "FR"}, {"DE": world.meetings["de"].id, "FR": world.meetings["fr"].id,
                                            "BR": world.meetings["br"].id})
    assert engaged(khrc) == ({"SE"}, {"SE": sweden.id})
    client = login(app.test_client(), secretariat)
    page = client.get(f"/recommendations/plan?cycle=all&theme=Right+to+health&member={khrc}").get_data(as_text=True)
    assert re.search(rf'<option value="{khrc}" selected>KHRC</option>', page)
    assert client.get("/recommendations/plan?cycle=all&theme=Right+to+health&member=x").status_code in (400, 422)


def test_a_single_organisations_planning_offers_no_member(app, staff_user, lead_user):
    make_world(staff_user, lead_user)
    make_ask(lead_user, cycle=5, target_states=["DE"])
    client = login(app.test_client(), lead_user)
    for url in ("/asks/plan?cycle=5&member=1", "/recommendations/plan?cycle=all&theme=HIV/AIDS&member=1"):
        page = client.get(url)
        assert page.status_code == 200 and 'id="member-choice"' not in page.get_data(as_text=True)
        assert COALITION_WORDS.search(page.get_data(as_text=True)) is None
