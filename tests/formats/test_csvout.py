"""CSV export cells: formula injection neutralised, types kept, RFC 4180 framing."""

import csv
import io
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from quizapp.formats.csvout import FORMULA_STARTS, cell, stream_rows
from tests.factories import create_class, join
from tests.quizhelp import take_quiz_typing


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


# Compatibility forms that NFKC turns into "=", "+" and "@": an LMS or a spreadsheet that
# normalises what it imports would run them.
COMPAT_FORMULAS = [
    '\ufe66HYPERLINK("http://x.example","y")',  # small equals sign
    "\u207a1+1",  # superscript plus
    "\ufe6bSUM(A1)",  # small commercial at
    "Bob;\ufe66 1+1",  # after a ";", where Excel in a ";" locale starts a cell
]


def assert_no_cell_starts_a_formula(text: str, where: str) -> None:
    """Assert no cell, split at commas or at ";" as Excel may, is a formula once NFKC'd."""
    for delimiter in (",", ";"):
        for row in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter):
            for field in row:
                folded = unicodedata.normalize("NFKC", field).lstrip(' \t\r\n"')
                assert not folded.startswith(FORMULA), (where, delimiter, field)


def test_compatibility_form_formulas_are_neutralised_in_every_csv_export(app, teacher, runner):
    course_id, code = create_class(teacher)
    for i, payload in enumerate(COMPAT_FORMULAS):
        student = join(app, f"compat{i}", code, full_name=payload)  # through a student's name
        take_quiz_typing(app, student, "sample-cross", payload)  # and a typed answer
    exports = {
        url: teacher.get(url).get_data(as_text=True)
        for url in (
            f"/teach/classes/{course_id}/scores.csv?format=wide",
            f"/teach/classes/{course_id}/scores.csv?format=wide&bom=1",
            f"/teach/classes/{course_id}/scores.csv?format=long",
            f"/teach/classes/{course_id}/scores.csv?format=long&bom=1",
            f"/teach/items.csv?course={course_id}",
            f"/teach/items.csv?course={course_id}&bom=1",
            "/teach/items.csv",
        )
    }
    for args in (
        ["export", "scores", "--class", str(course_id), "--format", "wide"],
        ["export", "scores", "--format", "long", "--bom"],
        ["export", "items", "--class", str(course_id)],
        ["export", "items"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        exports[" ".join(args)] = result.output
    for where, text in exports.items():
        assert_no_cell_starts_a_formula(text, where)
    # ...and the payloads did reach the files: each is there, neutralised
    wide, long, items = (exports[k] for k in list(exports)[:5:2])
    names = {r["username"]: r["full name"] for r in csv.DictReader(io.StringIO(wide))}
    assert names == {f"compat{i}": cell(p) for i, p in enumerate(COMPAT_FORMULAS)}
    assert {cell(p) for p in COMPAT_FORMULAS} == {
        "'" + COMPAT_FORMULAS[0],
        "'\u207a1+1",
        "'\ufe6bSUM(A1)",
        "Bob;'\ufe66 1+1",
    }
    typed = {r["answer"] for r in csv.DictReader(io.StringIO(long))} & set(names.values())
    assert typed == set(names.values())
    common = next(
        r["common answers"]
        for r in csv.DictReader(io.StringIO(items))
        if r["question id"] == "sample-micius-name"
    )
    assert all(p in common for p in COMPAT_FORMULAS[:3])


def test_numbers_have_one_format_whole_without_a_point_others_to_two_places_halves_up():
    assert parse(stream_rows(["n"], [[8.0], [34.0], [32], [0.125], [2 / 3], [-0.005]]))[1:] == [
        ["8"],
        ["34"],
        ["32"],
        ["0.13"],
        ["0.67"],
        ["-0.01"],
    ]
