"""CSRF protection (Flask-WTF's, as shipped) and the security headers on every response."""

from flask import Flask, Response, g, request

from quizapp.extensions import csrf
from quizapp.web import lti_session

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    """Return the response with the security headers set; HSTS only over HTTPS."""
    response.headers.update(HEADERS)
    framers = lti_session.frame_ancestors() if request.endpoint != "static" else None
    if framers:
        # A session launched from an LMS: its pages show in the platform's iframe.
        allowed = " ".join(["'self'", *framers])
        response.headers["Content-Security-Policy"] = HEADERS["Content-Security-Policy"].replace(
            "frame-ancestors 'none'", f"frame-ancestors {allowed}"
        )
        del response.headers["X-Frame-Options"]
    target = g.get("form_target")
    if target:  # a page whose form posts to another site (an LTI deep-linking response)
        response.headers["Content-Security-Policy"] = response.headers[
            "Content-Security-Policy"
        ].replace("form-action 'self'", f"form-action 'self' {target}")
    if request.is_secure:  # behind a proxy, ProxyFix (QUIZAPP_PROXIES) supplies the scheme
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def init_app(app: Flask) -> None:
    """Check CSRF on every unsafe request and add the security headers to every response.

    Flask-WTF's before-request check (WTF_CSRF_CHECK_DEFAULT) refuses a POST without the
    session's token with a CSRFError, which `errors` turns into the friendly 400 page; its
    ``csrf_token()`` puts the token in every form. Flask runs after-request hooks on the
    responses of error handlers too, so the 400/404/405/413/429/500 pages carry the headers.
    """
    csrf.init_app(app)
    lti_session.init_app(app)
    app.after_request(add_security_headers)
