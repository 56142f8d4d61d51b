"""Statements built once and kept per process, for the lists that run the same ones request after request.

A statement is a value, not data: kept, the same one runs again with its parameters, and SQLAlchemy
neither builds it nor walks it for its cache key again (on the engagement log, together about a
third of the page's time). The rows are read afresh every time.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Hashable


class KeptStatements:
    """Statements by key, the least recently used let go past `size`. The key must hold everything
    the statement depends on: filters, and the reader's `access.services.visibility_key` (the granted
    ids its visibility criteria hold)."""

    def __init__(self, size: int = 256):
        self.size = size
        self._kept: OrderedDict = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The statement kept under `key`, built by `build()` the first time."""
        found = self._kept.get(key)
        if found is not None:
            try:
                self._kept.move_to_end(key)
            except KeyError:  # another thread let it go meanwhile: still a good statement
                pass
            return found
        found = self._kept[key] = build()
        while len(self._kept) > self.size:
            try:
                self._kept.popitem(last=False)
            except KeyError:
                break
        return found
