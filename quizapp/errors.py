"""Friendly error pages: never a traceback to a user."""

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException


def init_app(app: Flask) -> None:
    """Render every HTTP error with the site layout."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return render_template("error.html", error=exc), exc.code
