"""engage's theme vocabulary: its own themes and groups (data/themes.csv), the names other vocabularies
give them (data/theme_mappings.csv: UPR Info issues, OHCHR codes and theme names; and the mappings
users add), and how a file's theme names resolve to engage's themes."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy import delete, func, select

from engage.audit.services import record_event
from engage.errors import NotFoundError, ValidationError
from engage.extensions import db
from engage.i18n import N_, Phrase
from engage.schemas import check

from .models import Theme, ThemeMapping, recommendation_theme
from .schemas import KEEP, ThemeMappingCreate

DATA = Path(__file__).parent / "data"
# OHCHR's 2nd-cycle theme codes lead the name ("E41 Right to health - General", "Theme: A12 …").
CODE_RE = re.compile(r"^\s*(?:theme\s*:\s*)?([A-H]\d{1,2})(?![\w])", re.IGNORECASE)
VOCABULARIES = {"upr_info": N_("UPR Info issue"), "ohchr_code": N_("OHCHR code"), "ohchr": N_("OHCHR theme"),
                "user": N_("added by a user")}


def theme_key(name: str) -> str:
    """A theme name as compared: case, spacing, punctuation and '&' / 'and' ignored ("HIV - Aids" is "HIV/AIDS")."""
    # An apostrophe joins ("Women's" is "womens"); any other punctuation separates words.
    name = re.sub(r"['\u2019`]", "", name.casefold()).replace("&", " and ")
    return " ".join(re.sub(r"[\W_]+", " ", name).split())


def code_key(name: str) -> str | None:
    """OHCHR's code at the start of a name, lower-cased ("e41"), or None."""
    match = CODE_RE.match(name)
    return match.group(1).lower() if match else None


def mapping_key(name: str) -> str:
    """What a mapping of `name` is stored under: its OHCHR code when it has one, else its theme_key."""
    return code_key(name) or theme_key(name)


def group_key(name: str) -> str:
    """A group's name as written in addresses: "Women and gender" is "women-and-gender"."""
    return theme_key(name).replace(" ", "-")


@dataclass(frozen=True)
class CuratedTheme:
    name: str
    groups: tuple[str, ...]


@cache
def curated_themes() -> tuple[CuratedTheme, ...]:
    """engage's own themes and their groups, as shipped."""
    with open(DATA / "themes.csv", encoding="utf-8", newline="") as fh:
        return tuple(CuratedTheme(row["name"].strip(), tuple(g.strip() for g in row["groups"].split(";") if g.strip()))
                     for row in csv.DictReader(fh))


@cache
def shipped_mappings() -> tuple[tuple[str, str, str], ...]:
    """(vocabulary, name, engage theme) for every name of another vocabulary engage knows."""
    with open(DATA / "theme_mappings.csv", encoding="utf-8", newline="") as fh:
        return tuple((row["vocabulary"], row["name"].strip(), row["theme"].strip()) for row in csv.DictReader(fh))


# ---- loading the vocabulary (the migration, `engage setup`, the demo) ----

# The tables as this code writes them, not the models: the migration that brought the vocabulary
# runs this, and must keep working whatever columns later revisions add.
_theme = sa.table("theme", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("curated", sa.Boolean))
_group = sa.table("theme_group", sa.column("id", sa.Integer), sa.column("key", sa.String), sa.column("name", sa.String))
_member = sa.table("theme_group_member", sa.column("theme_group_id", sa.Integer), sa.column("theme_id", sa.Integer))
_mapping = sa.table("theme_mapping", sa.column("id", sa.Integer), sa.column("key", sa.String),
                    sa.column("name", sa.String), sa.column("vocabulary", sa.String), sa.column("theme_id", sa.Integer))
_link = sa.table("recommendation_theme", sa.column("recommendation_id", sa.Integer), sa.column("theme_id", sa.Integer))


