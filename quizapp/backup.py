"""Online backups: SQLite's backup API, pg_dump/pg_restore for PostgreSQL."""

import os
import shutil
import sqlite3
import subprocess
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from .files import replacing


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


def _pg_env(url) -> tuple[list[str], dict]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = ["-h", url.host or "localhost", "-p", str(url.port or 5432)]
    if url.username:
        args += ["-U", url.username]
    return args, env


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
    database = _pg_database(url)
    args, env = _pg_env(url)
    with _replacing(target) as partial:
        cmd = [_tool("pg_dump"), *args, "-Fc", "-f", str(partial), database]
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
    if not {"alembic_version", "user", "answer"} <= tables:
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
    database = _pg_database(url)
    args, env = _pg_env(url)
    cmd = [
        _tool("pg_restore"),
        *args,
        "--clean",
        "--if-exists",
        "--no-owner",
        "-d",
        database,
        str(source),
    ]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode:
        detail = result.stderr.strip() or "pg_restore failed"
        raise BackupError(f"could not restore the backup {source}: {detail}")
