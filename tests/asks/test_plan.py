"""Planning for asks: which target states of each ask of a cycle nobody has met about it yet, with
their missions in Nairobi and Geneva; what a reader may not see never counts as met for them."""
from __future__ import annotations

from datetime import UTC, datetime

from engage.access.services import set_sensitivity
from engage.clock import now_utc
from engage.extensions import db
from engage.outcomes.services import create_outcome
from engage.upr.asks_plan import ask_plan
from tests import factories
from tests.asks.helpers import make_ask
from tests.outcomes.helpers import make_meeting

AHEAD = datetime(2027, 1, 12, 8, 0, tzinfo=UTC)


def _world(lead_user, staff_user):
    de = factories.make_organisation(name="Embassy of Germany", kind="embassy", country="DE", city="Nairobi")
    fr = factories.make_organisation(name="Permanent Mission of France", kind="permanent_mission", country="FR",
                                     city="Geneva")
    se = factories.make_organisation(name="Embassy of Sweden", kind="embassy", country="SE", city="Nairobi")
    anna = factories.make_contact(de, full_name="Anna Schmidt", email="anna@diplo.de")
    factories.make_contact(fr, full_name="Jean Dupont", email="jean@diplo.fr")
    sven = factories.make_contact(se, full_name="Sven Berg", email="sven@gov.se")
    ask = make_ask(lead_user, text="Repeal laws criminalising key populations", target_states=["DE", "FR", "SE", "NO"])
    other = make_ask(lead_user, text="Mental health law", target_states=["DE"], priority="low")
    met_de = make_meeting(staff_user, contacts=[anna])  # 10 Nov 2026, before NOW
    met_de.asks = [ask]
    at_fr = make_meeting(staff_user)  # nobody from France attended, but an outcome was logged for its mission
    at_fr.asks = [ask]
    ahead_se = make_meeting(staff_user, contacts=[sven], starts_at=AHEAD)
    ahead_se.asks = [ask]
    db.session.commit()
    create_outcome(staff_user, now_utc(), at_fr, {"ask_id": ask.id, "organisation_id": fr.id,
                                                  "position": "will_consider", "summary": "Will ask Paris"})
    db.session.commit()
    return ask, other, met_de


def test_the_plan_tells_met_booked_and_unmet_states_apart(staff_client, lead_user, staff_user, frozen):
    ask, other, _ = _world(lead_user, staff_user)
    plans = ask_plan(4, frozen)
    assert [p.ask.id for p in plans] == [ask.id, other.id]
    targets = {t.state: t for t in plans[0].targets}
    assert {s for s, t in targets.items() if t.met} == {"DE", "FR"}
    assert [t.state for t in plans[0].unmet] == ["NO", "SE"]
    assert targets["SE"].booked is not None and targets["NO"].missions == []
    assert [(o.name, place) for o, place in targets["SE"].missions] == [("Embassy of Sweden", "Nairobi")]
    assert [t.state for t in plans[1].unmet] == ["DE"]  # met, but not about this ask
    page = staff_client.get("/asks/plan").get_data(as_text=True)
    assert page.count("Not met yet") == 3  # NO and SE of the first ask, DE of the second
    assert "Embassy of Sweden" in page and f"ask_id={ask.id}" in page and "Booked" in page
    assert "Permanent Mission of France" not in page
    page = staff_client.get("/asks/plan", query_string={"show": "all", "priority": "high"}).get_data(as_text=True)
    assert "Permanent Mission of France" in page and "Mental health law" not in page


def test_a_restricted_meeting_counts_as_met_only_for_those_who_may_see_it(staff_client, admin_user, lead_user,
                                                                         staff_user, frozen):
    ask, _, met_de = _world(lead_user, staff_user)
    set_sensitivity(admin_user, now_utc(), met_de, "restricted")
    db.session.commit()
    assert "DE" in [t.state for t in ask_plan(4, frozen, actor=staff_user)[0].unmet]
    assert "DE" not in [t.state for t in ask_plan(4, frozen)[0].unmet]
    page = staff_client.get("/asks/plan").get_data(as_text=True)
    assert 'data-state="DE"' in page


def test_the_recommendations_planning_view_offers_the_states_asks(staff_client, lead_user, frozen):
    factories.make_organisation(name="Permanent Mission of Germany", kind="permanent_mission", country="DE",
                                city="Geneva")
    factories.make_recommendation(recommending_state="DE", themes=["Right to health"])
    ask = make_ask(lead_user, target_states=["DE"])
    page = staff_client.get("/recommendations/plan", query_string={"theme": "Right to health"}).get_data(as_text=True)
    assert f"/asks/{ask.id}" in page and f"ask_id={ask.id}" in page
