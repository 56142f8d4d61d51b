"""Column types shared by every domain."""
import functools
import json
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, String, Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An instant: stored in UTC, always returned timezone-aware, naive input refused.

    SQLite keeps no offset, so values come back naive and are re-labelled as UTC here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError("UTCDateTime takes datetime objects")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class iso_utc(FunctionElement):  # noqa: N801 (an SQL function, named as one)
    """An instant of a UTCDateTime column as the API writes it, '2027-07-06T10:00:00Z' (UTC, whole
    seconds), formatted by the database: for lists that only print it, so no datetime is made per row."""

    type = String()
    name = "iso_utc"
    inherit_cache = True


@compiles(iso_utc)
def _iso_utc(element, compiler, **kw):
    # PostgreSQL: timestamptz shifted to UTC whatever the session's time zone; seconds cut, not rounded,
    # as datetime.isoformat(timespec="seconds") cuts them.
    return "to_char((%s) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')" % compiler.process(
        element.clauses, **kw)


@compiles(iso_utc, "sqlite")
def _iso_utc_sqlite(element, compiler, **kw):
    # SQLite keeps UTCDateTime values as UTC text ('2027-07-06 10:00:00.000000').
    return "strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', %s)" % compiler.process(element.clauses, **kw)


class JSONListText(TypeDecorator):
    """A JSON list column read for printing only: a tuple, each distinct stored text decoded once per
    process (most meetings share the same few tag and reminder lists); never for writing."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect):
        # SQLite hands back the stored text; PostgreSQL's driver decodes json columns itself.
        return dialect.type_descriptor(Text() if dialect.name == "sqlite" else JSON())

    def process_bind_param(self, value, dialect):
        raise TypeError("JSONListText is for reading")

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            return _decoded(value)
        return tuple(value)


@functools.lru_cache(maxsize=1024)
def _decoded(text: str) -> tuple:
    value = json.loads(text)
    return tuple(value) if isinstance(value, list) else value
