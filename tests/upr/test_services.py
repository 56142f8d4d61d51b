"""Recommendation services: checking values, editing with history, filters and search."""
from __future__ import annotations

from datetime import date

import pytest

from engage.errors import ConflictError, ValidationError
from engage.extensions import db
from engage.history import history_for
from engage.upr import exports, services
from tests import factories
from tests.upr.helpers import make_world

SINCE = date(2025, 1, 1)


def _refs(query):
    return [r.reference for r in db.session.scalars(query)]


def test_create_checks_every_field_and_names_the_bad_ones(app, now):
    with pytest.raises(ValidationError) as exc:
        services.create_recommendation(None, now, {"cycle": 100, "reference": " ", "recommending_state": "Narnia",
                                                   "text": "", "response": "accepted", "themes": "x" * 121})
    assert set(exc.value.fields) == {"cycle", "reference", "recommending_state", "text", "response", "themes"}
    assert "Narnia" in exc.value.fields["recommending_state"][0]


def test_create_refuses_a_second_recommendation_with_the_same_cycle_reference_and_item(app, now):
    factories.make_recommendation(cycle=3, reference="142.1", recommending_state="TR")
    with pytest.raises(ConflictError):
        services.create_recommendation(None, now, {"cycle": 3, "reference": "142.1", "recommending_state": "Türkiye",
                                                   "text": "again"})
    # One paragraph is one recommendation whoever made it: another state joins it, it is not a copy.
    with pytest.raises(ConflictError, match="recommending_states"):
        services.create_recommendation(None, now, {"cycle": 3, "reference": "142.1", "recommending_state": "FR",
                                                   "text": "France's"})
    # Another item of the paragraph, or the paragraph in another cycle, is a different recommendation.
    services.create_recommendation(None, now, {"cycle": 3, "reference": "142.1", "sub_item": "142.1 (2)",
                                               "recommending_state": "FR", "text": "France's"})
    services.create_recommendation(None, now, {"cycle": 2, "reference": "142.1", "recommending_state": "TR",
                                               "text": "older"})


def test_a_joint_recommendation_keeps_its_states_in_order_and_the_first_as_recommending_state(app, now, staff_user):
    rec = services.create_recommendation(staff_user, now, {
        "cycle": 4, "reference": "7.12", "sub_item": "1", "recommending_states": "France; Lithuania",
        "text": "Ratify it", "sdgs": "3 - GOOD HEALTH AND WELL-BEING; 5", "groups_of_persons": "Women; Children",
        "source_of_position": "A/HRC/28/15/Add.1 - Para. 3"})
    db.session.commit()
    assert rec.recommending_states == ["FR", "LT"] and rec.recommending_state == "FR"
    assert rec.full_reference == "7.12 (1)" and rec.sdgs == [3, 5] and rec.groups_of_persons == ["Women", "Children"]
    assert rec.label == "7.12 (1) (France, Lithuania)"
    # A tool that knows one state changes the first and keeps the others.
    services.update_recommendation(staff_user, now, rec, {"recommending_state": "Germany"})
    assert rec.recommending_states == ["DE", "LT"]
    changed = services.update_recommendation(staff_user, now, rec, {"recommending_states": ["LT", "FR", "DE"]})
    db.session.commit()
    assert changed["recommending_states"] == ["DE; LT", "LT; FR; DE"]
    assert rec.recommending_state == "LT"
    assert db.session.get(type(rec), rec.id).recommending_states == ["LT", "FR", "DE"]
    with pytest.raises(ValidationError) as refused:
        services.update_recommendation(staff_user, now, rec, {"sdgs": [18]})
    assert "no goal 18" in refused.value.fields["sdgs"][0]
    with pytest.raises(ValidationError) as refused:
        services.update_recommendation(staff_user, now, rec, {"recommending_states": []})
    assert "recommending_state" in refused.value.fields


