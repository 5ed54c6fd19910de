"""CSV that spreadsheets and LMS gradebooks read safely: RFC 4180, UTF-8, no formula injection.

A cell a spreadsheet would run as a formula (starting with ``= + - @``, a tab or a carriage
return, or their full-width forms) is prefixed with an apostrophe, as OWASP advises; so is
a formula after a ``;`` or a line break inside text, where Excel in a locale whose list
separator is ``;`` (German, French...) starts a cell: ``Bob;=1+1`` becomes ``Bob;'=1+1``. Numbers
stay numbers (a negative score is not text), datetimes are ISO 8601 in UTC, booleans are
``true``/``false`` and missing values are empty.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
BOM = "\ufeff"


# Where such an Excel may start a cell inside our text: after a ";", and after a line break
# (reading our quotes wrongly, it can take one inside a cell for the end of the row).
FORMULA_INSIDE = re.compile(r"([;\r\n][\s\"]*)(?=[=+\-@\uff1d\uff0b\uff0d\uff20])")


def neutralise(value: str) -> str:
    """Return text a spreadsheet shows as text, never evaluates as a formula."""
    if ";" in value or "\n" in value or "\r" in value:
        value = FORMULA_INSIDE.sub(r"\1'", value)
    return "'" + value if value.lstrip(" ").startswith(FORMULA_STARTS) else value


def cell(value) -> str | int | float:
    """Return one value as it should appear in a CSV cell."""
    kind = type(value)  # exact types first: an export calls this for every cell
    if kind is str:
        return neutralise(value)
    if kind is int or kind is float:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:  # stored naive, always UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return neutralise(str(value))


class Cells(tuple):
    """A row whose values are already CSV cells (made with ``cell``): written as they are."""


def stream_rows(header: list[str], rows: Iterable[Iterable], bom: bool = False) -> Iterator[str]:
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
