"""Online backups: SQLite's backup API, pg_dump/pg_restore for PostgreSQL."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """A backup or restore that could not be done, with the reason."""


def _sqlite_path(url) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
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


def backup(database_url: str, target: Path, progress=None) -> None:
    """Write a consistent copy of the database to ``target`` while the app keeps serving."""
    url = make_url(database_url)
    target = Path(target)
    if not target.parent.is_dir():
        raise BackupError(f"cannot write {target}: there is no folder {target.parent}")
    if url.get_backend_name() == "sqlite":
        try:
            source = sqlite3.connect(_sqlite_path(url))
            dest = sqlite3.connect(target)
        except sqlite3.Error as exc:  # e.g. a target folder we may not write in
            raise BackupError(f"cannot write {target}: {exc}") from exc
        try:
            # Copies in steps, letting writers in between; the result is one consistent snapshot.
            source.backup(dest, pages=256, progress=progress)
        except sqlite3.Error as exc:
            raise BackupError(f"could not back up to {target}: {exc}") from exc
        finally:
            dest.close()
            source.close()
        return
    args, env = _pg_env(url)
    cmd = [_tool("pg_dump"), *args, "-Fc", "-f", str(target), url.database]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode:
        raise BackupError(result.stderr.strip() or "pg_dump failed")


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with a backup made by :func:`backup`."""
    url = make_url(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    if url.get_backend_name() == "sqlite":
        try:
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            src.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not an SQLite backup: {exc}") from exc
        dest = sqlite3.connect(_sqlite_path(url))
        try:
            src.backup(dest)
        finally:
            dest.close()
            src.close()
        return
    args, env = _pg_env(url)
    cmd = [
        _tool("pg_restore"),
        *args,
        "--clean",
        "--if-exists",
        "--no-owner",
        "-d",
        url.database,
        str(source),
    ]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode:
        detail = result.stderr.strip() or "pg_restore failed"
        raise BackupError(f"could not restore the backup {source}: {detail}")