def sync_vocabulary(connection) -> dict[str, int]:
    """Load engage's themes, groups and shipped mappings, and fold the themes already held into them: a
    held theme named like one of engage's, or mapped to one, becomes it and its recommendations keep
    their tags. Run again, it adds only what is missing; returns what it added and folded."""
    held = {tid: name for tid, name in connection.execute(select(_theme.c.id, _theme.c.name))}
    counts = {"themes": 0, "groups": 0, "mappings": 0, "folded": 0}
    curated_ids: dict[str, int] = {}  # by theme_key
    for theme in curated_themes():
        key = theme_key(theme.name)
        same = [tid for tid, name in held.items() if theme_key(name) == key]
        exact = [tid for tid in same if held[tid] == theme.name]
        if same:
            tid = (exact or same)[0]
            connection.execute(_theme.update().where(_theme.c.id == tid).values(name=theme.name, curated=True))
            held[tid] = theme.name
        else:
            tid = connection.execute(_theme.insert().values(name=theme.name, curated=True).returning(_theme.c.id)).scalar()
            held[tid] = theme.name
            counts["themes"] += 1
        curated_ids[key] = tid
    groups = {key: gid for gid, key in connection.execute(select(_group.c.id, _group.c.key))}
    members = {(gid, tid) for gid, tid in connection.execute(select(_member.c.theme_group_id, _member.c.theme_id))}
    for theme in curated_themes():
        for name in theme.groups:
            if group_key(name) not in groups:
                groups[group_key(name)] = connection.execute(
                    _group.insert().values(key=group_key(name), name=name).returning(_group.c.id)).scalar()
                counts["groups"] += 1
            pair = (groups[group_key(name)], curated_ids[theme_key(theme.name)])
            if pair not in members:
                connection.execute(_member.insert().values(theme_group_id=pair[0], theme_id=pair[1]))
                members.add(pair)
    mapped = {key: tid for key, tid in connection.execute(select(_mapping.c.key, _mapping.c.theme_id))}
    for vocabulary, name, target in shipped_mappings():
        key = code_key(name) if vocabulary == "ohchr_code" else theme_key(name)
        if key not in mapped:
            mapped[key] = curated_ids[theme_key(target)]
            connection.execute(_mapping.insert().values(key=key, name=name, vocabulary=vocabulary, theme_id=mapped[key]))
            counts["mappings"] += 1
    # Fold every other held theme that engage's vocabulary names: "HIV - Aids" into "HIV/AIDS".
    curated = set(curated_ids.values())
    for tid, name in list(held.items()):
        if tid in curated:
            continue
        code = code_key(name)
        target = (mapped.get(code) if code else None) or curated_ids.get(theme_key(name)) or mapped.get(theme_key(name))
        if target is not None and target != tid:
            _fold(connection, tid, target)
            counts["folded"] += 1
    return counts


def _fold(connection, old_id: int, new_id: int) -> None:
    """Move theme `old_id`'s tags and mappings to `new_id`, then delete it (links first: foreign keys
    are off while SQLite migrates, so nothing cascades there)."""
    has_new = select(_link.c.recommendation_id).where(_link.c.theme_id == new_id)
    connection.execute(_link.insert().from_select(
        ["recommendation_id", "theme_id"],
        select(_link.c.recommendation_id, sa.literal(new_id)).where(_link.c.theme_id == old_id,
                                                                    _link.c.recommendation_id.not_in(has_new))))
    connection.execute(_link.delete().where(_link.c.theme_id == old_id))
    connection.execute(_member.delete().where(_member.c.theme_id == old_id))
    connection.execute(_mapping.update().where(_mapping.c.theme_id == old_id).values(theme_id=new_id))
    connection.execute(_theme.delete().where(_theme.c.id == old_id))


def load_vocabulary() -> dict[str, int]:
    """sync_vocabulary on the app's session (its transaction: the caller commits)."""
    counts = sync_vocabulary(db.session.connection())
    db.session.expire_all()
    return counts


# ---- resolving names ----

class ThemeIndex:
    """Every theme and mapping, loaded once (two queries), to resolve many names without a query each."""

    def __init__(self):
        self.themes = list(db.session.scalars(select(Theme)))
        self.curated = {theme_key(t.name): t for t in self.themes if t.curated}
        self.held = {theme_key(t.name): t for t in self.themes}
        self.mapped = {m.key: m.theme for m in db.session.scalars(select(ThemeMapping))}

    def get(self, name: str) -> Theme | None:
        """The theme `name` stands for: an OHCHR code's, one of engage's own by name, a mapped name's,
        then any held theme by name; None for a name engage does not know."""
        code = code_key(name)
        key = theme_key(name)
        return ((self.mapped.get(code) if code else None) or self.curated.get(key) or self.mapped.get(key)
                or self.held.get(key))

    def __getitem__(self, name: str) -> Theme:
        theme = self.get(name)
        if theme is None:
            raise KeyError(name)
        return theme

    def add(self, theme: Theme) -> None:
        self.held.setdefault(theme_key(theme.name), theme)


