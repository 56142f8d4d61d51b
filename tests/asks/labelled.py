"""The labelled set of asks (tests/asks/data/ask_matches.csv) against the recommendations of Kenya's
first cycle that the repository ships, and the figures the matcher is judged by. Shared by
tests/asks/test_matching.py and bench/matching.py, so both measure the same thing."""
from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from engage.asks.matching import Ask, Candidate, Pool, Suggestion
from engage.countries import country_code

ROOT = Path(__file__).resolve().parents[2]
RECOMMENDATIONS = ROOT / "engage" / "demo" / "data" / "kenya_upr_cycle1_2010_recommendations.csv"
LABELLED = Path(__file__).resolve().parent / "data" / "ask_matches.csv"
_EXPECTED = re.compile(r"^\s*(\d+\.\d+)\s*\(([^)]+)\)\s*$")


@dataclass(frozen=True)
class LabelledAsk:
    """One row of the labelled set: the ask, and the (paragraph, state code) pairs that take it up."""

    ask_id: str
    ask: Ask
    expected: frozenset[tuple[str, str]]


def split_list(cell: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in (cell or "").split(";") if p.strip())


def cycle1_candidates() -> list[Candidate]:
    """Every recommendation of the shipped cycle-1 file, as the UPR import stores them: one per paragraph
    and state; a paragraph UPR Info split into parts becomes "102.8 (1)", "102.8 (2)"… with the part's
    text, and the report's own items keep theirs ("103.1 (3)"). The id is (reference, state code)."""
    rows = list(csv.DictReader(RECOMMENDATIONS.open(encoding="utf-8")))
    parts = Counter((r["paragraph"], r["recommending_state"]) for r in rows)
    numbered: Counter = Counter()
    out = []
    for row in rows:
        key = (row["paragraph"], row["recommending_state"])
        code = country_code(row["recommending_state"])
        if parts[key] > 1:
            numbered[key] += 1
            reference, text = f"{row['paragraph']} ({numbered[key]})", row["upr_info_text"]
        elif row["sub_item"]:  # the report's own items: "103.1 (3)"
            reference, text = f"{row['paragraph']} ({row['sub_item']})", row["recommendation_text"]
        else:
            reference, text = row["paragraph"], row["recommendation_text"]
        out.append(Candidate((reference, code), text, split_list(row["issues"]), (code,), int(row["cycle"])))
    return out


def labelled_asks() -> list[LabelledAsk]:
    """The rows of the labelled set, in file order."""
    out = []
    for row in csv.DictReader(LABELLED.open(encoding="utf-8")):
        expected = set()
        for item in split_list(row["expected"]):
            paragraph, state = _EXPECTED.match(item).groups()
            expected.add((paragraph, country_code(state)))
        targets = tuple(country_code(s) for s in split_list(row["target_states"]))
        ask = Ask(row["ask"], split_list(row["themes"]), targets, int(row["cycle"]))
        out.append(LabelledAsk(row["ask_id"], ask, frozenset(expected)))
    return out


def paragraph_and_state(suggestion: Suggestion) -> tuple[str, str]:
    reference, state = suggestion.candidate.id
    return reference.split(" ")[0], state


@dataclass
class Figures:
    """What the matcher achieves on a set of labelled asks at one threshold."""

    asks: int
    with_match: int
    top1: float  # share of asks with a match whose first suggestion is a right one
    top3: float  # … with a right one among the first three
    found: float  # … with a right one above the threshold
    mean_suggested: float  # suggestions above the threshold per ask, all asks
    mean_suggested_with_match: float
    precision: float  # share of suggestions above the threshold that are right
    recall: float  # share of the right (paragraph, state) pairs above the threshold
    no_match: int
    no_match_crossing: list[int]  # for each ask with no match, how many suggestions crossed

    @property
    def f1(self) -> float:
        return 2 * self.precision * self.recall / (self.precision + self.recall) if self.precision + self.recall else 0


def rankings(pool: Pool, items: list[LabelledAsk], *, themes=True, states=True) -> list[list[Suggestion]]:
    """The full ranking of each ask; without `themes` or `states` the ask's own are left out (ablation)."""
    out = []
    for item in items:
        ask = Ask(item.ask.text, item.ask.themes if themes else (), item.ask.target_states if states else (),
                  item.ask.cycle)
        out.append(pool.rank(ask, limit=None))
    return out


def figures(items: list[LabelledAsk], ranked: list[list[Suggestion]], threshold: float,
            best_threshold: float) -> Figures:
    """The figures for these asks, given their rankings, under the threshold rule of engage.asks.matching
    with these two values (`threshold` for any, `best_threshold` for the first-ranked)."""
    top1 = top3 = found = right = shown = 0
    counts_all, counts_match, crossing = [], [], []
    expected_total = 0
    for item, ranking in zip(items, ranked, strict=True):
        keys = [paragraph_and_state(s) for s in ranking]
        above = [k for position, (s, k) in enumerate(zip(ranking, keys, strict=True))
                 if s.score >= threshold or (position == 0 and s.score >= best_threshold)]
        counts_all.append(len(above))
        if not item.expected:
            crossing.append(len(above))
            continue
        counts_match.append(len(above))
        expected_total += len(item.expected)
        top1 += bool(keys[:1] and keys[0] in item.expected)
        top3 += any(k in item.expected for k in keys[:3])
        hits = {k for k in above if k in item.expected}
        found += bool(hits)
        right += sum(1 for k in above if k in item.expected)
        shown += len(above)
    n = len(counts_match) or 1
    return Figures(
        asks=len(items), with_match=len(counts_match), top1=top1 / n, top3=top3 / n, found=found / n,
        mean_suggested=sum(counts_all) / (len(counts_all) or 1),
        mean_suggested_with_match=sum(counts_match) / n,
        precision=right / shown if shown else 0.0, recall=right / expected_total if expected_total else 0.0,
        no_match=len(crossing), no_match_crossing=crossing)
