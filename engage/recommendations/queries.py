"""Catalogue queries: the themes, cycles and states recommendations use, for filters on many pages."""
from __future__ import annotations

import re

from sqlalchemy import select

from engage.countries import country_name
from engage.extensions import db

from .models import Recommendation, Theme


def all_themes() -> list[Theme]:
    """Every theme, by name."""
    return list(db.session.scalars(select(Theme).order_by(Theme.name)))


# Theme names that count as health-related: the planning view's quick pick and the coverage matrix's
# "health themes" group (right to health, HIV/AIDS, sexual and reproductive health, mental health…).
HEALTH_THEME_RE = re.compile(
    r"\b(health|hiv|aids|srhr|sexual|reproductive|maternal|tuberculosis|malaria|medical|medicine)",
    re.IGNORECASE)


def health_theme_names() -> list[str]:
    """Names of the themes that look health-related (health, HIV/AIDS, sexual and reproductive…)."""
    return [t.name for t in all_themes() if HEALTH_THEME_RE.search(t.name)]


def cycles_in_use() -> list[int]:
    """The cycles that have recommendations, newest first."""
    return list(db.session.scalars(select(Recommendation.cycle).distinct().order_by(Recommendation.cycle.desc())))


def states_in_use() -> list[tuple[str, str]]:
    """(code, name) of every recommending state, by name, for the filter."""
    codes = db.session.scalars(select(Recommendation.recommending_state).distinct())
    return sorted(((c, country_name(c)) for c in codes), key=lambda p: p[1])
