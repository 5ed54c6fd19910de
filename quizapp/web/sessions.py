"""Flask's signed-cookie sessions, with the serializer built once and verified cookies kept."""

import time
from typing import NamedTuple

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

_FLAT = (str, int, float, bool, type(None))
MAX_VERIFIED = 20_000


def remember(cache: dict, key, value) -> None:
    """Keep ``value`` in a per-process cache of verified things, cleared whenever it is full."""
    if len(cache) >= MAX_VERIFIED:
        cache.clear()
    cache[key] = value


class _State(NamedTuple):
    keys: tuple  # the secret key and its fallbacks this state was built for
    serializer: object
    verified: dict  # cookie string -> (signed at, data)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's default session interface, minus repeating work on every request.

    Its serializer (and signing key) is built once per secret key, and a cookie already
    verified is not verified and decoded again: the same cookie string (signature included)
    always decodes to the same data, so only its age is checked again. Every signed-in
    request sends its cookie, and checking it costs more than some whole pages.
    """

    def _state(self, app: Flask) -> _State | None:
        if not app.secret_key:
            return None
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        state = app.extensions.get("quizapp.web.sessions")
        if state is None or state.keys != keys:
            serializer = super().get_signing_serializer(app)
            state = app.extensions["quizapp.web.sessions"] = _State(keys, serializer, {})
        return state

    def get_signing_serializer(self, app: Flask):
        state = self._state(app)
        return None if state is None else state.serializer

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        state = self._state(app)
        if state is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        verified = state.verified
        known = verified.get(value)
        if known is not None and 0 <= time.time() - known[0] <= max_age:
            return self.session_class(known[1])
        try:
            data, signed_at = state.serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(isinstance(v, _FLAT) for v in data.values()):  # copies stay independent
            remember(verified, value, (signed_at.timestamp(), data))
        return self.session_class(data)
