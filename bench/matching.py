"""Matching asks to recommendations: how often the right recommendation is proposed, and how much else is.

Runs engage.asks.matching over the labelled set (tests/asks/data/ask_matches.csv: asks in the
coalition's words for real recommendations of Kenya's first cycle, and asks no recommendation takes
up), with every recommendation of the cycle as candidates, and prints

- the share of asks with a match whose right recommendation is in the first three (goal ≥ 90 %);
- the mean number of suggestions above the threshold per ask (goal ≤ 5);
- for the asks with no match, how many suggestions crossed the threshold;

for the whole set under the shipped threshold rule, then the rule tuned on two thirds of the set and
judged on the held-out third, and a three-fold cross-validation (each third judged by the rule tuned
on the other two). Also: what each part of the score adds (ablations), a plain rapidfuzz
baseline, and the time for ~50 asks against ~300 recommendations.

    .venv/bin/python bench/matching.py           # print
    .venv/bin/python bench/matching.py --write   # also update bench/RESULTS.md
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, machine, write_section  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from engage.asks import matching  # noqa: E402
from engage.asks.matching import Candidate, Pool  # noqa: E402
from tests.asks.labelled import (  # noqa: E402
    LABELLED, cycle1_candidates, figures, labelled_asks, paragraph_and_state, rankings)

TITLE = "## Matching asks to recommendations (`bench/matching.py`)"
GRID = [round(0.20 + i / 100, 2) for i in range(61)]  # thresholds tried: 0.20 … 0.80


def tune(items, ranked) -> tuple[float, float]:
    """The pair (THRESHOLD, BEST_THRESHOLD ≤ it) with the best F1 of the (ask, recommendation) pairs it
    suggests; among equals, the highest values (fewer suggestions to confirm)."""
    rules = [(t, b) for t in GRID for b in GRID if b <= t]
    return max(rules, key=lambda rule: (round(figures(items, ranked, *rule).f1, 6), rule))


def tune_single(items, ranked) -> float:
    """The best single threshold (no lower bar for the first-ranked), for comparison."""
    return max(GRID, key=lambda t: (round(figures(items, ranked, t, t).f1, 6), t))


def folds(items):
    """Three folds by position (every third ask), so each holds asks with and without a match."""
    return [[i for n, i in enumerate(items) if n % 3 == k] for k in range(3)]


def pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def line(label: str, f, rule: tuple[float, float]) -> str:
    crossing = f"{sum(1 for c in f.no_match_crossing if c)} of {f.no_match} ({sum(f.no_match_crossing)} in all)"
    t = f"{rule[0]:.2f} / {rule[1]:.2f}"
    return (f"| {label} | {f.asks} ({f.with_match}) | {t} | {pct(f.top1)} | {pct(f.top3)} | {pct(f.found)} | "
            f"{f.mean_suggested:.2f} | {pct(f.precision)} | {pct(f.recall)} | {crossing} |")


HEADER = ("| set | asks (with a match) | threshold / first-ranked | right one first | right one in top 3 | right one above "
          "threshold | suggestions per ask | share of suggestions right | right pairs suggested | "
          "no-match asks with a suggestion |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")


@contextlib.contextmanager
def patched(**values):
    """Module settings of the matcher changed for one measurement (ablations)."""
    saved = {k: getattr(matching, k) for k in values}
    for k, v in values.items():
        setattr(matching, k, v)
    matching.stem.cache_clear()  # stems depend on WORD_FORMS
    try:
        yield
    finally:
        for k, v in saved.items():
            setattr(matching, k, v)
        matching.stem.cache_clear()


def rapidfuzz_baseline(candidates, items) -> float:
    """Top-3 share of plain rapidfuzz: token_set_ratio of the lower-cased texts, no weighting."""
    texts = [c.text.lower() for c in candidates]
    hits = with_match = 0
    for item in items:
        if not item.expected:
            continue
        with_match += 1
        best = process.extract(item.ask.text.lower(), texts, scorer=fuzz.token_set_ratio, limit=3)
        hits += any((candidates[i].id[0].split(" ")[0], candidates[i].id[1]) in item.expected for _, _, i in best)
    return hits / with_match


def timing(candidates, items, runs: int = 5) -> tuple[int, int, float]:
    """Asks × candidates and the median seconds to rank them all: the cycle's file twice over (a
    3rd-cycle review had 319 recommendations), every ask of the set."""
    pool_candidates = candidates + [Candidate(("copy",) + c.id, c.text, c.themes, c.states, c.cycle)
                                    for c in candidates]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        pool = Pool(pool_candidates)
        for item in items:
            pool.rank(item.ask)
        times.append(time.perf_counter() - start)
    return len(items), len(pool_candidates), statistics.median(times)


def misses(items, ranked) -> list[str]:
    out = []
    for item, ranking in zip(items, ranked, strict=True):
        keys = [paragraph_and_state(s) for s in ranking]
        above = [s for s in ranking if s.suggested]
        if item.expected and not any(k in item.expected for k in keys[:3]):
            out.append(f"- {item.ask_id} not in the top 3: {item.ask.text!r}")
        elif item.expected and not any(paragraph_and_state(s) in item.expected for s in above):
            out.append(f"- {item.ask_id} right one not above the threshold: {item.ask.text!r} "
                       f"(first: {keys[0][0]} {keys[0][1]}, {ranking[0].score:.2f})")
        elif not item.expected and above:
            out.append(f"- {item.ask_id} (no match) got {len(above)}: {item.ask.text!r} → "
                       + ", ".join(f"{paragraph_and_state(s)[0]} {paragraph_and_state(s)[1]} {s.score:.2f}"
                                   for s in above))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()

    candidates = cycle1_candidates()
    items = labelled_asks()
    pool = Pool(candidates)
    ranked = rankings(pool, items)
    shipped = (matching.THRESHOLD, matching.BEST_THRESHOLD)

    rows = [line("whole set, shipped rule", figures(items, ranked, *shipped), shipped)]
    # Held out: the last of every three asks; the threshold is tuned on the other two thirds only.
    parts = folds(items)
    by_ask = dict(zip((i.ask_id for i in items), ranked, strict=True))
    held, tuning = parts[2], parts[0] + parts[1]
    tuned = tune(tuning, [by_ask[i.ask_id] for i in tuning])
    rows.append(line("tuning two thirds, tuned rule", figures(tuning, [by_ask[i.ask_id] for i in tuning], *tuned),
                     tuned))
    rows.append(line("held-out third, that rule", figures(held, [by_ask[i.ask_id] for i in held], *tuned), tuned))
    single = tune_single(tuning, [by_ask[i.ask_id] for i in tuning])
    rows.append(line("held-out third, one threshold only (tuned on the two thirds)",
                     figures(held, [by_ask[i.ask_id] for i in held], single, single), (single, single)))
    cv = []
    for k in range(3):
        rest = [i for j, part in enumerate(parts) if j != k for i in part]
        t = tune(rest, [by_ask[i.ask_id] for i in rest])
        f = figures(parts[k], [by_ask[i.ask_id] for i in parts[k]], *t)
        cv.append((t, f))
        rows.append(line(f"fold {k + 1} judged by the rule tuned on the other two", f, t))
    whole_tuned = tune(items, ranked)

    ablations = [
        ("as shipped", {}, {}),
        ("without themes", {}, {"themes": False}),
        ("without target states", {}, {"states": False}),
        ("text only (no themes, no states)", {}, {"themes": False, "states": False}),
        ("without fuzzy word matching", {"FUZZY_MIN": 100}, {}),
        ("without the acronym table", {"ACRONYMS": {}}, {}),
        ("without the word-form table", {"WORD_FORMS": {}}, {}),
        ("ask coverage only (BETA very large)", {"BETA": 100.0}, {}),
        ("symmetric F1 (BETA = 1)", {"BETA": 1.0}, {}),
    ]
    ablation_rows = []
    for label, settings, options in ablations:
        with patched(**settings):
            r = rankings(Pool(candidates), items, **options)
        ablation_rows.append(line(label, figures(items, r, *shipped), shipped))
    baseline = rapidfuzz_baseline(candidates, items)
    n_asks, n_candidates, seconds = timing(candidates, items)
    missed = misses(items, ranked)

    when = datetime.now(UTC).strftime("%-d %b %Y, %H:%M UTC")
    rule = lambda r: f"{r[0]:.2f} / {r[1]:.2f}"  # noqa: E731
    with_match = [i for i in items if i.expected]
    section = f"""{TITLE}

