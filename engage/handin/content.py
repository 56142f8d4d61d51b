"""What a report to hand in says, built from the data: plain values the .docx, the PDF and the pages all read.

The layout follows what UPR Info's guide "UPR Mid-term reporting: Optimising Sustainable
Implementation" (2018), section 6 "Presentation of the report" (6.1 Structure, 6.2 Joint CSO
mid-term reporting), and OHCHR's guidance for reports on implementation describe: a cover naming
who reports and the period covered, an introduction and the method used, then per recommendation
(or cluster) the recommendation as made with its recommending state(s), the position the state
under review took, the status of implementation with the evidence for it, and the reporting
organisation's own comment; references gathered as a list of sources. See docs/architecture.md,
"Reports to hand in".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from babel import Locale
from babel.dates import format_date
from flask_babel import gettext as _

from engage.countries import country_name
from engage.i18n import ENGLISH, N_, current_language
from engage.recommendations.models import RESPONSES

# A report is written in the language of the page that makes it (its reader's); what it quotes (the
# recommendations, the evidence, the comments) stays as written.
RESTRICTED = N_("Restricted")
NO_INFORMATION = N_("No information")


def long_date(day: date | None) -> str:
    """7 December 2026 (the way UN documents write dates); 7 décembre 2026 in French."""
    if not day:
        return ""
    language = current_language()
    return f"{day.day} {day:%B %Y}" if language == ENGLISH else format_date(day, "d MMMM y", locale=language)


def state_name(code: str) -> str:
    """A state's name in the report's language: CLDR's for a language other than English ("Allemagne")."""
    language = current_language()
    if language != ENGLISH:
        named = Locale.parse(language).territories.get(code.upper())
        if named:
            return named
    return country_name(code) or code


@dataclass(frozen=True)
class Source:
    """One entry of the sources list: a link, a document, a report named by the assessor, or a meeting."""

    text: str
    url: str | None = None
    restricted: bool = False

    @property
    def shown(self) -> str:
        """As the list prints it: "Meeting with Ministry of Health, 7 December 2026 (Restricted)"."""
        text = f"{self.text}: {self.url}" if self.url and self.url != self.text else self.text
        return f"{text} ({_(RESTRICTED)})" if self.restricted else text


@dataclass
class Evidence:
    """The assessment an item reports: its status, date, evidence text and where it came from."""

    status: str
    status_label: str
    assessed_on: date | None
    text: str | None = None
    restricted: bool = False
    sources: list[Source] = field(default_factory=list)
    source_numbers: list[int] = field(default_factory=list)  # in the report's sources list, from 1

    @property
    def shown_text(self) -> str:
        """The evidence as the report prints it, marked when it comes from a restricted record."""
        text = self.text or ""
        return f"[{_(RESTRICTED)}] {text}".strip() if self.restricted else text


@dataclass
class Item:
    """One recommendation in a report."""

    recommendation_id: int
    reference: str
    text: str
    states: list[str]  # ISO codes, in the report's order
    response: str
    themes: list[str] = field(default_factory=list)
    ministries: list[str] = field(default_factory=list)
    evidence: Evidence | None = None
    comment: str = ""
    cluster_id: int | None = None

    @property
    def state_names(self) -> str:
        return ", ".join(state_name(code) for code in self.states)

    @property
    def response_label(self) -> str:
        return RESPONSES.get(self.response, self.response)

    @property
    def status_label(self) -> str:
        return self.evidence.status_label if self.evidence else NO_INFORMATION


@dataclass
class Cluster:
    """A cluster the report's recommendations belong to (the same demand across cycles), with the coalition's comment on it."""

    id: int
    name: str
    description: str | None = None
    comment: str = ""


@dataclass
class Group:
    """The items of one cluster (or of none), as section 3 lays them out."""

    cluster: Cluster | None
    items: list[Item]


@dataclass
class Report:
    """A report to hand in, ready to be written out."""

    kind: str  # midterm | annex
    coalition: str
    cycle: int
    state_under_review: str
    period_from: date | None
    period_to: date | None
    made_on: date
    themes: list[str] = field(default_factory=list)
    ministries: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    clusters: dict[int, Cluster] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    introduction: str = ""
    methodology: str = ""
    conclusion: str = ""

    @property
    def title(self) -> str:
        if self.kind == "annex":
            return _("Annex: implementation of the recommendations of the %(cycle)s cycle", cycle=ordinal(self.cycle))
        return _("Mid-term report on the implementation of the %(cycle)s cycle recommendations",
                 cycle=ordinal(self.cycle))

    @property
    def state_name(self) -> str:
        return state_name(self.state_under_review)

    @property
    def period_label(self) -> str:
        """1 March 2022 – 28 November 2026; "up to …" or "from …" when one end is open."""
        if self.period_from and self.period_to:
            return f"{long_date(self.period_from)} – {long_date(self.period_to)}"
        if self.period_to:
            return _("up to %(day)s", day=long_date(self.period_to))
        if self.period_from:
            return _("from %(day)s", day=long_date(self.period_from))
        return _("up to %(day)s", day=long_date(self.made_on))

    @property
    def scope_label(self) -> str:
        """What it covers, in a sentence: themes and ministries chosen."""
        parts = [_("recommendations of the %(cycle)s UPR cycle", cycle=ordinal(self.cycle))]
        if self.themes:
            parts.append(_("on %(themes)s", themes=", ".join(self.themes)))
        if self.ministries:
            parts.append(_("for which %(names)s are responsible", names=", ".join(self.ministries))
                         if len(self.ministries) > 1 else _("for which %(name)s is responsible", name=self.ministries[0]))
        return " ".join(parts)

    @property
    def groups(self) -> list[Group]:
        """Section 3 by cluster: each cluster's items together, in the order first met, then those in none."""
        if not self.clusters:
            return [Group(None, list(self.items))]
        grouped: dict[int | None, list[Item]] = {}
        for item in self.items:
            grouped.setdefault(item.cluster_id if item.cluster_id in self.clusters else None, []).append(item)
        groups = [Group(self.clusters[key], items) for key, items in grouped.items() if key is not None]
        if None in grouped:
            groups.append(Group(None, grouped[None]))
        return groups

    @property
    def status_counts(self) -> list[tuple[str, int]]:
        """How many items have each status, in the order first met."""
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.status_label] = counts.get(item.status_label, 0) + 1
        return list(counts.items())

    def number_sources(self) -> None:
        """Gather every item's sources into one numbered list (each once) and note each item's numbers."""
        index: dict[Source, int] = {}
        for item in self.items:
            if item.evidence is None:
                continue
            numbers = []
            for source in item.evidence.sources:
                if source not in index:
                    index[source] = len(index) + 1
                numbers.append(index[source])
            item.evidence.source_numbers = sorted(set(numbers))
        self.sources = list(index)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st; in French 1er, 2e, 4e."""
    if current_language() == "fr":
        return "1er" if n == 1 else f"{n}e"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
