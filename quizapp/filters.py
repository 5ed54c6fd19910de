"""Template filters and response headers shared by every page."""

from datetime import datetime
from functools import lru_cache

from flask import Flask, g, render_template, request, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup


def format_datetime(value: datetime | None) -> Markup:
    """Return a stored (UTC) time as a <time> element; static/localtime.js shows it local."""
    if value is None:
        return Markup("")
    stamp = value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    text = value.strftime("%-d %b %Y, %H:%M UTC")
    return Markup('<time datetime="{}">{}</time>').format(stamp, text)


def format_points(value: float | None) -> str:
    """Return points for reading: 1 not 1.0, 0.67 not 0.6666666666666666."""
    if value is None:
        return "–"
    return f"{round(value, 2):g}"


def format_percent(value: float | None) -> str:
    """Return a fraction as a whole percentage (0.666 -> 67%); a dash when there is none."""
    if value is None:
        return "—"
    return f"{round(value * 100)}%"


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
    """Return the header's main links for a role (anonymous, student or instructor).

    They differ only by role, so each is rendered once per mount point and kept.
    """
    return _site_links(request.script_root, role)


def csrf_token() -> str:
    """Return the request's CSRF token: Flask-WTF's, asked for once however many forms a page has.

    ``generate_csrf`` reads its settings again on every call, a few times per page.
    """
    token = g.get("page_csrf_token")
    if token is None:
        token = g.page_csrf_token = generate_csrf()
    return token


def init_app(app: Flask) -> None:
    """Register filters, the fixed-URL and CSRF helpers, and the security headers."""
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_points, "points")
    app.add_template_filter(format_percent, "percent")
    app.add_template_global(fixed_url)
    app.add_template_global(site_links)
    app.add_template_global(csrf_token)
    # Flask-WTF also puts its own in every page's context; this one, registered later, wins.
    mine = {"csrf_token": csrf_token}
    app.context_processor(lambda: mine)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
