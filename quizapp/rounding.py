"""Rounding as people and spreadsheets do it: halves go up (12.5% shows as 13%, not 12%)."""

from decimal import ROUND_HALF_UP, Decimal


def half_up(value: float, places: int = 0) -> float:
    """Return ``value`` rounded to ``places`` decimals, halves away from zero.

    Python's ``round`` sends halves to the even neighbour (0.125 -> 12%, 0.375 -> 38%). The
    value is first written to 9 decimals, so float noise (28.499999999999996) counts as the
    half it stands for.
    """
    exact = Decimal(f"{value:.9f}")
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def percent(fraction: float) -> int:
    """Return a fraction as a whole percentage, halves up."""
    return int(half_up(fraction * 100))
