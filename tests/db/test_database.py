"""SQLite writers queue on a lock file, and the lock is always given back."""

import os
import sqlite3

import pytest
from sqlalchemy import text

from quizapp.db.transactions import begin_writing, writer_lock_path
from quizapp.extensions import db
from tests.factories import schema_drift, writer_queue_held


@pytest.fixture
def lock_path(app):
    with app.app_context():
        path = writer_lock_path(db.engine)
    if path is None:
        pytest.skip("only SQLite files queue their writers")
    return path


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_a_write_transaction_holds_the_queue_until_it_ends(app, lock_path, end):
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # a read transaction first, as a request has
        assert not writer_queue_held(lock_path)
        session = begin_writing()
        assert writer_queue_held(lock_path)
        assert begin_writing() is session and writer_queue_held(
            lock_path
        )  # re-entrant within a request
        getattr(session, end)()
        assert not writer_queue_held(lock_path)


def test_a_read_transaction_becomes_a_write_that_holds_sqlites_lock(app, lock_path):
    database = lock_path.removesuffix("-writer.lock")
    other = sqlite3.connect(database, timeout=0, isolation_level=None)
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # a read transaction first, as a request has
        session = begin_writing()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")  # the write lock is taken at once, not at commit
        session.execute(text("CREATE TABLE promoted (x INTEGER)"))
        session.commit()
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    assert other.execute("SELECT count(*) FROM promoted").fetchone() == (0,)  # committed


def test_the_queue_is_given_back_when_a_request_fails(app, lock_path):
    @app.get("/boom")
    def boom():
        begin_writing()
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert app.test_client().get("/boom").status_code == 500
    assert not writer_queue_held(lock_path)


def test_postgresql_needs_no_queue(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only")
        assert writer_lock_path(db.engine) is None


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("sqlite:////nonexistent-dir/quiz.sqlite3", "sqlite:////nonexistent-dir/quiz.sqlite3"),
        (
            "postgresql+psycopg://teacher:hunter22@127.0.0.1:1/quiz",
            "postgresql+psycopg://teacher:***@127.0.0.1:1/quiz",
        ),
    ],
)
@pytest.mark.parametrize("args", [["db", "upgrade"], ["load"], ["setup"]])
def test_an_unreachable_database_is_one_line_not_a_traceback(url, shown, args):
    from click.testing import CliRunner

    from quizapp.cli import main

    env = {"DATABASE_URL": url, "SECRET_KEY": "x"}
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 1
    assert f"Error: cannot use the database {shown}" in result.output
    assert "hunter22" not in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("url", "why"),
    [
        (
            "nonsense://",
            "DATABASE_URL nonsense:// is not usable: SQLAlchemy has no database driver",
        ),
        ("not a url", "DATABASE_URL is not usable: Could not parse"),
        (
            "mysql://teacher:hunter22@db/quiz",
            "DATABASE_URL mysql://teacher:***@db/quiz is not usable: its driver",
        ),
    ],
)
def test_an_unusable_database_url_says_why_in_one_line(url, why):
    from click.testing import CliRunner

    from quizapp.cli import main

    env = {"DATABASE_URL": url, "SECRET_KEY": "x"}
    result = CliRunner().invoke(main, ["load"], env=env)
    assert result.exit_code == 1
    assert result.output.startswith("Error: " + why)
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert "hunter22" not in result.output
    helped = CliRunner().invoke(main, ["--help"], env=env)
    assert helped.exit_code == 0 and "Usage:" in helped.output
    assert "Error: " + why in helped.output and "Traceback" not in helped.output


def test_migrations_build_exactly_the_schema_the_models_declare(app):
    assert schema_drift(app) == []


def test_downgrade_and_upgrade_again_keep_the_data(app, runner, client, auth):
    """Every migration, both ways, on a database in use: accounts, answers, review cards."""
    from sqlalchemy import func, select

    from quizapp.models import Answer, Passage, ReviewCard, User
    from tests.quizhelp import bank_ids, take_quiz

    auth.register("keeper")
    take_quiz(app, client, bank_ids(app)[0])
    tables = (Passage, User, Answer, ReviewCard)

    def counts():
        with app.app_context():
            return [db.session.scalar(select(func.count()).select_from(t)) for t in tables]

    before = counts()
    assert all(before)
    app.logger.info("the app's logger exists before the migrations run")
    result = runner.invoke(args=["db", "downgrade", "5cec7cda7e9f"])
    assert result.exit_code == 0, result.output
    assert schema_drift(app) != []  # the models are ahead of the first revision
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert counts() == before
    assert schema_drift(app) == []
    with app.app_context(), db.engine.connect() as one, db.engine.connect() as two:
        if one.dialect.name == "sqlite":  # keys back on for every connection the pool lends
            for conn in (one, two):
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    # alembic's logging set-up must not silence the app's logger (500s are logged with an id)
    assert not app.logger.disabled


def test_the_email_key_migration_keys_existing_accounts_and_the_older_keeps_a_shared_email(
    app, runner
):
    from sqlalchemy import insert, select
    from sqlalchemy.exc import IntegrityError

    from quizapp.models import User

    assert runner.invoke(args=["db", "downgrade", "b4d2e8f1c3a9"]).exit_code == 0
    extra = {"full_name": "", "password_hash": "x", "role": "student"}
    emails = {"ann": "Ann@Example.org", "ann2": "ann@example.ORG", "unal": "Ünal@x.org", "bo": None}
    with app.app_context():
        for name, email in emails.items():
            # Core, naming its columns: the model has one the old schema lacks
            db.session.execute(insert(User.__table__).values(username=name, email=email, **extra))
        db.session.commit()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        keys = dict(db.session.execute(select(User.username, User.email_key)).all())
        assert keys == {"ann": "ann@example.org", "ann2": None, "unal": "ünal@x.org", "bo": None}
        with pytest.raises(IntegrityError):  # the database itself refuses the other case
            db.session.add(User(username="unal2", email="ÜNAL@x.org", **extra))
            db.session.commit()


