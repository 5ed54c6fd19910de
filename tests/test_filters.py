"""Template filters: how numbers and times read on every page."""

from datetime import UTC, datetime

import pytest
from jinja2 import Environment
from markupsafe import Markup

from quizapp.filters import format_datetime, format_percent


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "—"), (0, "0%"), (0.666, "67%"), (1, "100%"), (0.125, "12%"), (0.135, "14%")],
)
def test_percent_reads_as_a_whole_percentage_or_a_dash(value, shown):
    assert format_percent(value) == shown


@pytest.mark.parametrize("value", [0, 0.004, 0.125, 0.135, 0.5, 0.666, 0.995, 1])
def test_percent_matches_the_template_arithmetic_it_replaced(value):
    old = Environment().from_string("{{ (v * 100) | round | int }}%")
    assert format_percent(value) == old.render(v=value)


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
