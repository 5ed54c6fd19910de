"""CSV that spreadsheets and LMS gradebooks read safely: RFC 4180, UTF-8, no formula injection.

A cell a spreadsheet would run as a formula (starting with ``= + - @``, a tab or a carriage
return, or any form that NFKC normalisation turns into one of them: full-width, small,
superscript...) is prefixed with an apostrophe, as OWASP advises; so is a formula after a ``;``
or a line break inside text, where Excel in a locale whose list separator is ``;`` (German,
French...) starts a cell: ``Bob;=1+1`` becomes ``Bob;'=1+1``. Numbers stay numbers (a negative
score is not text) in one format: whole numbers without ".0", others to 2 decimals, halves up.
Datetimes are ISO 8601 in UTC, booleans are ``true``/``false`` and missing values are empty.
"""

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import cast

from quizapp.rounding import half_up

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
BOM = "\ufeff"


# Where such an Excel may start a cell inside our text: after a ";", and after a line break
# (reading our quotes wrongly, it can take one inside a cell for the end of the row).
FORMULA_INSIDE = re.compile(r"([;\r\n][\s\"]*)(?=[=+\-@\uff1d\uff0b\uff0d\uff20])")


@lru_cache(maxsize=4096)
def _folded(char: str) -> str:
    """Return the character NFKC makes a character start with (U+FE66 small equals: "=")."""
    return unicodedata.normalize("NFKC", char)[:1] or char


def _fold(value: str) -> str:
    """Return ``value`` with each character NFKC-normalised on its own: one for one, so the
    positions of a formula found in it are its positions in ``value``."""
    return "".join(map(_folded, value))


def neutralise(value: str) -> str:
    """Return text a spreadsheet shows as text, never evaluates as a formula."""
    # Text that NFKC leaves alone (ASCII above all) is checked as it is, and fast.
    folded = value if value.isascii() else _fold(value)
    if ";" in folded or "\n" in folded or "\r" in folded:
        if folded is value:
            value = FORMULA_INSIDE.sub(r"\1'", value)
        else:
            for start in reversed([m.end(1) for m in FORMULA_INSIDE.finditer(folded)]):
                value = value[:start] + "'" + value[start:]
    return "'" + value if folded.lstrip(" ").startswith(FORMULA_STARTS) else value


def number(value: float | int | Decimal) -> int | float:
    """Return a number in the CSV's one format: whole numbers as integers, others to 2 places."""
    if not math.isfinite(value):
        return float(value)
    if float(value).is_integer():
        return int(value)
    return half_up(float(value), 2)


def cell(value: object) -> str | int | float:
    """Return one value as it should appear in a CSV cell."""
    kind = type(value)  # exact types first: an export calls this for every cell
    if kind is str:
        return neutralise(cast(str, value))
    if kind is int:
        return cast(int, value)
    if kind is float:
        return number(cast(float, value))
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        return number(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:  # stored naive, always UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return neutralise(str(value))


class Cells(tuple[str | int | float, ...]):
    """A row whose values are already CSV cells (made with ``cell``): written as they are."""


def stream_rows(
    header: list[str], rows: Iterable[Iterable[object]], bom: bool = False
) -> Iterator[str]:
    """Yield the CSV text line by line (CRLF endings), the header first, in constant memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([cell(h) for h in header])
    yield (BOM if bom else "") + flush()
    for row in rows:
        writer.writerow(row if type(row) is Cells else [cell(v) for v in row])
        yield flush()
