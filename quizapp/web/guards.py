"""Who may open a page (by role), and input refused before any view runs: NUL characters."""

from collections.abc import Callable
from functools import wraps

from flask import Flask, Response, abort, request
from flask_login import current_user, login_required


def requires(attribute: str, description: str) -> Callable:
    """Return a view decorator: anonymous users sign in; the signed-in user must have
    ``attribute`` (``is_instructor``, ``is_admin``) or gets 403 with ``description``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not getattr(current_user, attribute):
                abort(403, description=description)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def no_store(response: Response) -> Response:
    """Keep personal pages out of every cache (an after-request hook of their blueprints)."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def has_nul() -> bool:
    """Return whether the path, the query or a posted field holds a NUL character."""
    # The raw query string, not request.args: only "%00" (or a raw NUL) decodes to NUL, and
    # parsing the arguments of every GET costs more than the rest of this check.
    query = request.environ.get("QUERY_STRING", "")
    if "\x00" in request.path or "%00" in query or "\x00" in query:
        return True
    if request.method == "POST":
        return any("\x00" in v for v in (*request.form.keys(), *request.form.values()))
    return False


def init_app(app: Flask) -> None:
    """Refuse a request holding NUL with a 400 before its view runs."""

    @app.before_request
    def _refuse_nul():
        # No text here may hold NUL, and PostgreSQL refuses it in strings (it would be a 500).
        if has_nul():
            abort(400, description="The request contains a NUL character, which is not allowed.")
