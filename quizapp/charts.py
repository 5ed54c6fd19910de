"""Geometry for the server-rendered SVG charts (pure: data in, coordinates out)."""

from dataclasses import dataclass

from .rounding import percent

WIDTH, HEIGHT, PAD = 640, 240, 36


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    value: float


def score_line(values: list[tuple[str, float]]) -> tuple[list[Point], str]:
    """Return points and an SVG path for fractions 0..1 plotted left to right."""
    if not values:
        return [], ""
    step = (WIDTH - 2 * PAD) / max(1, len(values) - 1)
    points = [
        Point(
            x=round(PAD + i * step, 1),
            y=round(HEIGHT - PAD - max(0.0, min(1.0, v)) * (HEIGHT - 2 * PAD), 1),
            label=label,
            value=v,
        )
        for i, (label, v) in enumerate(values)
    ]
    path = "M" + " L".join(f"{p.x},{p.y}" for p in points)
    return points, path


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