def test_the_level_migration_gives_versions_loaded_before_it_recall_and_no_allow(app, runner):
    from sqlalchemy import inspect, select

    from quizapp.models import Question, QuestionVersion

    assert runner.invoke(args=["db", "downgrade", "e3a9c7f1b5d2"]).exit_code == 0
    with app.app_context(), db.engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("question_version")}
        assert "level" not in columns and "difficulty" in columns
        assert "allow" not in {c["name"] for c in inspect(conn).get_columns("question")}
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        levels = db.session.scalars(select(QuestionVersion.level)).all()
        allows = db.session.scalars(select(Question.allow)).all()
    assert levels and set(levels) == {"recall"}
    assert allows and set(allows) == {None}  # until the next load


def test_an_answer_is_synced_to_disk_after_the_writer_queue_is_free(
    app, client, auth, lock_path, monkeypatch
):
    from tests.quizhelp import answer, bank_ids, start

    auth.register("durable")
    url = start(client, bank_ids(app)[0])
    synced = []  # (file, was the writer queue held at that moment)
    real = os.fdatasync

    def spy(fd):
        synced.append((os.readlink(f"/proc/self/fd/{fd}"), writer_queue_held(lock_path)))
        real(fd)

    monkeypatch.setattr(os, "fdatasync", spy)
    assert client.get(url).status_code == 200
    assert synced == []  # reading commits nothing
    assert answer(app, client, url).status_code == 303
    wal = lock_path.removesuffix("-writer.lock") + "-wal"
    assert (wal, False) in synced  # on disk before the 303, and other writers were not waiting


def test_a_repeated_answer_is_told_the_first_stands_only_once_that_is_on_disk(
    app, client, auth, lock_path, monkeypatch
):
    from tests.conftest import csrf_from
    from tests.quizhelp import answer_values, bank_ids, current_view, start

    auth.register("repeat")
    url = start(client, bank_ids(app)[0])
    page = client.get(url).get_data(as_text=True)
    form = {
        "csrf_token": csrf_from(page),
        "answer": answer_values(app, page, current_view(app, url), True),
    }
    assert client.post(url, data=form).status_code == 303
    synced = []
    real = os.fdatasync

    def spy(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fdatasync", spy)
    again = client.post(url, data=form)  # the same form from a stale tab: nothing to commit
    assert again.status_code == 303
    assert "your first answer stands" in client.get(again.location).get_data(as_text=True)
    # The first answer may be another request's commit not yet synced: synced before saying so.
    assert synced == [lock_path.removesuffix("-writer.lock") + "-wal"]


@pytest.mark.parametrize("port", ["0", "65536", "99999", "abc"])
def test_run_refuses_a_port_outside_1_to_65535(port):
    import os
    import subprocess
    import sys

    # Flask's own `run` took 99999 and the socket wrapped it: the app served on 34463. In a
    # subprocess with a timeout, so that a server started by mistake fails the test, not hangs it.
    env = {**os.environ, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x"}
    script = "from quizapp.cli import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", script, "run", "--port", port],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "Invalid value for '--port'" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("port", ["99999", "abc", "0"])
def test_the_run_script_refuses_a_bad_port_before_installing_anything(port):
    import subprocess
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "run.sh"
    env = {"PATH": "/usr/bin:/bin", "PORT": port}
    result = subprocess.run(
        ["bash", str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr == f"PORT must be a port number from 1 to 65535, not '{port}'\n"
    assert result.stdout == ""


def test_a_file_that_is_not_a_database_is_one_line_not_a_traceback(tmp_path):
    from click.testing import CliRunner

    from quizapp.cli import main

    corrupt = tmp_path / "notes.db"
    corrupt.write_text("not a database at all\n" * 10)
    env = {"DATABASE_URL": f"sqlite:///{corrupt}", "SECRET_KEY": "x"}
    result = CliRunner().invoke(main, ["user", "create", "zed", "--password", "a" * 12], env=env)
    assert result.exit_code == 1, result.output
    assert "cannot use the database" in result.output and "file is not a database" in result.output


def test_several_nodes_running_setup_at_once_on_postgresql_all_succeed(database_url):
    """A deploy that runs `quizapp setup` on every node: the others wait, then find it done."""
    import os
    import subprocess
    import sys
    import uuid

    from psycopg import sql

    from tests.conftest import _admin, _sqlalchemy_url

    if database_url.startswith("sqlite"):
        pytest.skip("SQLite's writer queue already serialises them (one file, one machine)")
    name = f"setup_{uuid.uuid4().hex[:10]}"
    _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        env = {**os.environ, "DATABASE_URL": _sqlalchemy_url(name), "SECRET_KEY": "x" * 32}
        script = "from quizapp.cli import main; main()"
        nodes = [
            subprocess.Popen(
                [sys.executable, "-c", script, "setup"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        outcomes = [(node.wait(timeout=120), node.stderr.read()) for node in nodes]
        for node in nodes:
            node.stdout.close()
            node.stderr.close()
        assert [code for code, _ in outcomes] == [0, 0, 0], outcomes
        assert not any("Traceback" in err for _, err in outcomes)
    finally:
        _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