The labelled set `{LABELLED.relative_to(ROOT)}`: {len(items)} asks in the coalition's words, {len(with_match)} of them
taken up by real recommendations of Kenya's first cycle (A/HRC/15/8; {sum(len(i.expected) for i in items)} right
(paragraph, state) pairs in all), {len(items) - len(with_match)} health asks that no recommendation of that cycle takes up
(health budget, UHC, HIV treatment, unsafe abortion, tobacco, health workers, mental health, medicines,
sterilisation, sanitary pads, hospital fees). Candidates: all {len(candidates)} recommendations of the cycle
(`engage/demo/data/kenya_upr_cycle1_2010_recommendations.csv`, split paragraphs as the import stores
them). "Right" means any of the ask's expected (paragraph, state) pairs. The threshold rule: a
recommendation is suggested from THRESHOLD, the first-ranked one from BEST_THRESHOLD (columns
"threshold / first-ranked"). Shipped: {rule(shipped)}; TEXT_FLOOR {matching.TEXT_FLOOR:.2f}, THEME_WEIGHT
{matching.THEME_WEIGHT:.2f}, TARGET_STATE_BOOST {matching.TARGET_STATE_BOOST:.2f}, FUZZY_MIN {matching.FUZZY_MIN},
BETA {matching.BETA:g}. ({when}; {machine()}; load average {os.getloadavg()[0]:.1f} from other test runs.)

