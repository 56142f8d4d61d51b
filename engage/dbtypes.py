"""Column types shared by every domain."""
import functools
import json
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, String, Text
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


class UTCIsoText(TypeDecorator):
    """A UTCDateTime column read as the API writes an instant, '2027-07-06T10:00:00Z', for lists that
    only print it (`type_coerce(Meeting.starts_at, UTCIsoText())`); never for writing.

    SQLite keeps UTCDateTime values as text in UTC ('2027-07-06 10:00:00.000000'), so the text is cut
    and joined rather than parsed into a datetime, re-labelled, converted and formatted again.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(String() if dialect.name == "sqlite" else DateTime(timezone=True))

    def process_bind_param(self, value, dialect):
        raise TypeError("UTCIsoText is for reading")

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            if len(value) >= 19 and value[10] in " T" and value[19:20] in ("", "."):
                return f"{value[:10]}T{value[11:19]}Z"
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="seconds")[:19] + "Z"


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
