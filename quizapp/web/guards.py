"""Input refused before any view runs: requests that carry a NUL character."""

from flask import Flask, abort, request


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
