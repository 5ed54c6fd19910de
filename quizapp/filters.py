"""Template filters, CSRF checks and tokens, and response headers shared by every page."""

import hmac
from datetime import datetime
from functools import lru_cache

from flask import Flask, current_app, g, render_template, request, session, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from .extensions import csrf
from .markup import render_inline
from .rounding import half_up, percent
from .sessions import remember


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
    """Return the header's main links for a role (anonymous, student or instructor).

    They differ only by role, so each is rendered once per mount point and kept.
    """
    return _site_links(request.script_root, role)


# Signed CSRF tokens by (secret key, the session's raw token). With WTF_CSRF_TIME_LIMIT off
# the signature never expires, so one per session serves every page; signing costs as much
# as a small page's whole query. Bounded (sessions.remember).
_SIGNED_TOKENS: dict[tuple[str, str], str] = {}
# Submitted tokens already proven valid, by (secret key, signed token) -> the session's raw
# token it stands for. Without a time limit a token's validity depends only on its signature
# and the session's raw token, so checking the signature again proves nothing new; it costs
# a tenth of an answer's whole request. Bounded (sessions.remember).
_VALID_TOKENS: dict[tuple[str, str], str] = {}


def csrf_token() -> str:
    """Return the page's CSRF token: Flask-WTF's, signed once per session and kept."""
    token = g.get("page_csrf_token")
    if token is None:
        key = (current_app.secret_key, session.get("csrf_token"))
        token = _SIGNED_TOKENS.get(key) if key[1] else None
        if token is None:
            token = generate_csrf()  # makes the raw token too when the session has none
            if current_app.config["WTF_CSRF_TIME_LIMIT"] is None:
                raw = session["csrf_token"]
                remember(_SIGNED_TOKENS, (current_app.secret_key, raw), token)
                remember(_VALID_TOKENS, (current_app.secret_key, token), raw)
        g.page_csrf_token = token
    return token


def check_csrf() -> None:
    """Refuse an unsafe request without the session's CSRF token (Flask-WTF's checks)."""
    config = current_app.config
    field = config["WTF_CSRF_FIELD_NAME"]
    token, raw = request.form.get(field), session.get(field)
    if token and raw and config["WTF_CSRF_TIME_LIMIT"] is None:
        known = _VALID_TOKENS.get((current_app.secret_key, token))
        strict = request.is_secure and config["WTF_CSRF_SSL_STRICT"]  # referrer checks too
        if known is not None and not strict and hmac.compare_digest(known, raw):
            g.csrf_valid = True
            return
        csrf.protect(apply_exemptions=True)
        if g.get("csrf_valid"):  # not an exempt view: the token itself was checked
            remember(_VALID_TOKENS, (current_app.secret_key, token), raw)
        return
    csrf.protect(apply_exemptions=True)


HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)
SECURE_HEADERS = (*HEADERS, ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))


class SecurityHeaders:
    """WSGI middleware that adds the security headers to every response, error pages included.

    Added to the raw header list: werkzeug's ``Headers.extend`` checks every value again on
    every response, which cost more than the rest of a constant route's response hooks.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        extra = SECURE_HEADERS if environ.get("wsgi.url_scheme") == "https" else HEADERS

        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, *extra], exc_info)

        return self.wsgi_app(environ, start)


def init_app(app: Flask) -> None:
    """Register filters, the fixed-URL and CSRF helpers, the CSRF check and security headers."""
    app.wsgi_app = SecurityHeaders(app.wsgi_app)
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_points, "points")
    app.add_template_filter(format_percent, "percent")
    app.add_template_filter(format_decimal, "decimal")
    # A prompt's Markdown as formatted text (**Earthlab** shows bold, not asterisks).
    app.add_template_filter(render_inline, "inline_markdown")
    app.add_template_global(fixed_url)
    app.add_template_global(site_links)
    app.add_template_global(csrf_token)
    # Flask-WTF also puts its own in every page's context; this one, registered later, wins.
    mine = {"csrf_token": csrf_token}
    app.context_processor(lambda: mine)

    @app.before_request
    def _check_csrf():
        # Flask-WTF's own hook (WTF_CSRF_CHECK_DEFAULT, off in config) looks for exempt views
        # on every GET before it looks at the method; this asks the method first.
        config = app.config
        if config["WTF_CSRF_ENABLED"] and request.method in config["WTF_CSRF_METHODS"]:
            check_csrf()
