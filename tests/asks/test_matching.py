"""Matching the coalition's asks to the recommendations states made, as staff would notice it: the right
recommendation comes first, an acronym meets its spelled-out form, an ask nothing takes up gets no
suggestion, a lobbied state comes first among equals, and the labelled set meets the bar."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.asks import matching
from engage.asks.matching import Ask, Candidate, Pool, load_candidates, rank, suggest, terms
from engage.extensions import db
from engage.recommendations.models import Recommendation
from engage.upr.imports import import_recommendations_file
from tests import factories
from tests.asks.labelled import (
    RECOMMENDATIONS, cycle1_candidates, figures, labelled_asks, paragraph_and_state, rankings)


@pytest.fixture(scope="module")
def pool():
    return Pool(cycle1_candidates())


def first(pool, text, **ask):
    return paragraph_and_state(pool.rank(Ask(text, cycle=1, **ask), limit=1)[0])


def top(pool, text, n=3, **ask):
    return [paragraph_and_state(s) for s in pool.rank(Ask(text, cycle=1, **ask), limit=n)]


@pytest.mark.parametrize(("ask", "expected"), [
    ("Ratify the migrant workers convention", {("101.1", "BF"), ("101.2", "DZ")}),
    ("Invite the UN Special Rapporteur on human rights defenders", {("101.36", "NO")}),
    ("Humane conditions in prisons", {("101.58", "SK")}),
    ("Set 18 as the minimum age of marriage", {("101.86", "VA")}),
    ("Cooperate fully with the International Criminal Court", {("101.82", "NO"), ("101.78", "FI"),
                                                                ("101.77", "AT"), ("102.15", "GB")}),
])
def test_the_right_recommendation_ranks_first_for_a_clear_ask(pool, ask, expected):
    assert first(pool, ask) in expected


def test_a_cso_acronym_finds_the_un_wording_and_the_other_way_round(pool):
    # FGM → "female genital mutilation" (101.52–101.57, none says "FGM")
    assert first(pool, "Criminalise FGM and put a national anti-FGM policy in place") in {
        ("101.54", "DE"), ("101.56", "HU"), ("101.53", "CZ")}
    # Spelled out → "Consider ratifying OP-CAT" (Denmark) and "Sign and ratify OP-CAT" (Germany)
    assert {("101.3", "DK"), ("102.2", "DE")} & set(top(pool, "Ratify the optional protocol to the convention "
                                                            "against torture"))
    # ICESCR ↔ "International Covenant on Economic, Social and Cultural Rights"
    assert ("102.8", "AR") in top(pool, "Accept the complaints procedure of the ICESCR")
    assert terms("SRHR") <= terms("sexual and reproductive health and rights")
    assert terms("Criminalise it") == terms("criminalizing it") == terms("the criminalization of it")


def test_a_cso_paraphrase_is_suggested_not_only_ranked(pool):
    suggested = [paragraph_and_state(s) for s in pool.suggest(Ask("A national GBV action plan with measurable "
                                                                  "indicators", themes=("Women's rights",), cycle=1))]
    # "Draft a plan to combat violence against women, and establish reliable indicators in this field" (France),
    # beside Brazil's "… women victims of gender-based violence …"
    assert set(suggested[:2]) == {("101.49", "FR"), ("101.48", "BR")}


@pytest.mark.parametrize("ask", [
    "Raise the health budget to 15% of the national budget, as promised in the Abuja Declaration",
    "Reach UHC by extending NHIF cover to workers in the informal sector",
    "Ban tobacco advertising and raise tobacco taxes in line with the FCTC",
    "Repaint the national stadium",
    "the and of to",  # nothing but stop words
    "",
])
def test_an_ask_no_recommendation_takes_up_gets_no_suggestion(pool, ask):
    assert pool.suggest(Ask(ask, themes=("Right to health",), target_states=("SA", "DE", "GB"), cycle=1)) == []


def test_a_lobbied_state_comes_first_among_equal_recommendations(pool):
    # Austria, Germany and Ireland each made 103.1 "Abolish the death penalty", word for word.
    same_text = {("103.1", "AT"), ("103.1", "DE"), ("103.1", "IE")}
    assert set(top(pool, "Abolish the death penalty")) == same_text
    assert first(pool, "Abolish the death penalty", target_states=("IE",)) == ("103.1", "IE")
    assert first(pool, "Abolish the death penalty", target_states=("DE", "FR")) == ("103.1", "DE")
    best = pool.rank(Ask("Abolish the death penalty", target_states=("IE",), cycle=1), limit=2)
    assert best[0].target_state and not best[1].target_state
    assert best[0].score > best[1].score


def test_themes_and_states_never_make_an_unrelated_recommendation_a_suggestion():
    candidates = [Candidate(1, "Strengthen the fight against poverty", ("Right to health",), ("SN",)),
                  Candidate(2, "Increase the health budget in line with the Abuja Declaration", (), ("DE",))]
    ask = Ask("Increase the health budget to 15 per cent (Abuja Declaration)", themes=("Right to health",),
              target_states=("SN",))
    assert [s.candidate.id for s in suggest(ask, candidates)] == [2]
    ranked = rank(ask, candidates)
    assert [s.candidate.id for s in ranked] == [2]  # shares no word with the ask: not ranked at all


def test_a_suggestion_says_what_it_is_made_of():
    candidates = [Candidate("a", "Improve access to reproductive health services for pregnant women",
                            ("Right to health", "Women's rights"), ("TR",), 1)]
    [s] = rank(Ask("Pregnant women must get SRHR services", themes=("right to health", "Maternal health"),
                   target_states=("TR",), cycle=1), candidates)
    assert s.suggested and s.target_state
    assert s.shared_themes == ("right to health",)
    assert {"pregnant", "reproductiv", "servic"} <= set(s.matched_terms)
    assert s.score == pytest.approx(s.text_score + matching.THEME_WEIGHT / 2 + matching.TARGET_STATE_BOOST, abs=1e-3)


def test_only_the_ask_s_cycle_is_searched():
    candidates = [Candidate(1, "Abolish the death penalty", cycle=2), Candidate(2, "Abolish the death penalty", cycle=3)]
    assert [s.candidate.id for s in rank(Ask("Abolish the death penalty", cycle=3), candidates)] == [2]
    assert {s.candidate.id for s in rank(Ask("Abolish the death penalty"), candidates)} == {1, 2}


def test_the_labelled_set_meets_the_bar(pool):
    """The committed labelled set under the shipped threshold rule (bench/matching.py prints the same)."""
    items = labelled_asks()
    assert len(items) >= 40 and sum(len(i.expected) for i in items) >= 40
    assert any(not i.expected for i in items)
    f = figures(items, rankings(pool, items), matching.THRESHOLD, matching.BEST_THRESHOLD)
    assert f.top3 >= 0.90  # the right recommendation in the first three
    assert f.mean_suggested <= 5  # suggestions to confirm per ask
    assert f.found >= 0.85  # the right one among the suggestions
    assert sum(1 for c in f.no_match_crossing if c) <= f.no_match // 5  # asks nothing takes up stay (nearly) empty
    held_out = items[2::3]  # the third the threshold rule was not tuned on
    h = figures(held_out, rankings(pool, held_out), matching.THRESHOLD, matching.BEST_THRESHOLD)
    assert h.top3 >= 0.90 and h.mean_suggested <= 5


def test_a_cycle_s_recommendations_load_as_candidates(app):
    factories.make_recommendation(cycle=3, reference="142.2", recommending_state="NO", themes=("HIV/AIDS",),
                                  text="Ensure universal access to antiretroviral treatment")
    factories.make_recommendation(cycle=3, reference="142.10", recommending_state="DE", themes=(),
                                  text="Abolish the death penalty")
    factories.make_recommendation(cycle=2, reference="120.1", recommending_state="FR",
                                  text="Ensure access to antiretroviral treatment")
    candidates = load_candidates(3)
    assert [(c.text, c.states, c.cycle) for c in candidates] == [
        ("Ensure universal access to antiretroviral treatment", ("NO",), 3),
        ("Abolish the death penalty", ("DE",), 3)]
    assert candidates[0].themes == ("HIV/AIDS",)
    [best] = rank(Ask("Antiretroviral treatment for everyone living with HIV", cycle=3), candidates)
    assert best.candidate.states == ("NO",) and best.candidate.id == candidates[0].id


def test_the_labelled_set_is_measured_on_what_the_import_stores(app, now):
    """The bench's candidates (read from the CSV) are the recommendations `load_candidates` gives once the
    file is imported: same references, states, texts and themes, so the figures hold for the app."""
    import_recommendations_file(RECOMMENDATIONS, None, now)
    db.session.commit()
    references = {rec.id: rec.full_reference for rec in db.session.scalars(select(Recommendation))}
    candidates = load_candidates(1)
    # The file gives a joint paragraph once per state; engage holds it once with all its states.
    loaded = {(references[c.id], state, c.text, tuple(sorted(c.themes))) for c in candidates for state in c.states}
    shipped = {(c.id[0], c.states[0], c.text, tuple(sorted(c.themes))) for c in cycle1_candidates()}
    assert loaded == shipped and len(loaded) == 166 and len(candidates) == 164
