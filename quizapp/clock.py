"""The one clock the app reads, so tests can move time (naive UTC datetimes throughout)."""

from datetime import UTC, datetime


def now() -> datetime:
    """Return the current time in UTC, without tzinfo (how the database stores it)."""
    return datetime.now(UTC).replace(tzinfo=None)
