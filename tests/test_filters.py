"""Template filters: how numbers and times read on every page."""

import pytest
from jinja2 import Environment

from quizapp.filters import format_percent


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
