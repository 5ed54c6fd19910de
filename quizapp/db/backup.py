"""Online backups: SQLite's backup API, pg_dump/pg_restore for PostgreSQL."""

import os
import shutil
import sqlite3
import subprocess
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url

from quizapp.files import replacing


class BackupError(RuntimeError):
    """A backup or restore that could not be done, with the reason."""


def _sqlite_path(url) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up or restored")
    return url.database


def _pg_database(url) -> str:
    if not url.database:
        raise BackupError("DATABASE_URL names no database (postgresql://user@host/NAME)")
    return url.database


def _pg_env(url) -> tuple[str, dict]:
    """Return a libpq connection URI for the tools, as the app connects, and their environment.

    The URI keeps what the app's driver reads from DATABASE_URL, a socket folder or port in
    its query included; the password goes in the environment, not on a command line.
    """
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = URL.create(
        "postgresql", url.username, None, url.host, url.port, url.database, url.query
    )
    return plain.render_as_string(hide_password=False), env


QUIZAPP_TABLES = {"alembic_version", "user", "answer"}


def _dump_tables(source: Path, env: dict) -> set[str]:
    """Return the tables a pg_dump archive holds; refuse a file that is not one."""
    result = subprocess.run(
        [_tool("pg_restore"), "--list", str(source)], env=env, capture_output=True, text=True
    )
    if result.returncode:
        detail = result.stderr.strip() or "pg_restore --list failed"
        raise BackupError(f"{source} is not a PostgreSQL backup: {detail}")
    # Lines such as "215; 1259 16390 TABLE public answer quizapp"
    return {
        parts[parts.index("TABLE") + 2]
        for line in result.stdout.splitlines()
        if not line.startswith(";")
        and "TABLE" in (parts := line.split())
        and parts.index("TABLE") + 2 < len(parts)
        and "DATA" not in parts
    }


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian package postgresql-client)")
    return path


@contextmanager
def _replacing(target: Path):
    """``files.replacing``, its failures said as backup errors that say nothing was written."""
    try:
        with replacing(target) as partial:
            yield partial
    except (BackupError, OSError) as exc:
        raise BackupError(f"{exc} (nothing was written to {target})") from exc


def backup(database_url: str, target: Path, progress=None) -> None:
    """Write a consistent copy of the database to ``target`` while the app keeps serving."""
    url = make_url(database_url)
    target = Path(target)
    if not target.parent.is_dir():
        raise BackupError(f"cannot write {target}: there is no folder {target.parent}")
    if url.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        try:
            source = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
            source.execute("PRAGMA schema_version").fetchone()
        except sqlite3.Error as exc:
            raise BackupError(f"cannot read the database {path}: {exc}") from exc
        try:
            with _replacing(target) as partial:
                try:
                    dest = sqlite3.connect(partial)
                except sqlite3.Error as exc:  # e.g. a folder we may not write in
                    raise BackupError(f"cannot write {target}: {exc}") from exc
                try:
                    # In steps, letting writers in between; the result is one consistent snapshot.
                    source.backup(dest, pages=256, progress=progress)
                except sqlite3.Error as exc:
                    raise BackupError(f"could not back up to {target}: {exc}") from exc
                finally:
                    dest.close()
        finally:
            source.close()
        return
    _pg_database(url)
    conninfo, env = _pg_env(url)
    with _replacing(target) as partial:
        cmd = [_tool("pg_dump"), "-Fc", "-f", str(partial), "-d", conninfo]
        result = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if result.returncode:
            raise BackupError(result.stderr.strip() or "pg_dump failed")


def _check_sqlite_backup(source: Path) -> sqlite3.Connection:
    """Open a SQLite backup read-only; refuse a file that is not a quizapp database."""
    try:
        # As a URI so that "#" or "?" in a file name stay part of the name.
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        tables = {row[0] for row in src.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not an SQLite backup: {exc}") from exc
    if not tables >= QUIZAPP_TABLES:
        src.close()
        raise BackupError(
            f"{source} is not a quizapp backup (it has no quizapp tables): nothing was restored"
        )
    return src


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with a backup made by :func:`backup`."""
    url = make_url(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    if url.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        src = _check_sqlite_backup(source)
        try:
            dest = sqlite3.connect(path)
            src.backup(dest)
            dest.close()
        except sqlite3.Error as exc:
            raise BackupError(f"cannot restore into the database {path}: {exc}") from exc
        finally:
            src.close()
        return
    _pg_database(url)
    conninfo, env = _pg_env(url)
    tables = _dump_tables(source, env)
    if not tables >= QUIZAPP_TABLES:
        raise BackupError(
            f"{source} is not a quizapp backup (it has no quizapp tables): nothing was restored"
        )
    _pg_restore_replacing_all(url, conninfo, env, source)


def _pg_restore_replacing_all(url, conninfo: str, env: dict, source: Path) -> None:
    """Drop every table, then load the backup, in one transaction: all of it or none of it.

    ``pg_restore --clean`` drops only what the backup holds: a table a later migration made
    would stay (and stop `quizapp db upgrade`, "already exists"), and a foreign key a later
    migration added to an old table stops the drop of the key it points at. So the script
    pg_restore writes goes to psql after a DROP ... CASCADE of every table there is now.
    """
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
    finally:
        engine.dispose()
    drops = "".join(f'DROP TABLE IF EXISTS "{name}" CASCADE;\n' for name in tables)
    restore = [_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction"]
    restore += ["-v", "ON_ERROR_STOP=1", "-d", conninfo, "-f", "-"]
    script = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "-f", "-", str(source)]
    pipe, nowhere = subprocess.PIPE, subprocess.DEVNULL
    with (
        subprocess.Popen(restore, stdin=pipe, stdout=nowhere, stderr=pipe, env=env) as psql,
        subprocess.Popen(script, stdout=pipe, stderr=pipe, env=env) as dump,
    ):
        assert psql.stdin and psql.stderr and dump.stdout and dump.stderr  # all piped above
        try:
            psql.stdin.write(drops.encode())
            shutil.copyfileobj(dump.stdout, psql.stdin)  # streamed: a dump may be gigabytes
            psql.stdin.close()
        except BrokenPipeError:  # psql stopped at an error: its message says which
            psql.stdin = None  # nothing more to send, nor to flush on the way out
            dump.kill()
        errors = [psql.stderr.read().decode().strip(), dump.stderr.read().decode().strip()]
    if psql.returncode or dump.returncode:
        detail = next((e for e in errors if e), "pg_restore failed")
        raise BackupError(f"could not restore the backup {source}: {detail}")