def map_names(names: Iterable[str], index: ThemeIndex | None = None) -> tuple[dict[str, str], list[str]]:
    """({name: the theme name it resolves to, or itself}, [names engage does not know, in order])."""
    index = ThemeIndex() if index is None else index
    resolved, unknown = {}, []
    for name in dict.fromkeys(names):
        theme = index.get(name)
        resolved[name] = theme.name if theme is not None else name
        if theme is None and theme_key(name) not in {theme_key(n) for n in unknown}:
            unknown.append(name)
    return resolved, unknown


# ---- mappings users make (the import preview, the themes page, the CLI) ----

def _theme_named(name: str, field: str) -> Theme:
    theme = db.session.scalars(select(Theme).where(func.lower(Theme.name) == name.lower())).first()
    if theme is None:
        raise ValidationError.for_fields({field: Phrase(N_("No theme called %(name)r: choose one from the list."),
                                                    name=name[:60])})
    return theme


def save_theme_mapping(actor, now, data) -> Theme:
    """Make a name (from a file, another vocabulary) stand for an engage theme from now on, or keep it as a
    new theme (`data`: a ThemeMappingCreate or what it validates); returns the theme it stands for.

    A held theme of that name that is not one of engage's own is folded into the chosen one, its
    recommendations keeping their tags."""
    body = check(ThemeMappingCreate, data)
    name = " ".join(body.name.split())
    index = ThemeIndex()
    if body.theme == KEEP:
        theme = index.get(name)
        if theme is None and len(name) > Theme.name.type.length:
            raise ValidationError.for_fields({"name": Phrase(N_("A theme's name has at most %(length)d characters; map it to "
                                                              "one of engage's themes instead."),
                                                           length=Theme.name.type.length)})
        if theme is None:
            theme = Theme(name=name, curated=False)
            db.session.add(theme)
            db.session.flush()
            record_event(actor, now, "theme_mapping_changed", theme, detail="kept as a new theme")
        return theme
    target = _theme_named(body.theme, "theme")
    key = mapping_key(name)
    if key == theme_key(target.name):
        return target
    if key in index.curated:
        raise ValidationError.for_fields({"name": Phrase(N_("%(name)r is one of engage's own themes; it cannot stand for "
                                                              "another."), name=name[:60])})
    mapping = db.session.scalars(select(ThemeMapping).where(ThemeMapping.key == key)).first()
    if mapping is None:
        mapping = ThemeMapping(key=key, name=name, vocabulary="user", created_at=now,
                               created_by_id=getattr(actor, "id", None))
        db.session.add(mapping)
    mapping.theme = target
    db.session.flush()
    record_event(actor, now, "theme_mapping_changed", mapping, detail="mapped")
    old = index.held.get(key)
    if old is not None and old.id != target.id and not old.curated:
        _fold(db.session.connection(), old.id, target.id)
        db.session.expire_all()
    return target


def delete_mapping(actor, now, mapping_id: int) -> None:
    """Forget a mapping: the name is unknown again at the next import (tags already made stay)."""
    if not 0 < mapping_id < 2**31 or \
            not db.session.execute(delete(ThemeMapping).where(ThemeMapping.id == mapping_id)).rowcount:
        raise NotFoundError(f"No theme mapping with id {mapping_id}.")
    record_event(actor, now, "theme_mapping_changed", object_type="theme_mapping", object_id=mapping_id,
                 detail="removed")


def mappings() -> list[ThemeMapping]:
    """Every mapping, users' first, then by vocabulary and name."""
    return list(db.session.scalars(select(ThemeMapping).order_by(
        (ThemeMapping.vocabulary != "user"), ThemeMapping.vocabulary, ThemeMapping.name)))


def theme_usage() -> dict[int, int]:
    """{theme id: how many recommendations are tagged with it}."""
    return {tid: n for tid, n in db.session.execute(select(recommendation_theme.c.theme_id, func.count())
                                                    .group_by(recommendation_theme.c.theme_id))}
