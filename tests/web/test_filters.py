"""Template filters: how numbers and times read on every page."""

from datetime import UTC, datetime

import pytest
from markupsafe import Markup

from quizapp.web.templating import format_datetime, format_percent, format_points


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "—"), (0, "0%"), (0.666, "67%"), (1, "100%"), (0.135, "14%"), (0.004, "0%")],
)
def test_percent_reads_as_a_whole_percentage_or_a_dash(value, shown):
    assert format_percent(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    # Python's round() gave 12%, 38%, 62% and 28%: halves to the even neighbour
    [(0.125, "13%"), (0.375, "38%"), (0.625, "63%"), (57 / 200, "29%"), (0.995, "100%")],
)
def test_percent_rounds_halves_up_as_spreadsheets_do(value, shown):
    assert format_percent(value) == shown


@pytest.mark.parametrize(("value", "shown"), [(0.125, "0.13"), (2.5, "2.5"), (1 / 3, "0.33")])
def test_points_round_halves_up(value, shown):
    assert format_points(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, ""),
        (
            datetime(2026, 3, 5, 9, 7, 2),
            '<time datetime="2026-03-05T09:07:02Z">5 Mar 2026, 09:07 UTC</time>',
        ),
        (
            datetime(2026, 11, 27, 23, 59, 59, 999999, tzinfo=UTC),
            '<time datetime="2026-11-27T23:59:59Z">27 Nov 2026, 23:59 UTC</time>',
        ),
    ],
)
def test_times_read_in_utc_inside_a_time_element_for_localtime_js(value, shown):
    html = format_datetime(value)
    assert isinstance(html, Markup) and html == shown


def test_inline_markdown_filter_shows_a_prompt_as_formatted_text(app):
    template = app.jinja_env.from_string("{{ p | inline_markdown | striptags | truncate(40) }}")
    shown = template.render(p="Which statements about **Earthlab** <script>x</script> match?")
    assert shown.startswith("Which statements about Earthlab")
    assert "**" not in shown and "<script>" not in shown


def test_csv_numbers_round_halves_up_to_two_decimals():
    from quizapp.formats.csvout import number as _number

    assert (_number(3.125), _number(0.285), _number(2.0), _number(1 / 3)) == (3.13, 0.29, 2, 0.33)
