"""The one place that reads the clock, plus time-zone helpers for display and input."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

NAIROBI = "Africa/Nairobi"
GENEVA = "Europe/Zurich"
REFERENCE_ZONES = (NAIROBI, GENEVA)

# Cities whose zone we can infer when an organisation has none set.
CITY_TIMEZONES = {
    "nairobi": NAIROBI,
    "mombasa": NAIROBI,
    "kisumu": NAIROBI,
    "geneva": GENEVA,
    "genève": GENEVA,
    "geneve": GENEVA,
    "le grand-saconnex": GENEVA,
    "pregny-chambésy": GENEVA,
    "meyrin": GENEVA,
    "bellevue": GENEVA,
    "bern": GENEVA,
    "new york": "America/New_York",
    "addis ababa": "Africa/Addis_Ababa",
    "kampala": "Africa/Kampala",
    "dar es salaam": "Africa/Dar_es_Salaam",
    "brussels": "Europe/Brussels",
    "london": "Europe/London",
}

ZONE_LABELS = {NAIROBI: "Nairobi", GENEVA: "Geneva"}
# The days engage accepts in dates and filters: year 1 or 9999 overflowed as soon as a zone was applied.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)
DAY_RANGE_PROBLEM = f"Must be between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}."


def day_in_range(day: date) -> bool:
    """Whether a date (or a datetime's date) lies between EARLIEST_DAY and LATEST_DAY."""
    if isinstance(day, datetime):
        day = day.date()
    return EARLIEST_DAY <= day <= LATEST_DAY


def now_utc() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def is_valid_timezone(name: str | None) -> bool:
    """True when `name` is a real IANA zone that zoneinfo can load."""
    if not name or not isinstance(name, str) or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def timezone_for_city(city: str | None) -> str | None:
    """The IANA zone we assume for a known city, or None."""
    if not city:
        return None
    return CITY_TIMEZONES.get(city.strip().lower())


def all_timezones() -> list[str]:
    """Every IANA zone name, sorted, for pickers."""
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


def as_utc(value: datetime) -> datetime:
    """An aware datetime converted to UTC; naive input is refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a time without a zone is ambiguous")
    return value.astimezone(UTC)


class LocalTimeError(ValueError):
    """A wall-clock time that does not exist, or exists twice, in its zone."""


def localise(day: date, at: time, zone: str, fold: int | None = None) -> datetime:
    """Turn a wall-clock date and time in `zone` into an aware datetime.

    A time in the spring-forward gap is refused; a time in the autumn fold is refused unless
    the caller says which of the two (fold=0 the first, summer-time one; fold=1 the second).
    """
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    # Round-trip through UTC: a gap time does not come back as the same wall-clock time.
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise LocalTimeError(
            f"{naive:%H:%M} on {format_date(day)} does not exist in {zone} (the clocks go forward)"
        )
    if first.utcoffset() != second.utcoffset():
        if fold is None:
            raise LocalTimeError(
                f"{naive:%H:%M} on {format_date(day)} happens twice in {zone} (the clocks go back): "
                "say which one"
            )
        return second if fold else first
    return first


def zone_abbreviation(value: datetime, zone: str) -> str:
    """Short name of the zone at that instant, e.g. EAT, CEST, CET."""
    abbr = value.astimezone(ZoneInfo(zone)).tzname() or zone
    return abbr


def zone_label(zone: str) -> str:
    """A person's name for a zone: Nairobi, Geneva, or the IANA city."""
    return ZONE_LABELS.get(zone) or zone.rsplit("/", 1)[-1].replace("_", " ")


def format_date(value: date) -> str:
    """6 Jul 2027 — the UK/Kenyan order."""
    return f"{value.day} {value:%b %Y}"


def format_in_zone(value: datetime, zone: str, with_date: bool = True, seconds: bool = False) -> str:
    """'Tue 6 Jul 2027, 10:00 Geneva (CEST)' for an instant shown in `zone` ('10:00:07' with `seconds`)."""
    local = value.astimezone(ZoneInfo(zone))
    label = f"{zone_label(zone)} ({local.tzname()})"
    clock_time = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    if with_date:
        return f"{local:%a} {format_date(local.date())}, {clock_time} {label}"
    return f"{clock_time} {label}"


def display_zones(zone: str) -> list[str]:
    """The meeting's own zone first, then Nairobi and Geneva when they differ from it."""
    zones = [zone]
    for ref in REFERENCE_ZONES:
        if ref not in zones:
            zones.append(ref)
    return zones


# The two multi-zone formats are pure (the same instant and zone always read the same) and lists call
# them for every row, several zones each: remembered, a page of meetings seen before costs nothing.
@lru_cache(maxsize=4096)
def format_multi_zone(value: datetime, zone: str) -> str:
    """'Tue 6 Jul 2027, 10:00 Geneva (CEST) · 11:00 Nairobi (EAT)': own zone with date, others time only.

    Another zone's time carries its own date when it falls on a different day.
    """
    parts = [format_in_zone(value, zone)]
    own_day = value.astimezone(ZoneInfo(zone)).date()
    for other in display_zones(zone)[1:]:
        local = value.astimezone(ZoneInfo(other))
        parts.append(format_in_zone(value, other, with_date=local.date() != own_day))
    return " · ".join(parts)


def local_time_problem(day: date, at: time, zone: str) -> str | None:
    """'gap' when that wall-clock time does not exist in `zone`, 'fold' when it happens twice, else None."""
    try:
        localise(day, at, zone)
    except LocalTimeError:
        tz = ZoneInfo(zone)
        naive = datetime.combine(day, at)
        first = naive.replace(tzinfo=tz, fold=0)
        if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
            return "gap"
        return "fold"
    return None


def fold_choices(day: date, at: time, zone: str) -> list[tuple[int, str]]:
    """For a time in the autumn fold: [(0, '02:30 CEST (UTC+02:00), the first'), (1, '… CET …, an hour later')]."""
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, at)
    choices = []
    for fold, when in ((0, "the first time"), (1, "the second time, after the clocks went back")):
        local = naive.replace(tzinfo=tz, fold=fold)
        offset = local.utcoffset()
        sign = "-" if offset < timedelta(0) else "+"
        minutes = abs(int(offset.total_seconds())) // 60
        choices.append((fold, f"{local:%H:%M} {local.tzname()} (UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}), "
                              f"{when}"))
    return choices


