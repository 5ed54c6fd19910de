"""Geometry for the server-rendered SVG charts (pure: data in, coordinates out)."""

from dataclasses import dataclass
from datetime import datetime

from quizapp.rounding import percent

# The plot sits inside margins wide enough for the axis labels at a phone's larger type
# (style.css sets them in viewBox units: 13 on a wide screen, 26 on a phone).
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 88, 24, 16, 48
MIN_TICK_GAP = 170  # between date labels, so that "30 Nov 2026" at phone size never overlaps


SERIES_COLOURS = 6  # .series-0 to .series-5 in style.css; more quizzes reuse them


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    value: float
    series: int = 0


@dataclass(frozen=True)
class Tick:
    x: float
    text: str  # the UTC date; static/localtime.js shows the reader's own
    stamp: str  # ISO 8601, UTC
    anchor: str  # SVG text-anchor: the first label starts at its point, the last ends at it


@dataclass(frozen=True)
class Series:
    name: str
    index: int  # its colour: series-{index % SERIES_COLOURS}
    path: str


def y_of(fraction: float) -> float:
    """Return the y coordinate of a score (0..1, clamped)."""
    return round(HEIGHT - BOTTOM - max(0.0, min(1.0, fraction)) * (HEIGHT - TOP - BOTTOM), 1)


def x_positions(n: int) -> list[float]:
    """Return the x of n attempts spread evenly, in the order finished (one in the middle)."""
    if n == 1:
        return [round(LEFT + (WIDTH - LEFT - RIGHT) / 2, 1)]
    step = (WIDTH - LEFT - RIGHT) / max(1, n - 1)
    return [round(LEFT + i * step, 1) for i in range(n)]


def score_lines(values: list[tuple[str, str, float]]) -> tuple[list[Point], list[Series]]:
    """Return points left to right for (series, label, fraction 0..1), and a line per series.

    One line per quiz: joining one quiz's score to another's would draw a trend that is not one.
    """
    if not values:
        return [], []
    order = list(dict.fromkeys(name for name, _label, _v in values))
    points = [
        Point(x=x, y=y_of(v), label=label, value=v, series=order.index(name))
        for x, (name, label, v) in zip(x_positions(len(values)), values, strict=True)
    ]
    series = [
        Series(name, i, "M" + " L".join(f"{p.x},{p.y}" for p in points if p.series == i))
        for i, name in enumerate(order)
    ]
    return points, series


def date_ticks(whens: list[datetime]) -> list[Tick]:
    """Return the x axis's date labels for attempts finished at ``whens`` (in order).

    Always the first and the last (a single attempt: its date, under it); between them the
    dates of attempts far enough from the labels already placed and on another day.
    """
    if not whens:
        return []
    xs = x_positions(len(whens))
    with_year = whens[0].year != whens[-1].year
    fmt = "%-d %b %Y" if with_year else "%-d %b"

    def tick(i: int, anchor: str) -> Tick:
        stamp = whens[i].replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
        return Tick(xs[i], whens[i].strftime(fmt), stamp, anchor)

    if len(whens) == 1:
        return [tick(0, "middle")]
    first, last = tick(0, "start"), tick(len(whens) - 1, "end")
    ticks, placed = [first], first
    for i in range(1, len(whens) - 1):
        candidate = tick(i, "middle")
        if (
            candidate.x - placed.x >= MIN_TICK_GAP
            and last.x - candidate.x >= MIN_TICK_GAP
            and candidate.text not in (placed.text, last.text)
        ):
            ticks.append(candidate)
            placed = candidate
    return [*ticks, last]


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
