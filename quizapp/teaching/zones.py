"""A class's time zone: assignment dates are entered and shown in it, and stored in UTC.

Pure (the IANA database through zoneinfo). A date typed as "Friday 17:00" means 17:00 where
the class meets, whatever the instructor's or the server's own zone.
"""

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Return every IANA zone name, sorted (UTC first), for the class settings' choice."""
    names = sorted(n for n in available_timezones() if "/" in n and not n.startswith("Etc/"))
    return ("UTC", *names)


def is_zone(name: str) -> bool:
    """Return whether ``name`` is a time zone the server knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def to_utc(local: datetime, zone: str) -> datetime:
    """Return a wall-clock time in ``zone`` as naive UTC (how the database stores it).

    A time skipped or repeated by a clock change takes the offset before the change (fold 0).
    """
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC).replace(tzinfo=None)


def in_zone(utc: datetime, zone: str) -> datetime:
    """Return a stored (naive UTC) time as the wall clock in ``zone`` (naive)."""
    return utc.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def zone_label(utc: datetime, zone: str) -> str:
    """Return the zone's abbreviation at that moment ("BST", "CET"; the name when it has none)."""
    abbreviation = utc.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).tzname() or zone
    return zone if abbreviation.lstrip("+-").isdigit() else abbreviation