{HEADER}
{chr(10).join(rows)}

**How the rule was tuned, and the guard against overfitting.** Only the two thresholds are tuned:
every pair on the grid 0.20–0.80 (steps of 0.01, the first-ranked bar at most the other), keeping
the pair with the best F1 of the (ask, recommendation) pairs it suggests (ties: the higher values, so
fewer suggestions to confirm). The set is cut into three folds by position (every third ask, so each
holds asks with and without a match). Tuned on folds 1–2 the rule is {rule(tuned)}, judged above on
the held-out fold 3, which took no part in choosing it; the cross-validation tunes on each pair of folds
and judges the third ({", ".join(rule(t) for t, _ in cv)}). The whole set would pick {rule(whole_tuned)}.
Shipped: {rule(shipped)}, {"the" if shipped == tuned else "NOT the"} rule tuned on folds 1–2. The first-ranked
bar was added after the first measurement (a single threshold, on all the asks) showed right
recommendations ranked first just under it; the row "one threshold only" is that rule, tuned and
judged the same way. The set itself grew after the first run: its first 54 asks put the right one in
the top 3 every time, so 18 broader asks further from the report's words (A55–A72, 15 with a match)
were added before any tuning. The weights (themes, target state, fuzzy likeness, BETA) were set before the
first run and not tuned; the ablations show what each adds. The spread of the thresholds tuned per fold
says the set is small: expect a few points either way on other asks.

**Ablations** (whole set, shipped rule; plain rapidfuzz — `token_set_ratio` of the lower-cased texts,
no stop words, no weighting — puts a right one in the top 3 for {pct(baseline)} of the asks with a match):

{HEADER}
{chr(10).join(ablation_rows)}

**Speed:** {n_asks} asks against {n_candidates} recommendations (the cycle's file twice) ranked in
{1000 * seconds:.0f} ms (median of 5, the pool prepared once per run).

**What it gets wrong under the shipped rule:**
{chr(10).join(missed) if missed else "- nothing on this set."}

**Caveats.** The asks were written for this set by someone who had read the recommendations, and the
word-form table (e.g. "maternal" → "mother", "penitentiary" → "prison") by the same hand: the ablation
without it shows how much the set leans on it. Themes are the UPR Info issue names the recommendations
carry once imported, and the target states often include a state that made the recommendation;
"text only" is the figure for asks tagged with neither. Cycle 1 has few health recommendations, so the
health asks here are mostly the ones with no match; the 2nd and 3rd cycles are not in the repository.
Being lexical, it is fooled where the ask's key word appears in no recommendation and its other words
are generic: "Ratify the Maputo Protocol" suggests "Consider ratifying OP-CAT" (Denmark, 0.46), since
"ratify" and "protocol" are all it can match; staff reject such a suggestion in one click.
"""
    print(section)
    if args.write:
        write_section(TITLE, section)


if __name__ == "__main__":
    main()
