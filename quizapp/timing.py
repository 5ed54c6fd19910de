"""Signed page timestamps: how long a student spent on a question, with no write on GET."""

import time
from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

MAX_MS = 60 * 60 * 1000


@lru_cache(maxsize=8)
def _serializer_for(secret_key: str) -> URLSafeSerializer:
    # Building a serializer derives its signing key (an HMAC); every question page needs one.
    return URLSafeSerializer(secret_key, salt="question-shown")


def _serializer() -> URLSafeSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


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
