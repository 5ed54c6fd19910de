"""Flask's signed-cookie sessions, with the signing serializer built once per secret key."""

from flask import Flask
from flask.sessions import SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    """Flask's default session interface, minus rebuilding its serializer on every request."""

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = app.extensions.get("quizapp.session_serializer")
        if cached is None or cached[0] != keys:
            serializer = super().get_signing_serializer(app)
            cached = app.extensions["quizapp.session_serializer"] = (keys, serializer)
        return cached[1]
