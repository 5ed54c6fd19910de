"""Template filters and globals shared by every page."""

from datetime import datetime
from functools import lru_cache

from flask import Flask, render_template, request, url_for
from markupsafe import Markup

from quizapp.content.markup import render_inline
from quizapp.models.content import utcnow
from quizapp.rounding import half_up, percent
from quizapp.teaching.zones import in_zone, zone_label


def format_datetime(value: datetime | None) -> Markup:
    """Return a stored (UTC) time as a <time> element; static/localtime.js shows it local."""
    if value is None:
        return Markup("")
    stamp = value.replace(tzinfo=None).isoformat(timespec="seconds")
    text = value.strftime("%-d %b %Y, %H:%M UTC")
    # Both are digits, letters and punctuation made here (nothing to escape); Markup.format
    # costs ten times as much, and a gradebook page shows fifty of these.
    return Markup(f'<time datetime="{stamp}Z">{text}</time>')


def format_day(value: datetime | None) -> Markup:
    """Return a stored (UTC) time as a <time> showing its day ("Thu 10 Dec"), the reader's own
    with static/localtime.js."""
    if value is None:
        return Markup("")
    stamp = value.replace(tzinfo=None).isoformat(timespec="seconds")
    return Markup(f'<time datetime="{stamp}Z" data-date-only>{value.strftime("%a %-d %b")}</time>')


def format_zoned(value: datetime | None, zone: str) -> Markup:
    """Return a stored (UTC) time as a <time> in a class's zone ("Fri 11 Sep 2026, 17:00 BST").

    Due dates are set where the class meets, so they stay in its zone; static/localtime.js
    adds the reader's own time as a tooltip.
    """
    if value is None:
        return Markup("")
    stamp = value.replace(tzinfo=None).isoformat(timespec="seconds")
    local = in_zone(value, zone)
    text = f"{local.strftime('%a %-d %b %Y, %H:%M')} {zone_label(value, zone)}"
    return Markup('<time datetime="{}Z" data-zone="{}">{}</time>').format(stamp, zone, text)


def clock_text(value: datetime, zone: str) -> str:
    """Return a deadline as a clock reading in a class's zone: "10:20 BST" today, else with
    its day ("Fri 11 Sep, 17:00 BST")."""
    local = in_zone(value, zone)
    today = in_zone(utcnow(), zone).date() == local.date()
    shown = local.strftime("%H:%M" if today else "%a %-d %b, %H:%M")
    return f"{shown} {zone_label(value, zone)}"


def format_zoned_clock(value: datetime | None, zone: str) -> Markup:
    """Return a deadline as a <time> reading ``clock_text`` (a timed attempt's "Submit by")."""
    if value is None:
        return Markup("")
    stamp = value.replace(tzinfo=None).isoformat(timespec="seconds")
    text = clock_text(value, zone)
    return Markup('<time datetime="{}Z" data-zone="{}">{}</time>').format(stamp, zone, text)


def format_points(value: float | None) -> str:
    """Return points for reading: 1 not 1.0, 0.67 not 0.6666666666666666."""
    if value is None:
        return "–"
    return f"{half_up(value, 2):g}"


def format_percent(value: float | None) -> str:
    """Return a fraction as a whole percentage (0.666 -> 67%); a dash when there is none."""
    if value is None:
        return "—"
    return f"{percent(value)}%"


def format_decimal(value: float | None, places: int = 2) -> str:
    """Return a statistic with a fixed number of decimals, halves up (0.125 -> 0.13)."""
    if value is None:
        return "—"
    return f"{half_up(value, places):.{places}f}"


@lru_cache(maxsize=256)
def _fixed_url(script_root: str, endpoint: str, filename: str | None) -> str:
    return url_for(endpoint, filename=filename) if filename else url_for(endpoint)


def fixed_url(endpoint: str, filename: str | None = None) -> str:
    """Return ``url_for`` of an endpoint without variable parts, built once per mount point.

    Every page's header links to the same dozen addresses; building them once saves a
    noticeable share of a short page's time.
    """
    return _fixed_url(request.script_root, endpoint, filename)


@lru_cache(maxsize=32)
def _site_links(script_root: str, role: str) -> Markup:
    return Markup(render_template("_site_links.html", role=role))


def site_links(role: str) -> Markup:
    """Return the header's main links for a role (anonymous, student, instructor or admin).

    They differ only by role, so each is rendered once per mount point and kept.
    """
    return _site_links(request.script_root, role)


def init_app(app: Flask) -> None:
    """Register the template filters and the fixed-URL and site-link globals."""
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_zoned, "zoned")
    app.add_template_filter(format_zoned_clock, "zoned_clock")
    app.add_template_filter(format_points, "points")
    app.add_template_filter(format_percent, "percent")
    app.add_template_filter(format_decimal, "decimal")
    # A prompt's Markdown as formatted text (**Earthlab** shows bold, not asterisks).
    app.add_template_filter(render_inline, "inline_markdown")
    app.add_template_global(fixed_url)
    app.add_template_global(site_links)
