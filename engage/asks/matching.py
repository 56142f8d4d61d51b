"""Which recommendations take up an ask: ranked suggestions for staff to confirm.

An ask is written the way the coalition pitches it ("Criminalise FGM and adopt a national anti-FGM
policy"); a recommendation the way the UN report prints it ("Adopt legislation and a coherent national
policy criminalizing female genital mutilation"). Staff confirm each suggestion as taken up in full,
in part or not, so the matcher's job is to put the right recommendations in the first few places and
to propose little else. It is lexical and runs in-process: no model, nothing fetched, no database
access while scoring (`load_candidates` is the one function that reads the database).

How a pair is scored, in order:

1. **Words.** Both texts go through `terms()`: accents and case folded, acronyms spelled out
   (`ACRONYMS`: "FGM" becomes "female genital mutilation" on whichever side wrote it, so the ask's
   acronym meets the report's words and the report's acronym meets the ask's words), words that carry
   no topic dropped (`STOP_WORDS`: function words, the UN's "take measures to continue to ensure",
   the coalition's "we call on Kenya to"), and each word cut to a light stem (`stem()`: plural,
   -ing/-ed, -ise/-ize/-isation/-ization, -ment, -ly, British and American spellings), so
   "criminalise", "criminalizing" and "criminalization" are one word.
2. **Text score (0–1).** Each word weighs its inverse document frequency over the candidate pool, so
   "mutilation" counts for much more than "rights". The score is the F2 of the weighted overlap: how
   much of the ask's weight the recommendation covers, counted four times as much as how much of the
   recommendation's weight the ask covers (an ask is shorter and broader than the recommendation that
   takes it up; a long paragraph listing ten treaties should still rank below one about the ask's
   treaty). A word of the ask that is not in the recommendation but is spelled almost like one of its
   words (rapidfuzz's ratio ≥ `FUZZY_MIN`, e.g. "humane"/"humanize" after stemming, or a typo) counts
   in proportion to that likeness.
3. **Shared themes** add up to `THEME_WEIGHT` (the share of the ask's themes the recommendation is
   tagged with), and a recommendation made by one of the ask's **target states** adds
   `TARGET_STATE_BOOST`. Both only apply once the text score reaches `TEXT_FLOOR`: a recommendation
   never becomes a suggestion by its tags or its state alone, and among recommendations of equal text
   (several states making one recommendation) the lobbied state comes first.
4. **Threshold rule.** A ranked recommendation is *suggested* (offered to staff to confirm) when its
   score reaches `THRESHOLD`; the first-ranked one already from `BEST_THRESHOLD`. The second, lower
   bar is there because a CSO paraphrase often shares few words with the recommendation that takes it
   up ("jobs for young people" / "work opportunities for young people"): the right one then still
   ranks first, with a modest score, while asks that nothing takes up rarely score that high anywhere.
   Both values were tuned on two thirds of a labelled set of real asks and recommendations
   (tests/asks/data/ask_matches.csv) and judged on the held-out third (bench/matching.py; figures
   and method in bench/RESULTS.md).

Speed: the pool's words, weights, vocabulary and an index from each word to the candidates using it
are prepared once (`Pool`); each ask then costs one rapidfuzz pass over the vocabulary for each of its
words, and touches only the candidates sharing a word with it — one to two milliseconds per ask
against a cycle's 300 recommendations (bench/RESULTS.md).
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process
from sqlalchemy import select

from engage.extensions import db
from engage.recommendations.models import Recommendation

# --- Tuning. The two thresholds are the only values tuned: on two thirds of the labelled set, then judged on the
# held-out third (bench/matching.py, bench/RESULTS.md). The weights below were set before the first measurement.
THRESHOLD = 0.43  # a suggestion from this score up
BEST_THRESHOLD = 0.31  # the first-ranked recommendation is a suggestion from this score up
TEXT_FLOOR = 0.20  # themes and target states count only from this text score up
THEME_WEIGHT = 0.10  # at most this much for sharing all of the ask's themes
TARGET_STATE_BOOST = 0.05  # made by a state the coalition lobbied
FUZZY_MIN = 88  # rapidfuzz ratio (0–100) from which two different stems count as the same word, in part
FUZZY_MIN_LENGTH = 5  # shorter stems only count when identical ("act" is not "art")
BETA = 2.0  # F-beta of the weighted overlap: the ask's coverage counts BETA² times the recommendation's

# Acronyms the coalition and the UN write both ways, spelled out on both sides before comparing. Kept
# to treaties, bodies and topics that recur in Kenya's reviews and health advocacy; an acronym not
# here is still compared as a word, so it only matches where both sides wrote it. Acronyms that are
# also English words once lower-cased ("WHO") are left out: "those who" would become an organisation.
ACRONYMS = {
    # treaties and their protocols
    "iccpr": "international covenant on civil and political rights",
    "icescr": "international covenant on economic social and cultural rights",
    "cedaw": "convention on the elimination of all forms of discrimination against women",
    "crc": "convention on the rights of the child",
    "crpd": "convention on the rights of persons with disabilities",
    "cat": "convention against torture",
    "opcat": "optional protocol to the convention against torture",
    "ced": "convention for the protection of all persons from enforced disappearance",
    "icrmw": "convention on the protection of the rights of all migrant workers and members of their families",
    "op": "optional protocol",
    "op2": "second optional protocol",
    "fctc": "framework convention on tobacco control",
    # bodies
    "icc": "international criminal court",
    "ilo": "international labour organization",
    "ohchr": "office of the high commissioner for human rights",
    "knchr": "kenya national commission on human rights",
    "nhri": "national human rights institution",
    "ipoa": "independent policing oversight authority",
    "csos": "civil society organisations",
    "cso": "civil society organisation",
    "ngos": "non governmental organisations",
    "upr": "universal periodic review",
    "nhif": "national hospital insurance fund",
    # topics
    "srhr": "sexual and reproductive health and rights",
    "srh": "sexual and reproductive health",
    "uhc": "universal health coverage",
    "fgm": "female genital mutilation",
    "gbv": "gender based violence",
    "sgbv": "sexual and gender based violence",
    "vaw": "violence against women",
    "hrds": "human rights defenders",
    "hrd": "human rights defender",
    "idps": "internally displaced persons",
    "idp": "internally displaced person",
    "lgbt": "lesbian gay bisexual and transgender",
    "lgbti": "lesbian gay bisexual transgender and intersex",
    "lgbtiq": "lesbian gay bisexual transgender intersex and queer",
    "sogi": "sexual orientation and gender identity",
    "esc": "economic social and cultural",
    "hiv": "hiv",  # kept as a word (not an expansion) so "hiv" is never taken for a stop word
    "mdgs": "millennium development goals",
    "sdgs": "sustainable development goals",
}

# Words that say nothing about the topic: English function words, the UN's recommendation openers and
# the coalition's ask openers. Compared before stemming.
STOP_WORDS = frozenset("""
a an the and or nor but of to in on for with without by at from as into onto upon within through
that which who whom whose this these those it its itself their theirs them they he she his her we our
us you your i be is are was were been being am has have had having do does did will would shall should
may might can could must not no so than then also both either neither each every any all such other
another same very more most much many few further furthermore including include includes included
especially particular particularly namely regard regarding relating related respect towards toward
while whilst where when whether there here about above after before between during under over again
kenya kenyan kenyans government authorities authority country state states party parties
take taking taken measure measures step steps effort efforts continue continued continuing ensure
ensuring ensures consider considering necessary appropriate effective effectively efficient efficiently
adequate adequately undertake undertaking strengthen strengthening intensify redouble pursue
sustain enhance enhancing accelerate expedite promptly urgently urgent matter priority
view aim aimed order line accordance soon possible relevant various concrete specific
full fully way ways means make making made give given put place
call calls urge urges demand demands recommend recommends recommendation recommendations ask asks
want wants need needs commit commits commitment
""".split())

# Spellings and word forms that light stemming cannot join, mapped to one form before stemming.
WORD_FORMS = {
    "children": "child", "women": "woman", "men": "man", "people": "person", "peoples": "person",
    "persons": "person", "programme": "program", "programmes": "program", "labor": "labour",
    "center": "centre", "centers": "centre", "defense": "defence", "maternal": "mother",
    "mothers": "mother", "penitentiary": "prison", "prisons": "prison", "judicial": "judiciary",
    "judges": "judiciary", "judge": "judiciary", "courts": "court",
}

_SUFFIXES = (  # longest first; the first that leaves a stem of at least 3 letters is cut
    ("ifications", "ify"), ("ification", "ify"), ("isations", ""), ("izations", ""), ("isation", ""),
    ("ization", ""), ("ational", "ate"), ("ations", ""), ("ation", ""), ("ising", ""), ("izing", ""),
    ("ised", ""), ("ized", ""), ("ises", ""), ("izes", ""), ("ise", ""), ("ize", ""), ("ments", ""),
    ("ment", ""), ("ities", ""), ("ity", ""), ("ness", ""), ("ings", ""), ("ing", ""), ("ies", "y"),
    ("ied", "y"), ("ly", ""), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("xes", "x"), ("ed", ""),
    ("ss", "ss"), ("us", "us"), ("is", "is"), ("s", ""),
)

_WORD = re.compile(r"[a-z0-9]+")
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@lru_cache(maxsize=16384)  # a pool repeats its words; ~1,500 distinct ones in a cycle
def stem(word: str) -> str:
    """A light stem: one suffix cut ("criminalizing" → "criminal"), then a final "e" dropped, so
    "measure"/"measures" and "displace"/"displacement" meet. Deliberately weaker than Porter's: UN and
    CSO wording differ in word form far more than in roots."""
    word = WORD_FORMS.get(word, word)
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) + len(replacement) >= 3:
            word = word[: len(word) - len(suffix)] + replacement
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("’", "'").replace("'s", "")
    words = []
    for token in _TOKEN.findall(text):
        joined = token.replace("-", "")
        # "OP-CAT" is the acronym "opcat"; "gender-based" is two words, as "gender based" is.
        words.extend([joined] if joined in ACRONYMS else token.split("-"))
    return words


def _expand(word: str) -> list[str]:
    expansion = ACRONYMS.get(word)
    return _WORD.findall(expansion) if expansion else [word]


def terms(text: str) -> frozenset[str]:
    """The stems a text is compared by: acronyms spelled out, stop words dropped."""
    out = set()
    for word in _words(text):
        for part in _expand(word):
            if part.isdigit():
                if len(part) >= 3:  # "Convention 169", "2007"; not "15" of "101.15" or "to 18"
                    out.add(part)
            elif part not in STOP_WORDS:
                out.add(stem(part))
    return frozenset(out)


@dataclass(frozen=True)
class Ask:
    """What the coalition asked for: its text, its themes, the states it lobbied, and the cycle."""

    text: str
    themes: Sequence[str] = ()
    target_states: Sequence[str] = ()
    cycle: int | None = None


@dataclass(frozen=True)
class Candidate:
    """A recommendation as the matcher sees it; `id` is the caller's (a database id, a reference)."""

    id: Hashable
    text: str
    themes: Sequence[str] = ()
    states: Sequence[str] = ()
    cycle: int | None = None


