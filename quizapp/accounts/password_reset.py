"""Password-reset links for students who forgot their password.

There is no email here, so the student's instructor makes the link and hands it over. The link
is signed, not stored: it names the account and a digest of its current password hash, so it
works once (the new password changes the hash) and only within ``MAX_AGE`` seconds.
"""

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from quizapp.extensions import db
from quizapp.models import User

MAX_AGE = 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="quizapp password reset")


def _stamp(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def make_token(user: User) -> str:
    """Return the token of a link that sets this user's password once, within a day."""
    return _serializer().dumps([user.id, _stamp(user)])


def user_for(token: str) -> User | None:
    """Return the account a token resets, or None when it is forged, expired or already used."""
    try:
        user_id, stamp = _serializer().loads(token, max_age=MAX_AGE)
    except (BadSignature, TypeError, ValueError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not isinstance(stamp, str) or not hmac.compare_digest(stamp, _stamp(user)):
        return None
    return user
