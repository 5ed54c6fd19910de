"""gunicorn settings: check the environment and the database once, before any worker starts.

    gunicorn -c python:quizapp.gunicorn_config --workers 4 'quizapp:create_app()'

Without it, a wrong setting is a traceback from every worker, and a database that is not
migrated serves a 500 to every request.
"""

import sys


def on_starting(server):
    """Stop gunicorn with one line when the app cannot serve; warn when nothing is loaded."""
    from quizapp import create_app
    from quizapp.config import ConfigError
    from quizapp.db.readiness import before_serving
    from quizapp.extensions import db

    try:
        app = create_app()
    except ConfigError as exc:
        sys.exit(f"quizapp: {exc}")
    with app.app_context():
        try:
            problem, warning = before_serving(db.engine, app.extensions["migrate"].directory)
        finally:
            db.engine.dispose()  # the workers fork from here: no connection may cross over
    if problem:
        sys.exit(f"quizapp: {problem}")
    if warning:
        server.log.warning("quizapp: %s", warning)
