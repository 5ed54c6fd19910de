"""Signed page timestamps: how long a student spent on a question, with no write on GET."""

import time

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

MAX_MS = 60 * 60 * 1000


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="question-shown")


def issue_stamp() -> str:
    """Return a signed stamp of the current time in milliseconds."""
    return _serializer().dumps(int(time.time() * 1000))


def elapsed_ms(stamp: str | None) -> int | None:
    """Return milliseconds since a stamp was issued (capped at an hour), or None if forged."""
    try:
        shown = _serializer().loads(stamp or "")
    except BadSignature:
        return None
    if not isinstance(shown, int):
        return None
    return max(0, min(MAX_MS, int(time.time() * 1000) - shown))