@dataclass(frozen=True)
class Suggestion:
    """One ranked candidate for an ask, with what its score is made of."""

    candidate: Candidate
    score: float
    text_score: float
    shared_themes: tuple[str, ...]
    target_state: bool
    matched_terms: tuple[str, ...] = field(default=())
    suggested: bool = False  # meets the threshold rule: offered to staff to confirm


def meets_threshold(position: int, score: float) -> bool:
    """The threshold rule for the candidate ranked at `position` (0 = first) with `score`."""
    return score >= THRESHOLD or (position == 0 and score >= BEST_THRESHOLD)


def _fold(values: Iterable[str]) -> set[str]:
    return {" ".join(v.casefold().split()) for v in values if v and v.strip()}


class Pool:
    """The candidates of one cycle (or several), prepared once for many asks."""

    def __init__(self, candidates: Iterable[Candidate]):
        self.candidates = list(candidates)
        self._terms = [terms(c.text) for c in self.candidates]
        self._themes = [_fold(c.themes) for c in self.candidates]
        self._states = [_fold(c.states) for c in self.candidates]
        df = Counter(t for ts in self._terms for t in ts)
        n = len(self.candidates)
        # Smoothed IDF; a word of the ask that no candidate uses weighs as much as the rarest one.
        self._unseen_weight = math.log((n + 1) / 1) + 1
        self._weight = {t: math.log((n + 1) / (d + 1)) + 1 for t, d in df.items()}
        self._totals = [sum(self._weight[t] for t in ts) for ts in self._terms]
        self._vocabulary = [t for t in df if len(t) >= FUZZY_MIN_LENGTH]
        self._postings: dict[str, list[int]] = {}
        for index, ts in enumerate(self._terms):
            for t in ts:
                self._postings.setdefault(t, []).append(index)

    def weight(self, term: str) -> float:
        """How much a word counts: rarer in the pool, more."""
        return self._weight.get(term, self._unseen_weight)

    def _near(self, ask_terms: frozenset[str]) -> dict[str, dict[str, float]]:
        """For each word of the ask, the pool's words spelled almost like it, with their likeness (0–1)."""
        near: dict[str, dict[str, float]] = {}
        for term in ask_terms:
            if len(term) < FUZZY_MIN_LENGTH:
                continue
            found = process.extract(term, self._vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN,
                                    limit=None)
            alike = {word: score / 100 for word, score, _ in found if word != term}
            if alike:
                near[term] = alike
        return near

    def rank(self, ask: Ask, limit: int | None = 10) -> list[Suggestion]:
        """The candidates best matching the ask, best first (ties: target state, then pool order)."""
        ask_terms = terms(ask.text)
        if not ask_terms:
            return []
        ask_themes, targets = _fold(ask.themes), _fold(ask.target_states)
        ask_total = sum(self.weight(t) for t in ask_terms)
        # Only candidates sharing a word with the ask can score: walk the ask's words' postings.
        covered: dict[int, float] = {}
        for term in ask_terms:
            for index in self._postings.get(term, ()):
                covered[index] = covered.get(index, 0.0) + self.weight(term)
        for term, alike in self._near(ask_terms).items():
            # A word spelled almost like one of the candidate's counts in proportion to the likeness
            # (the likest such word), unless the candidate has the word itself.
            best: dict[int, float] = {}
            for word, likeness in alike.items():
                for index in self._postings[word]:
                    if likeness > best.get(index, 0.0) and term not in self._terms[index]:
                        best[index] = likeness
            for index, likeness in best.items():
                covered[index] = covered.get(index, 0.0) + likeness * self.weight(term)
        scored = []
        for index, weight in covered.items():
            candidate = self.candidates[index]
            if ask.cycle is not None and candidate.cycle is not None and candidate.cycle != ask.cycle:
                continue
            recall = weight / ask_total  # how much of the ask the recommendation says
            precision = min(1.0, weight / self._totals[index])  # how much of the recommendation is the ask
            text = (1 + BETA**2) * precision * recall / (BETA**2 * precision + recall)
            themes = ask_themes & self._themes[index]
            targeted = bool(targets & self._states[index])
            score = text
            if text >= TEXT_FLOOR:
                if ask_themes:
                    score += THEME_WEIGHT * len(themes) / len(ask_themes)
                if targeted:
                    score += TARGET_STATE_BOOST
            scored.append((round(score, 4), targeted, -index, text, themes))
        scored.sort(key=lambda s: s[:3], reverse=True)
        if limit is not None:
            scored = scored[:limit]
        return [Suggestion(self.candidates[-minus], score, round(text, 4), tuple(sorted(themes)), targeted,
                           tuple(sorted(ask_terms & self._terms[-minus])), meets_threshold(position, score))
                for position, (score, targeted, minus, text, themes) in enumerate(scored)]

    def suggest(self, ask: Ask) -> list[Suggestion]:
        """The ranked candidates that reach the threshold: what staff are asked to confirm."""
        return [s for s in self.rank(ask, limit=None) if s.suggested]


