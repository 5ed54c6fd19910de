"""Signed page timestamps: how long a student spent on a question, with no write on GET."""

import time
from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, Signer

MAX_MS = 60 * 60 * 1000


@lru_cache(maxsize=8)
def _signer_for(secret_key: str) -> Signer:
    # A bare Signer over the digits: a serializer's JSON and base64 layers cost five times
    # as much, and every question page and answer needs one stamp.
    return Signer(secret_key, salt="question-shown")


def _signer() -> Signer:
    return _signer_for(current_app.config["SECRET_KEY"])


def issue_stamp() -> str:
    """Return a signed stamp of the current time in milliseconds."""
    return _signer().sign(str(int(time.time() * 1000))).decode()


def elapsed_ms(stamp: str | None) -> int | None:
    """Return milliseconds since a stamp was issued (capped at an hour), or None if forged."""
    try:
        shown = _signer().unsign(stamp or "")
    except BadSignature:
        return None
    if not shown.isdigit():
        return None
    return max(0, min(MAX_MS, int(time.time() * 1000) - int(shown)))
