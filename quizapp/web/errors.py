"""Friendly error pages: never a traceback to a user; 500s carry an id that is in the log."""

import uuid

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, NotFound

from quizapp.extensions import limiter

MESSAGES = {
    400: "The request could not be understood. If you submitted a form, go back and try again.",
    404: "There is nothing at this address. Check the link, or start from the articles.",
    405: "This address does not accept that kind of request.",
    413: "That upload is too large.",
    429: "Too many attempts in a short time. Please wait {wait} and try again.",
}


def _wait() -> str:
    """Return how long the breached rate limit's window lasts, in words ("a minute", "an hour")."""
    breached = limiter.current_limit  # Flask-Limiter's documented view of the request's limit
    minutes = -(-breached.limit.get_expiry() // 60) if breached is not None else 1
    if minutes % 60 == 0:
        return "an hour" if minutes == 60 else f"{minutes // 60} hours"
    return "a minute" if minutes == 1 else f"{minutes} minutes"


def _reaches(path: str, method: str) -> bool:
    """Whether a ``method`` request to ``path`` would reach a view."""
    try:
        adapter = current_app.create_url_adapter(request)
        if adapter is None:  # no request bound: nothing can be reached
            return False
        adapter.match(path, method=method)
    except HTTPException:
        return False
    return True


def _page_at(path: str) -> str | None:
    """Return ``path`` when a GET there shows a page (a form's own page), else None."""
    return path if _reaches(path, "GET") else None


def _names_nothing(exc: MethodNotAllowed) -> bool:
    """Whether no method the router offered reaches a page here.

    Werkzeug picks the route by the path's shape and checks its values after: a POST to
    /attempts/99999999999/q/1 finds the question's GET route first and answers 405, though the
    id (out of range) names nothing at all.
    """
    return not any(_reaches(request.path, method) for method in exc.valid_methods or ())


def init_app(app: Flask) -> None:
    """Render every HTTP error with the site layout."""

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        exc.description = "Your form expired or came from elsewhere, so nothing was saved."
        if current_app.config["SESSION_COOKIE_SECURE"] and not request.is_secure:
            # Browsers drop Secure cookies over http, so every form would fail: say why.
            exc.description = (
                "This site only works over https:// (its cookies are secure), so nothing was "
                "saved. If you run it, serve it behind HTTPS and set QUIZAPP_PROXIES."
            )
        # Reloading would post the stale token again: offer the page itself, when it has one.
        return render_template("error.html", error=exc, retry=_page_at(request.path)), 400

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if isinstance(exc, MethodNotAllowed) and _names_nothing(exc):
            exc = NotFound()
        if exc.code == 429 or (exc.code in MESSAGES and exc.description == type(exc).description):
            exc.description = MESSAGES[exc.code].format(wait=_wait())
        return render_template("error.html", error=exc), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        request_id = uuid.uuid4().hex[:12]
        app.logger.exception(
            "unhandled error %s on %s %s", request_id, request.method, request.path
        )
        error = InternalServerError(
            description="Something went wrong on our side and has been logged. "
            f"If it keeps happening, tell your instructor the error id {request_id}."
        )
        return render_template("error.html", error=error, request_id=request_id), 500