def rank(ask: Ask, candidates: Iterable[Candidate], limit: int | None = 10) -> list[Suggestion]:
    """One ask against a list of candidates (for many asks, build a `Pool` once)."""
    return Pool(candidates).rank(ask, limit)


def suggest(ask: Ask, candidates: Iterable[Candidate]) -> list[Suggestion]:
    """The candidates that reach the threshold for one ask, best first."""
    return Pool(candidates).suggest(ask)


def cycle_recommendations(cycle: int) -> list[Recommendation]:
    """Every recommendation of a cycle, in paragraph order (their themes and states loaded with them)."""
    statement = (select(Recommendation).where(Recommendation.cycle == cycle)
                 .order_by(Recommendation.reference_sort, Recommendation.sub_item, Recommendation.id))
    return list(db.session.scalars(statement))


def as_candidate(recommendation: Recommendation) -> Candidate:
    """A recommendation as the matcher sees it (id = the recommendation's id)."""
    r = recommendation
    return Candidate(r.id, r.text, tuple(r.theme_names), tuple(r.recommending_states), r.cycle)


def load_candidates(cycle: int) -> list[Candidate]:
    """Every recommendation of a cycle as candidates (id = the recommendation's id), in paragraph order."""
    return [as_candidate(r) for r in cycle_recommendations(cycle)]
