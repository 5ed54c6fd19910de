"""The stack floor: the real app plus routes that do nothing but what every page must.

What the required layers cost before a page does any work of its own: a constant answered by
the app (its hooks: session, CSRF, headers), the same behind the sign-in (Flask-Login, the
login-session row), and an empty page in the site's layout (Jinja). `python -m bench` serves
``bench.floor:create_app()`` beside hello and the app and prints these as reference rows;
`python -m bench.inprocess` times the same routes without a server. The shipped app has no
such routes: they are added to this module's own instances only.
"""

from flask import Blueprint, Flask, render_template
from flask_login import current_user, login_required

ROUTES = {
    "anonymous": "/_bench/anonymous",
    "signed in": "/_bench/signed-in",
    "layout": "/_bench/layout",
}
LABELS = {
    "anonymous": "floor: constant, anonymous",
    "signed in": "floor: constant, signed in",
    "layout": "floor: empty page in the site layout, signed in",
}

probes = Blueprint("bench_floor", __name__, template_folder="templates")


@probes.get(ROUTES["anonymous"])
def anonymous():
    """Return a constant: the app's own hooks and nothing else."""
    return "ok"


@probes.get(ROUTES["signed in"])
@login_required
def signed_in():
    """Return the signed-in user's id: the hooks plus loading the user."""
    return str(current_user.id)


@probes.get(ROUTES["layout"])
@login_required
def layout():
    """Return an empty page in the site layout: what any student page renders around itself."""
    return render_template("bench_floor.html")


def add_probes(app: Flask) -> Flask:
    """Add the floor's routes to an app instance of the benchmark's own."""
    app.register_blueprint(probes)
    return app


def create_app() -> Flask:
    """Return the real app, configured from the environment, plus the floor's routes."""
    from quizapp import create_app as create_quizapp

    return add_probes(create_quizapp())
