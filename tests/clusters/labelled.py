"""The labelled set of clusters across cycles (tests/clusters/data/slovenia_cycle3_to_cycle2.csv) against
the shipped OHCHR matrices of Slovenia's 2nd and 3rd cycles, and the figures the suggestions are
judged by. Shared by tests/clusters/test_labelled.py and bench/clusters.py, so both measure the same."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from engage.asks.matching import Ask, Candidate, Pool

ROOT = Path(__file__).resolve().parents[2]
MATRICES = ROOT / "tests" / "upr" / "data"
LABELLED = Path(__file__).resolve().parent / "data" / "slovenia_cycle3_to_cycle2.csv"


@cache
def matrix(cycle: int) -> tuple[Candidate, ...]:
    """Slovenia's recommendations of `cycle` (2 or 3) as the matcher sees them (id = the paragraph);
    text only: OHCHR's theme names are compared once mapped to engage's, which needs a database."""
    from engage.upr.ohchr import read_matrix  # the reader of the import; only needed here

    raw = (MATRICES / f"ohchr_thematic_list_slovenia_cycle{cycle}.docx").read_bytes()
    return tuple(Candidate(row["reference"], row["text"], (), tuple(row["recommending_states"].split(";")), cycle)
                 for _, row in read_matrix(raw, "SI").rows)


def labelled() -> dict[str, frozenset[str]]:
    """{3rd-cycle paragraph: the 2nd-cycle paragraphs making the same demand}."""
    with LABELLED.open(encoding="utf-8", newline="") as f:
        return {row["cycle3_reference"]: frozenset(p.strip() for p in row["same_demand_in_cycle2"].split(";")
                                                   if p.strip()) for row in csv.DictReader(f)}


def rankings() -> dict[str, list]:
    """Each labelled 3rd-cycle recommendation ranked against the whole 2nd cycle, as the app does it."""
    pool = Pool(matrix(2))
    texts = {c.id: c.text for c in matrix(3)}
    return {ref: pool.rank(Ask(texts[ref]), limit=None) for ref in labelled()}


@dataclass
class Figures:
    recommendations: int
    with_match: int
    first_right: float  # of those with a match, the first-ranked is one of them
    suggested: int  # pairs at or above the threshold
    suggested_right: float  # share of those that are labelled
    pairs_found: float  # share of labelled pairs suggested
    no_match_with_suggestion: int  # recommendations with no labelled match that got a suggestion
    no_match: int
    groups_found: int  # recommendations with a match that got at least one right suggestion


def figures(rule, ranked: dict[str, list] | None = None) -> Figures:
    """The figures for suggestions by `rule(position, score)` (position 0 = first-ranked), or from a
    threshold when `rule` is a number."""
    if isinstance(rule, (int, float)):
        threshold = rule
        rule = lambda _position, score: score >= threshold  # noqa: E731
    expected = labelled()
    ranked = ranked if ranked is not None else rankings()
    with_match = [r for r, e in expected.items() if e]
    first = sum(1 for r in with_match if ranked[r] and ranked[r][0].candidate.id in expected[r])
    suggested = {(r, s.candidate.id) for r in expected for i, s in enumerate(ranked[r]) if rule(i, s.score)}
    right = {p for p in suggested if p[1] in expected[p[0]]}
    pairs = {(r, c) for r, e in expected.items() for c in e}
    no_match = [r for r, e in expected.items() if not e]
    return Figures(len(expected), len(with_match), first / len(with_match), len(suggested),
                   len(right) / len(suggested) if suggested else 0.0, len(right & pairs) / len(pairs),
                   sum(1 for r in no_match if any(p[0] == r for p in suggested)), len(no_match),
                   sum(1 for r in with_match if any(p[0] == r for p in right)))