def test_editing_themes_keeps_a_history_of_who_changed_what(app, now, staff_user):
    rec = factories.make_recommendation(themes=["HIV/AIDS"])
    changed = services.update_recommendation(staff_user, now, rec, {"themes": ["HIV/AIDS", "Right to health"]})
    db.session.commit()
    assert changed == {"themes": ["HIV/AIDS", "HIV/AIDS; Right to health"]}
    assert rec.theme_names == ["HIV/AIDS", "Right to health"]
    last = history_for(rec)[0]
    assert (last.action, last.actor_id) == ("updated", staff_user.id)
    # Saving the same values again records nothing.
    assert services.update_recommendation(staff_user, now, rec, {"themes": ["right to health", "hiv/aids"]}) == {}
    assert len(history_for(rec)) == 2  # created + one update


def test_changing_the_identity_onto_another_recommendation_is_a_conflict(app, now):
    factories.make_recommendation(reference="142.1")
    other = factories.make_recommendation(reference="142.2")
    with pytest.raises(ConflictError):
        services.update_recommendation(None, now, other, {"reference": "142.1"})


def test_a_partial_update_refuses_blank_required_fields(app, now):
    rec = factories.make_recommendation()
    with pytest.raises(ValidationError) as exc:
        services.update_recommendation(None, now, rec, {"text": "  ", "response": None})
    assert set(exc.value.fields) == {"text", "response"}


@pytest.fixture
def world(app, staff_user):
    return make_world(staff_user)


def test_filters_by_cycle_state_theme_response_and_status(world, now, staff_user):
    q = services.recommendation_query
    assert _refs(q(cycle=2)) == ["120.1"]
    assert _refs(q(cycle=3, state="Germany")) == ["142.1", "142.2", "142.3"]
    assert _refs(q(state="de", cycle=3, response="noted")) == ["142.2"]
    assert _refs(q(theme="women's rights")) == ["142.3"]
    assert _refs(q(theme=["Death penalty", "Women's rights"])) == ["142.3", "142.9"]
    from engage.implementation import services as implementation
    implementation.create_assessment(staff_user, now, {"recommendation_id": world.recs["se1"].id,
                                                       "assessed_on": "2026-11-01", "status": "implemented"})
    assert _refs(q(implementation_status="implemented")) == ["142.4"]
    assert "142.4" not in _refs(q(implementation_status="none"))
    assert _refs(q(state="Narnia")) == []


def test_newest_cycle_first_then_paragraphs_in_numeric_order(app, now):
    for ref in ("101.10", "101.2", "102.3 (2)", "102.3 (1)", "99.1"):
        factories.make_recommendation(cycle=1, reference=ref)
    factories.make_recommendation(cycle=3, reference="1.1")
    assert _refs(services.recommendation_query()) == ["1.1", "99.1", "101.2", "101.10", "102.3 (1)", "102.3 (2)"]


def test_search_matches_every_word_in_the_text_ignoring_case_and_wildcards(world):
    q = services.recommendation_query
    assert _refs(q(q="ACCESS arvs")) == ["142.1"]
    assert _refs(q(q="arvs maternal")) == []
    assert _refs(q(q="142.1")) == ["142.1"]
    assert _refs(q(q="%")) == []  # a literal percent sign, not a wildcard
    assert _refs(q(q="health", cycle=3)) == ["142.3", "142.5"]


def test_engaged_this_cycle_filter(world):
    q = services.recommendation_query
    now = factories.WHEN
    assert set(_refs(q(engaged=True, engaged_since=SINCE, cycle=3, now=now))) == {"142.1", "142.2", "142.3", "142.4",
                                                                                "142.5"}
    assert set(_refs(q(engaged=False, engaged_since=SINCE, cycle=3, now=now))) == {"142.6", "142.7", "142.8", "142.9"}


def test_meetings_touching_a_recommendation_include_cancelled_ones(world):
    assert [m.title for m in services.meetings_touching(recommendation_id=world.recs["fr1"].id)] == ["Called off"]
    assert [m.title for m in services.meetings_touching(recommendation_id=world.recs["de1"].id)] == [
        "ARVs with Germany"]
    assert services.meetings_touching(recommendation_id=world.recs["us1"].id) == []


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(app, now):
    factories.make_recommendation(text="=HYPERLINK(\"http://evil\")")
    text = exports.recommendations_csv(services.recommendation_query(), None)
    assert "'=HYPERLINK" in text
