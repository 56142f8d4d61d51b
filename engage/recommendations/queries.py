"""Catalogue queries: the themes, cycles and states recommendations use, for filters on many pages."""
from __future__ import annotations

from sqlalchemy import select

from engage.countries import country_name
from engage.extensions import db

from .models import Recommendation, Theme


def all_themes() -> list[Theme]:
    """Every theme, by name."""
    return list(db.session.scalars(select(Theme).order_by(Theme.name)))


def cycles_in_use() -> list[int]:
    """The cycles that have recommendations, newest first."""
    return list(db.session.scalars(select(Recommendation.cycle).distinct().order_by(Recommendation.cycle.desc())))


def states_in_use() -> list[tuple[str, str]]:
    """(code, name) of every recommending state, by name, for the filter."""
    codes = db.session.scalars(select(Recommendation.recommending_state).distinct())
    return sorted(((c, country_name(c)) for c in codes), key=lambda p: p[1])
