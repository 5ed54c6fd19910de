"""`quizapp backup` and `quizapp restore`: every answer comes back, even if taken while serving."""

import threading

import pytest
from sqlalchemy import create_engine, func, select, text

from quizapp import create_app
from quizapp.extensions import db
from quizapp.models import Answer, Attempt, User
from tests.quizhelp import bank_ids, take_quiz


def rows(url: str, table) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(select(table).order_by(table.c.id))]
    finally:
        engine.dispose()


def test_restore_into_a_fresh_database_gives_back_every_answer(
    app, client, auth, runner, templates, database_url, tmp_path
):
    auth.register("saver")
    banks = bank_ids(app)
    take_quiz(app, client, banks[0], wrong_at={1})
    take_quiz(app, client, banks[1])
    backup = tmp_path / "quizapp.db.backup"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.stat().st_size > 0

    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    fresh = templates.clone(backend)
    other = create_app({"SQLALCHEMY_DATABASE_URI": fresh, "SECRET_KEY": "t"})
    try:
        result = other.test_cli_runner().invoke(args=["restore", str(backup), "--yes"])
        assert result.exit_code == 0, result.output
        for table in (Answer.__table__, Attempt.__table__, User.__table__):
            original = rows(database_url, table)
            assert original, table.name
            assert rows(fresh, table) == original, table.name
    finally:
        with other.app_context():
            db.engine.dispose()
        templates.drop(fresh)


def test_backup_while_answers_keep_arriving_is_consistent(
    app, client, auth, runner, templates, database_url, tmp_path
):
    auth.register("busy")
    banks = bank_ids(app)
    stop, started = threading.Event(), threading.Event()

    def keep_answering():
        for bank in banks * 3:
            if stop.is_set():
                return
            take_quiz(app, client, bank)
            started.set()

    writer = threading.Thread(target=keep_answering)
    writer.start()
    try:
        assert started.wait(60)
        backup = tmp_path / "busy.backup"
        result = runner.invoke(args=["backup", str(backup)])
        assert result.exit_code == 0, result.output
    finally:
        stop.set()
        writer.join(60)
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    fresh = templates.clone(backend)
    other = create_app({"SQLALCHEMY_DATABASE_URI": fresh, "SECRET_KEY": "t"})
    try:
        assert other.test_cli_runner().invoke(args=["restore", str(backup), "--yes"]).exit_code == 0
        restored = rows(fresh, Answer.__table__)
        now = {r[0]: r for r in rows(database_url, Answer.__table__)}
        # A snapshot: each restored answer is exactly as stored, and none is half-written
        assert all(now[r[0]] == r for r in restored)
        with other.app_context():
            if backend == "sqlite":
                assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            answered = db.session.scalar(select(func.count()).select_from(Answer))
            assert answered == len(restored)
    finally:
        with other.app_context():
            db.engine.dispose()
        templates.drop(fresh)


