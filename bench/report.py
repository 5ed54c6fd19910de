"""Targets and the Markdown table (pure: numbers in, text out)."""

from bench.wrk import WrkResult

# Minimum throughput as a share of the stack's floor (an empty page in the site layout,
# signed in) measured in the same run. Each share is first taken of the hello-world run
# measured just before it, so the machine's drift cancels: (endpoint / its hello) divided by
# (floor / its hello). The dashboard and gradebook have no share target: their gate is scale.
FLOOR_TARGETS = {
    "answer submit": 0.30,
    "question page": 0.60,
    "feedback page": 0.60,
    # An assignment attempt's pages meet the same gates as practice's.
    "assignment answer submit": 0.30,
    "assignment question page": 0.60,
    "assignment feedback page": 0.60,
}
CSV_ROWS_PER_S = 100_000
CSV_RSS_MB = 50
SCALE_RATIO = 1.5
HEADER = [
    "endpoint",
    "requests/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "share of hello",
    "share of floor",
    "target (of floor)",
    "result",
    "p50 1k → 1M answers (ms)",
    "1M/1k",
    "scale ≤ 1.5x",
]


def verdict(ok: bool | None) -> str:
    """Return PASS, FAIL or a dash when there is no target."""
    return "—" if ok is None else ("PASS" if ok else "FAIL")


def endpoint_row(
    name: str,
    result: WrkResult,
    hello_rps: float,
    scale: tuple[float, float] | None = None,
    label: str | None = None,
    floor_share: float | None = None,
) -> list[str]:
    """Return the table cells of one HTTP endpoint (``label`` names it in the table).

    ``floor_share``: the floor's own share of hello in this run; without it the row has no
    share of the floor and no verdict (hello itself, the floor rows).
    """
    share = result.rps / hello_rps if hello_rps else 0.0
    of_floor = share / floor_share if floor_share else None
    target = FLOOR_TARGETS.get(name)
    ok = None if target is None or of_floor is None else of_floor >= target
    cells = [
        label or name,
        f"{result.rps:,.0f}",
        f"{result.p50_ms:.1f}",
        f"{result.p95_ms:.1f}",
        f"{result.p99_ms:.1f}",
        f"{share:.0%}",
        "—" if of_floor is None else f"{of_floor:.0%}",
        f"≥ {target:.0%}" if target else "—",
        verdict(ok),
    ]
    return cells + scale_cells(scale)


def scale_cells(scale: tuple[float, float] | None) -> list[str]:
    """Return the p50 at 1k and 1M answers, their ratio and its verdict."""
    if scale is None:
        return ["—", "—", "—"]
    small, big = scale
    ratio = big / small if small else float("inf")
    return [f"{small:.1f} → {big:.1f}", f"{ratio:.2f}x", verdict(ratio <= SCALE_RATIO)]


def csv_row(rows: int, seconds: float, rss_growth_mb: float) -> list[str]:
    """Return the table cells of the CSV export (rows/s and peak RSS growth)."""
    rate = rows / seconds if seconds else 0.0
    ok = rate >= CSV_ROWS_PER_S and rss_growth_mb < CSV_RSS_MB
    return [
        f"CSV export ({rows:,} answers)",
        f"{rate:,.0f} rows/s",
        f"total {seconds:.1f} s",
        f"peak RSS +{rss_growth_mb:.0f} MB",
        "—",
        "—",
        "—",
        f"≥ {CSV_ROWS_PER_S:,} rows/s, RSS < +{CSV_RSS_MB} MB",
        verdict(ok),
        "—",
        "—",
        "—",
    ]


def table(rows: list[list[str]]) -> str:
    """Return rows as a Markdown table under the standard header."""
    lines = [HEADER, ["---"] * len(HEADER), *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)
