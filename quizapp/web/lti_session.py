"""Sessions opened by an LTI launch: they live inside the LMS's iframe.

An LMS shows quizapp in an iframe on its own site, so the browser treats quizapp's cookies
there as third-party: only ``SameSite=None; Secure`` cookies are sent. Such a session (and only
such a session) gets them, over HTTPS, through the public hooks of Flask's own cookie session
interface; its pages may also be framed by the platform's origin. Every other session keeps
``SameSite=Lax`` and ``frame-ancestors 'none'``.
"""

from typing import Any

from flask import Flask, request, session
from flask.sessions import SecureCookieSessionInterface

LAUNCH = "lti"  # the session key holding what the launch established


def launched() -> dict[str, Any] | None:
    """Return the launch this browser session came from, if any."""
    value = session.get(LAUNCH)
    return value if isinstance(value, dict) else None


def _cross_site() -> bool:
    # Secure cookies only travel over HTTPS: over plain HTTP (a developer's machine) the
    # cookie stays Lax, which a same-site test platform still receives. The LTI endpoints'
    # cookie must come back with the platform's cross-site launch POST (it holds the nonce).
    if not request.is_secure:
        return False
    return request.blueprint == "lti" or launched() is not None


class FramedSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session; a launched session's cookie is SameSite=None; Secure."""

    def get_cookie_samesite(self, app: Flask) -> str | None:
        return "None" if _cross_site() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        return True if _cross_site() else super().get_cookie_secure(app)


def frame_ancestors() -> list[str] | None:
    """Return the origins that may frame this response, for a launched session only."""
    if LAUNCH not in session:  # no lookup of the launch on every other page's headers
        return None
    state = launched()
    origins = state.get("frame") if state else None
    return [o for o in origins if isinstance(o, str)] if isinstance(origins, list) else None


def init_app(app: Flask) -> None:
    app.session_interface = FramedSessionInterface()
