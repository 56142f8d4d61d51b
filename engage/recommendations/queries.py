"""Catalogue queries: the themes, cycles and states recommendations use, for filters on many pages;
the recommendations by Sustainable Development Goal."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from engage.countries import country_name
from engage.extensions import db
from engage.i18n import N_

from .models import SDG_GOALS, Recommendation, RecommendationSdg, RecommendationState, Theme, ThemeGroup


def all_themes(with_groups: bool = False) -> list[Theme]:
    """Every theme, by name (with their groups loaded, for a page that shows them)."""
    query = select(Theme).order_by(Theme.name)
    return list(db.session.scalars(query.options(selectinload(Theme.groups)) if with_groups else query))


def themes_query(group: str | None = None):
    """A select() of the themes by name (those of the group with key `group`, if given)."""
    query = select(Theme).options(selectinload(Theme.groups)).order_by(Theme.name, Theme.id)
    if group:
        query = query.where(Theme.groups.any(ThemeGroup.key == group))
    return query


# The group the planning view's quick pick and the coverage matrix's preset stand for (data/themes.csv).
HEALTH_GROUP = "health"


def theme_groups() -> list[ThemeGroup]:
    """Every theme group, by name, with its themes (one query more)."""
    return list(db.session.scalars(select(ThemeGroup).options(selectinload(ThemeGroup.themes))
                                   .order_by(ThemeGroup.name)))


def group_theme_names(key: str) -> list[str]:
    """The names of the themes in the group with that key ("health"), by name; [] for no such group."""
    return list(db.session.scalars(select(Theme.name).join(Theme.groups).where(ThemeGroup.key == key)
                                   .order_by(Theme.name)))


def health_theme_names() -> list[str]:
    """The Health group's themes (right to health, HIV/AIDS, SRHR, mental health…)."""
    return group_theme_names(HEALTH_GROUP)


def cycles_in_use() -> list[int]:
    """The cycles that have recommendations, newest first."""
    return list(db.session.scalars(select(Recommendation.cycle).distinct().order_by(Recommendation.cycle.desc())))


def states_in_use() -> list[tuple[str, str]]:
    """(code, name) of every recommending state, by name, for the filter."""
    codes = db.session.scalars(select(RecommendationState.state).distinct())
    return sorted(((c, country_name(c)) for c in codes), key=lambda p: p[1])


def recommendation_choices() -> list[tuple]:
    """Every recommendation as a picker option, newest cycle first and 101.2 before 101.10 (natural order);
    the option's text carries the reference, the state and the words, which the picker searches."""
    recs = db.session.scalars(select(Recommendation).order_by(Recommendation.cycle.desc(),
                                                              Recommendation.reference_sort, Recommendation.id))
    return [(r.id, f"{r.full_reference} ({r.state_name}, cycle {r.cycle}): {r.text[:90]}",
             {"data-name": r.label}) for r in recs]


@dataclass
class GoalRow:
    """The recommendations linked to one Sustainable Development Goal (or to none: goal None), by
    Kenya's response."""

    goal: int | None
    name: str
    responses: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.responses.values())


def recommendations_by_sdg(cycle: int | None = None) -> list[GoalRow]:
    """Goals 1–17, each with its recommendations (of `cycle`, or all) counted by response, then the
    recommendations linked to no goal. A recommendation linked to two goals counts under each; a
    joint one once. Two statements."""
    rows = {n: GoalRow(n, name) for n, name in SDG_GOALS.items()}
    linked = (select(RecommendationSdg.goal, Recommendation.response, func.count())
              .join(Recommendation, Recommendation.id == RecommendationSdg.recommendation_id)
              .group_by(RecommendationSdg.goal, Recommendation.response))
    unlinked = (select(Recommendation.response, func.count())
                .where(~select(RecommendationSdg.recommendation_id)
                       .where(RecommendationSdg.recommendation_id == Recommendation.id).exists())
                .group_by(Recommendation.response))
    if cycle is not None:
        linked = linked.where(Recommendation.cycle == cycle)
        unlinked = unlinked.where(Recommendation.cycle == cycle)
    for goal, response, count in db.session.execute(linked):
        if goal in rows:
            rows[goal].responses[response] += count
    none = GoalRow(None, N_("No goal linked"))
    for response, count in db.session.execute(unlinked):
        none.responses[response] += count
    return [*rows.values(), none]
