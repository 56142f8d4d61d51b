"""Catalogue queries: the themes, cycles and states recommendations use, for filters on many pages."""
from __future__ import annotations

import re

from sqlalchemy import select

from engage.access.services import VISIBILITY_APPLIED
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


# (Recommendations and themes are never restricted: the marks below tell the access guard it need not
# walk these statements.)

def theme_names() -> list[str]:
    """The name of every theme, by name (the filters need no more of them)."""
    theme = Theme.__table__.c
    return list(db.session.scalars(select(theme.name).order_by(theme.name).execution_options(**VISIBILITY_APPLIED)))


def cycles_and_states() -> tuple[list[int], list[tuple[str, str]]]:
    """`cycles_in_use()` and `states_in_use()` from one statement, for pages whose filters offer both."""
    rec = Recommendation.__table__.c
    pairs = db.session.execute(select(rec.cycle, rec.recommending_state).distinct()
                               .execution_options(**VISIBILITY_APPLIED)).all()
    cycles = sorted({cycle for cycle, _ in pairs}, reverse=True)
    states = sorted(((c, country_name(c)) for c in {state for _, state in pairs}), key=lambda p: p[1])
    return cycles, states
