"""Before serving and while serving: is the database reachable, migrated and loaded?"""

import os
import subprocess
import sys

import pytest
from flask_migrate import downgrade, upgrade

from quizapp import create_app
from quizapp.db.readiness import content_warning, schema_problem
from quizapp.extensions import db
from tests.servers import ROOT, Gunicorn, free_port

UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-dir/quiz.sqlite3",
    "postgresql": "postgresql+psycopg://teacher:hunter22@127.0.0.1:1/quiz",
}
LONG_SECRET = "s" * 40


def _empty_app(tmp_path):
    path = tmp_path / "empty.sqlite3"
    path.touch()  # an empty file is an empty SQLite database
    url = f"sqlite:///{path}"
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"})


def _problem(app):
    with app.app_context():
        return schema_problem(db.engine, app.extensions["migrate"].directory)


def test_a_migrated_loaded_database_has_no_problem_and_no_warning(app):
    assert _problem(app) is None
    with app.app_context():
        assert content_warning(db.engine) is None


def test_each_kind_of_unready_database_says_what_to_run(tmp_path):
    app = _empty_app(tmp_path)
    assert _problem(app).endswith(
        "has no tables yet: run `quizapp setup` (or `quizapp db upgrade`) first"
    )
    migrations = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=migrations)
        assert content_warning(db.engine).endswith("run `quizapp load`")
        downgrade(directory=migrations, revision="-1")
    assert "this release needs" in _problem(app) and "run `quizapp db upgrade` first" in _problem(
        app
    )
    version = db.text("UPDATE alembic_version SET version_num = :v")
    with app.app_context():
        upgrade(directory=migrations)
        head = db.session.execute(db.text("SELECT version_num FROM alembic_version")).scalar()
        db.session.execute(version, {"v": "f00dfeed0000"})
        db.session.commit()
    assert "at migration f00dfeed0000, which this release does not know" in _problem(app)
    with app.app_context():
        db.session.execute(version, {"v": head})
        db.session.commit()
        db.engine.dispose()
    assert _problem(app) is None


def test_a_missing_sqlite_file_is_reported_and_not_created(tmp_path):
    path = tmp_path / "typo.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "t"})
    assert _problem(app).endswith(
        "there is no such file. Run `quizapp setup` to create it, "
        "or point DATABASE_URL at the existing one"
    )
    assert not path.exists()


@pytest.mark.parametrize("backend", UNREACHABLE)
def test_an_unreachable_database_is_named_without_its_password(backend):
    app = create_app({"SQLALCHEMY_DATABASE_URI": UNREACHABLE[backend], "SECRET_KEY": "t"})
    problem = _problem(app)
    assert problem.startswith("cannot use the database ") and "hunter22" not in problem


def test_health_answers_ok_uncached_and_sets_no_cookie(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.text == "ok\n"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("backend", UNREACHABLE)
def test_health_is_503_when_the_database_does_not_answer(backend):
    app = create_app({"SQLALCHEMY_DATABASE_URI": UNREACHABLE[backend], "SECRET_KEY": "t"})
    response = app.test_client().get("/health")
    assert response.status_code == 503 and "does not answer" in response.text


def _run(args, env, timeout=60):
    """Run a server command that must refuse to start (a regression would serve: time out)."""
    full_env = {**os.environ, **env}
    return subprocess.run(
        args, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout
    )


def _gunicorn(env):
    port = free_port()
    config = ["--config", "python:quizapp.gunicorn_config", "--bind", f"127.0.0.1:{port}"]
    return _run([sys.executable, "-m", "gunicorn", *config, "quizapp:create_app()"], env)


def test_gunicorn_with_a_bad_setting_stops_with_one_line_not_a_traceback_per_worker(tmp_path):
    env = {"QUIZAPP_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    env["SECRET_KEY"] = ""
    result = _gunicorn(env)
    assert result.returncode == 1
    assert "quizapp: SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr and "Worker failed to boot" not in result.stderr


def test_gunicorn_refuses_a_database_that_is_not_migrated(tmp_path):
    (tmp_path / "x.sqlite3").touch()  # empty: no tables
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": LONG_SECRET}
    result = _gunicorn(env)
    assert result.returncode == 1
    assert "has no tables yet: run `quizapp setup`" in result.stderr
    assert "Traceback" not in result.stderr


def test_quizapp_run_refuses_a_database_that_is_not_migrated(tmp_path):
    (tmp_path / "x.sqlite3").touch()  # empty: no tables
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": LONG_SECRET}
    script = "from quizapp.cli import main; main()"
    port = str(free_port())
    result = _run([sys.executable, "-c", script, "run", "--port", port], env)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: the database sqlite:///")
    assert "has no tables yet" in result.stderr and "Traceback" not in result.stderr


def test_gunicorn_serves_a_ready_database_and_reports_healthy(database_url):
    with Gunicorn(database_url, workers=1) as server:
        import requests

        assert requests.get(server.url + "/health", timeout=5).text == "ok\n"
        server.log.seek(0)
        assert "no articles" not in server.log.read().decode()


def test_health_is_not_fooled_by_connections_the_database_dropped(app, client, database_url):
    """After a database restart the pool's connections are dead: not a reason to say 503."""
    from psycopg import sql

    from tests.conftest import _admin

    if database_url.startswith("sqlite"):
        pytest.skip("a server that drops its clients' connections: PostgreSQL")
    assert client.get("/health").status_code == 200  # a connection now waits in the pool
    terminate = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = {}"
    _admin(sql.SQL(terminate).format(sql.Literal(database_url.rsplit("/", 1)[1])))
    assert client.get("/health").status_code == 200