def format_range_in_zone(starts_at: datetime, ends_at: datetime, zone: str, with_date: bool = True) -> str:
    """'Tue 6 Jul 2027, 10:00–11:00 Geneva (CEST)'; a range over midnight or a clock change says so."""
    tz = ZoneInfo(zone)
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    label = zone_label(zone)
    if start.date() != end.date():
        return (f"{start:%a} {format_date(start.date())}, {start:%H:%M} {start.tzname()} – "
                f"{end:%a} {format_date(end.date())}, {end:%H:%M} {end.tzname()} {label}")
    prefix = f"{start:%a} {format_date(start.date())}, " if with_date else ""
    if start.tzname() != end.tzname():
        return f"{prefix}{start:%H:%M} {start.tzname()}–{end:%H:%M} {end.tzname()} {label}"
    return f"{prefix}{start:%H:%M}–{end:%H:%M} {label} ({start.tzname()})"


@lru_cache(maxsize=4096)
def format_multi_zone_range(starts_at: datetime, ends_at: datetime, zone: str) -> str:
    """'Tue 6 Jul 2027, 10:00–11:00 Geneva (CEST) · 11:00–12:00 Nairobi (EAT)'."""
    parts = [format_range_in_zone(starts_at, ends_at, zone)]
    own_day = starts_at.astimezone(ZoneInfo(zone)).date()
    for other in display_zones(zone)[1:]:
        local = starts_at.astimezone(ZoneInfo(other))
        parts.append(format_range_in_zone(starts_at, ends_at, other, with_date=local.date() != own_day))
    return " · ".join(parts)


def start_of_day(day: date, zone: str) -> datetime:
    """Midnight of `day` in `zone`, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))


__all__ = [
    "UTC", "NAIROBI", "GENEVA", "now_utc", "is_valid_timezone", "timezone_for_city", "as_utc",
    "localise", "LocalTimeError", "format_in_zone", "format_multi_zone", "format_date",
    "zone_abbreviation", "zone_label", "display_zones", "all_timezones", "start_of_day", "timedelta",
    "local_time_problem", "fold_choices", "format_range_in_zone", "format_multi_zone_range",
]
