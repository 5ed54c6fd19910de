"""Geometry for the server-rendered SVG charts (pure: data in, coordinates out)."""

from dataclasses import dataclass

from quizapp.rounding import percent

WIDTH, HEIGHT, PAD = 640, 240, 36


SERIES_COLOURS = 6  # .series-0 to .series-5 in style.css; more quizzes reuse them


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    value: float
    series: int = 0


@dataclass(frozen=True)
class Series:
    name: str
    index: int  # its colour: series-{index % SERIES_COLOURS}
    path: str


def score_lines(values: list[tuple[str, str, float]]) -> tuple[list[Point], list[Series]]:
    """Return points left to right for (series, label, fraction 0..1), and a line per series.

    One line per quiz: joining one quiz's score to another's would draw a trend that is not one.
    """
    if not values:
        return [], []
    step = (WIDTH - 2 * PAD) / max(1, len(values) - 1)
    order = list(dict.fromkeys(name for name, _label, _v in values))
    points = [
        Point(
            x=round(PAD + i * step, 1),
            y=round(HEIGHT - PAD - max(0.0, min(1.0, v)) * (HEIGHT - 2 * PAD), 1),
            label=label,
            value=v,
            series=order.index(name),
        )
        for i, (name, label, v) in enumerate(values)
    ]
    series = [
        Series(name, i, "M" + " L".join(f"{p.x},{p.y}" for p in points if p.series == i))
        for i, name in enumerate(order)
    ]
    return points, series


def mastery_band(fraction: float | None) -> int:
    """Return a tint band 0-4 for a mastery fraction (None: not yet answered)."""
    if fraction is None:
        return 0
    # From the whole percentage the page shows, so "75%" is never tinted as 50-74%.
    return 1 + min(3, percent(fraction) // 25)


MASTERY_LEGEND = (
    (0, "not answered yet"),
    (1, "below 25% right"),
    (2, "25–49% right"),
    (3, "50–74% right"),
    (4, "75% or more right"),
)
