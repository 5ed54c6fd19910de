"""Template filters and response headers shared by every page."""

from datetime import datetime

from flask import Flask, request
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


def init_app(app: Flask) -> None:
    """Register filters and the security headers."""
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_points, "points")

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
