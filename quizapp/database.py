"""Engine set-up: SQLite pragmas and write transactions that take the lock up front."""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db


def configure_engine(engine: Engine, synchronous: str = "FULL") -> None:
    """Apply per-connection settings for SQLite; PostgreSQL needs none.

    ``synchronous``: FULL (default) puts each commit on disk before it is acknowledged, even
    across power loss; NORMAL (with WAL) survives any crash of the app but may lose the last
    commits on power loss, and saves an fsync per answer.
    """
    if engine.dialect.name != "sqlite":
        return
    if synchronous not in ("FULL", "NORMAL"):
        raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record) -> None:
        # Let SQLAlchemy emit BEGIN itself (below) instead of pysqlite's implicit deferred BEGIN.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        # Writers take the write lock at BEGIN so concurrent writers queue in the busy handler
        # instead of failing with "database is locked" when a read lock is upgraded.
        mode = "IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def write_session():
    """Return the session with its transaction started as a writer (BEGIN IMMEDIATE on SQLite).

    On SQLite a read transaction already open (say, from loading the user) cannot be upgraded
    safely under concurrency, so it is ended first; objects stay loaded (expire_on_commit off).
    """
    session = db.session()  # the request's real Session behind the scoped proxy
    if session.get_bind().dialect.name != "sqlite":
        return session
    if session.in_transaction():
        conn = session.connection()
        if conn.get_execution_options().get("sqlite_write"):
            return session
        session.commit()
    session.connection(execution_options={"sqlite_write": True})
    return session
