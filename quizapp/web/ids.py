"""Ids in URLs and query strings, bounded to what the database's integer columns hold.

Werkzeug's ``int`` converter accepts any length of digits; an id past 2**31 - 1 would reach
the database and fail there (an overflow, a 500) instead of simply naming nothing (a 404).
"""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER


class IdConverter(IntegerConverter):
    """``<int:...>`` that matches 0 to MAX_ID only; anything larger is a 404."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def query_id(value: str) -> int:
    """``type=`` for request.args: a non-negative int in range, else ValueError (the default)."""
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError(f"{value} is out of range")
    return number
