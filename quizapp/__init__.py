"""quizapp: quizzes with cited article excerpts for science-policy education."""

from pathlib import Path

from flask import Flask
from limits.errors import ConfigurationError as LimitsConfigurationError
from werkzeug.middleware.proxy_fix import ProxyFix

from quizapp import config as config_module
from quizapp import extensions
from quizapp.extensions import limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"


def create_app(config: dict | None = None) -> Flask:
    """Create and configure an app; ``config`` overrides what the environment sets."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(config_module.from_environment(Path(app.instance_path), config))

    # `extensions.db`, not a bare `db`: the name would be the `quizapp.db` package once imported.
    extensions.db.init_app(app)
    migrate.init_app(app, extensions.db, directory=str(MIGRATIONS), render_as_batch=True)
    login_manager.init_app(app)
    try:
        limiter.init_app(app)
    except LimitsConfigurationError as exc:  # an unknown scheme, or its client not installed
        raise config_module.rate_limit_storage_error(app.config["RATELIMIT_STORAGE_URI"]) from exc

    from quizapp.db import transactions  # noqa: F401  (its session events, before any request)
    from quizapp.db.engine import configure_engine

    with app.app_context():
        configure_engine(extensions.db.engine, app.config["SQLITE_SYNCHRONOUS"])

    from quizapp.learning.question_cache import QuestionCache
    from quizapp.views import admin, auth, health, instructor, learner, lti, reader
    from quizapp.web import errors, guards, security, templating
    from quizapp.web.ids import IdConverter

    app.extensions["quizapp.questions"] = QuestionCache()
    # The Canvas JSON's route joins the lti blueprint: imported before the blueprint is registered
    from quizapp.views import lti_config  # noqa: F401

    app.jinja_env.add_extension("jinja2.ext.do")
    security.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    guards.init_app(app)
    app.url_map.converters["int"] = IdConverter
    # Its routes join the instructor blueprint: imported before the blueprint is registered
    from quizapp.views import teach_assignments  # noqa: F401

    for blueprint in (reader.bp, auth.bp, learner.bp, instructor.bp, health.bp, lti.bp, admin.bp):
        app.register_blueprint(blueprint)

    from quizapp.cli import register_commands

    register_commands(app)
    # Outermost, so every other layer sees the client's address and scheme.
    if app.config["PROXY_COUNT"]:
        # Behind a load balancer: trust exactly that many X-Forwarded-* hops (client address for
        # rate limits, https for Secure cookies and HSTS); never more, or clients could spoof.
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way
            app.wsgi_app, x_for=n, x_proto=n, x_host=n
        )
    return app
