"""CSV export cells: formula injection neutralised, types kept, RFC 4180 framing."""

import csv
import io
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from quizapp.formats.csvout import FORMULA_STARTS, cell, stream_rows


def parse(lines) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(lines), newline="")))


@given(st.lists(st.lists(st.text(), min_size=1, max_size=4), max_size=5))
def test_text_round_trips_and_never_starts_a_formula(rows):
    header = ["a", "b", "c", "d"]
    parsed = parse(stream_rows(header, rows))
    assert parsed[0] == header
    for original, back in zip(rows, parsed[1:], strict=True):
        for value, got in zip(original, back, strict=True):
            # csv.reader turns a lone \r inside quotes back into \r: compare exactly
            assert got.replace("'", "") == value.replace("'", "")  # apostrophes added, only
            assert not got.lstrip(" ").startswith(FORMULA_STARTS)


FORMULA = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


@given(st.lists(st.text(alphabet=st.sampled_from(" ;=+-@\"\t\r\n,'ax"), min_size=1), max_size=4))
def test_a_spreadsheet_splitting_on_semicolons_finds_no_formula_either(row):
    """Excel in a ``;`` locale (German, French...) splits the line at each ``;`` instead."""
    lines = "".join(list(stream_rows(["a"], [row]))[1:])
    for fields in csv.reader(io.StringIO(lines, newline=""), delimiter=";"):
        for field in fields:
            assert not field.lstrip(" \t\r\n").startswith(FORMULA), field


def test_a_full_name_with_semicolons_keeps_its_text_but_no_formula():
    assert cell("Bob;=1+1;x") == "Bob;'=1+1;x"
    assert cell('a; "@SUM(A1)') == "a; \"'@SUM(A1)"
    assert cell("10; 20; a-b") == "10; 20; a-b"


def test_dangerous_cells_are_prefixed():
    for value in (
        '=HYPERLINK("http://x")',
        "+1",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\uff1d1+1",
        "  =cmd|' /C calc'!A0",
    ):
        assert cell(value) == "'" + value


def test_numbers_stay_numbers_even_negative():
    assert parse(stream_rows(["n"], [[-1.5], [0], [3]]))[1:] == [["-1.5"], ["0"], ["3"]]


def test_booleans_none_and_datetimes():
    naive = datetime(2026, 3, 1, 12, 30, 5)
    aware = datetime(2026, 3, 1, 13, 30, 5, tzinfo=timezone(timedelta(hours=1)))
    assert cell(True) == "true" and cell(False) == "false" and cell(None) == ""
    assert cell(naive) == cell(aware) == "2026-03-01T12:30:05Z"
    assert cell(datetime(2026, 3, 1, tzinfo=UTC)) == "2026-03-01T00:00:00Z"


def test_lines_end_with_crlf_and_bom_is_optional():
    lines = list(stream_rows(["x"], [["a"], ["b"]], bom=True))
    assert lines[0] == "\ufeffx\r\n"
    assert lines[1:] == ["a\r\n", "b\r\n"]
    assert list(stream_rows(["x"], []))[0] == "x\r\n"


def test_streams_one_row_at_a_time():
    def endless():
        while True:
            yield ["row"]

    stream = stream_rows(["x"], endless())
    assert [next(stream) for _ in range(3)] == ["x\r\n", "row\r\n", "row\r\n"]