def test_restore_refuses_a_file_that_is_not_a_backup(runner, tmp_path, database_url):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database")
    result = runner.invoke(args=["restore", str(bogus), "--yes"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "backup" in result.output.lower()
    assert runner.invoke(args=["restore", str(tmp_path / "missing.db"), "--yes"]).exit_code != 0


def test_restore_of_a_missing_file_says_so_before_asking_to_replace_anything(runner, tmp_path):
    result = runner.invoke(args=["restore", str(tmp_path / "missing.db")], input="y\n")
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert "Continue?" not in result.output


def test_backup_is_quiet_in_scripts(runner, tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("pg_dump reports no progress")
    result = runner.invoke(args=["backup", str(tmp_path / "a.db")])
    assert result.output == f"backed up to {tmp_path / 'a.db'}\n"  # no progress bar off a TTY
    assert runner.invoke(args=["backup", "-q", str(tmp_path / "b.db")]).output == ""


def test_backup_to_a_missing_folder_or_a_non_database_file_is_one_line(
    runner, tmp_path, database_url
):
    result = runner.invoke(args=["backup", str(tmp_path / "nowhere" / "b.db")])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: cannot write {tmp_path / 'nowhere' / 'b.db'}: there is no folder "
        f"{tmp_path / 'nowhere'}\n"
    )
    notes = tmp_path / "notes.db"  # a backup replaces what has the name, as cp would
    notes.write_text("not a database " * 100)
    assert runner.invoke(args=["backup", "-q", str(notes)]).exit_code == 0
    assert notes.read_bytes().startswith((b"SQLite format 3", b"PGDMP"))


def test_a_failed_backup_leaves_the_old_one_and_no_partial_file(app, tmp_path, database_url):
    import shutil
    import sqlite3

    from quizapp.db.backup import BackupError, backup

    target = tmp_path / "nightly.db"
    target.write_bytes(b"yesterday's good backup")

    def disk_full(*_):
        raise sqlite3.OperationalError("database or disk is full")

    if database_url.startswith("sqlite"):
        failing = (database_url, disk_full)
    elif shutil.which("pg_dump"):
        failing = ("postgresql://nobody@127.0.0.1:1/quizapp", None)  # nothing listens there
    else:
        pytest.skip("pg_dump is not installed")
    with pytest.raises(BackupError, match="nothing was written to"):
        backup(failing[0], target, progress=failing[1])
    assert target.read_bytes() == b"yesterday's good backup"
    assert [f.name for f in tmp_path.iterdir()] == ["nightly.db"]


def test_restore_refuses_a_file_that_is_not_a_quizapp_backup(app, runner, tmp_path):
    import sqlite3

    from quizapp.db.backup import BackupError, restore

    empty, other = tmp_path / "empty.db", tmp_path / "other.db"
    empty.write_bytes(b"")
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE foo (x)")
    url = f"sqlite:///{tmp_path / 'live.db'}"
    for wrong in (empty, other):
        with pytest.raises(BackupError, match="is not a quizapp backup"):
            restore(url, wrong)
    assert not (tmp_path / "live.db").exists()  # nothing was written


def test_a_backup_whose_name_has_a_hash_or_question_mark_restores_itself(
    app, client, auth, runner, database_url, tmp_path
):
    if not database_url.startswith("sqlite"):
        pytest.skip("file names reach SQLite as URIs only")
    auth.register("hashed")
    odd = tmp_path / "bk#1?.db"
    assert runner.invoke(args=["backup", "-q", str(odd)]).exit_code == 0
    assert not (tmp_path / "bk").exists()
    assert runner.invoke(args=["restore", str(odd), "--yes"]).exit_code == 0
    assert any(r[1] == "hashed" for r in rows(database_url, User.__table__))


def test_a_backup_from_before_an_upgrade_restores_and_upgrades_again(app, runner, tmp_path):
    from tests.factories import schema_drift

    assert runner.invoke(args=["db", "downgrade", "a7c3e91d5b20"]).exit_code == 0
    older = tmp_path / "before-upgrade.backup"
    assert runner.invoke(args=["backup", "-q", str(older)]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["restore", str(older), "--yes"])
    assert result.exit_code == 0, result.output
    # The table the newer migration made is gone with the rest, so the upgrade can make it.
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert schema_drift(app) == []


def test_postgres_restore_refuses_a_dump_of_another_database(
    app, tmp_path, templates, database_url
):
    from quizapp.db.backup import BackupError, backup, restore

    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only (the SQLite refusal has its own test)")
    other = templates.clone("postgresql")
    engine = create_engine(other)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            conn.execute(text("CREATE TABLE invoices (id int)"))
        dump = tmp_path / "other.dump"
        backup(other, dump)
        with pytest.raises(BackupError, match="is not a quizapp backup"):
            restore(database_url, dump)
        assert "invoices" not in inspect_tables(database_url)
    finally:
        engine.dispose()
        templates.drop(other)


def inspect_tables(url: str) -> set[str]:
    from sqlalchemy import inspect

    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_tools_reach_postgresql_as_the_app_does_a_socket_folder_and_port_included():
    from sqlalchemy.engine import make_url

    from quizapp.db.backup import _pg_env

    url = make_url("postgresql+psycopg://quiz:s3cret@/course?host=/run/postgresql&port=5402")
    conninfo, env = _pg_env(url)
    # libpq decodes the query's %2F; its test below reaches a real server the same way
    assert conninfo == "postgresql://quiz@/course?host=%2Frun%2Fpostgresql&port=5402"
    assert env["PGPASSWORD"] == "s3cret" and "s3cret" not in conninfo


def test_a_relative_sqlite_path_is_backed_up_and_restored_where_the_app_keeps_it(
    tmp_path, monkeypatch
):
    import uuid
    from pathlib import Path

    monkeypatch.chdir(tmp_path)
    name = f"test-relative-{uuid.uuid4().hex[:8]}.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{name}", "SECRET_KEY": "t"})
    kept = Path(app.instance_path) / name  # where Flask-SQLAlchemy puts a relative path
    try:
        runner = app.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        result = runner.invoke(args=["backup", "-q", str(tmp_path / "b.db")])
        assert result.exit_code == 0, result.output
        result = runner.invoke(args=["restore", str(tmp_path / "b.db"), "--yes"])
        assert result.exit_code == 0, result.output
        assert kept.is_file() and not (tmp_path / name).exists()
    finally:
        with app.app_context():
            db.engine.dispose()
        for leftover in kept.parent.glob(name + "*"):
            leftover.unlink()
