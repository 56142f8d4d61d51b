"""Write schemas of the theme vocabulary: one per operation (docs/architecture.md, "Write schemas")."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from engage.schemas import Text
from engage.i18n import N_

from .models import Theme, ThemeMapping

# What a preview's or the themes page's choice posts to keep a name as a theme of its own.
KEEP = "__keep__"


class ThemeMappingCreate(BaseModel):
    """A name met in a file (or another vocabulary) and the engage theme it stands for from now on;
    `theme` "__keep__" keeps the name as a new theme of its own."""

    model_config = ConfigDict(extra="forbid")
    name: Text(ThemeMapping.name, required=N_("Give the name to map."))
    theme: Text(Theme.name, required=N_("Choose the engage theme it stands for, or keep it as a new theme."))

