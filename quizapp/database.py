"""Engine set-up: SQLite pragmas and write transactions that take the lock up front."""

import fcntl
import os
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

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
        # Straight to the driver: every request begins a transaction, and a statement through
        # SQLAlchemy's execution machinery costs more than the BEGIN itself.
        conn.connection.dbapi_connection.execute(f"BEGIN {mode}")


def writer_lock_path(engine: Engine) -> str | None:
    """Return the lock file that queues SQLite writers of one database file (None: no file)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return f"{database}-writer.lock"


def take_writer_turn(path: str) -> int:
    """Wait for this writer's turn on the database's lock file; return the descriptor to close."""
    # SQLite's busy handler makes a waiting writer sleep and poll (1, 2, 5, 10 ms ...), so
    # with several processes the write lock often sits idle. A flock on a file beside the
    # database queues writers in the kernel instead, which wakes the next one as soon as the
    # lock is released. A fresh descriptor per turn makes threads queue too; the kernel
    # drops the lock if the process dies.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    return fd


@event.listens_for(Session, "after_transaction_end")
def _end_writer_turn(session: Session, transaction) -> None:
    """Release the writer queue once the database transaction is over (committed or not)."""
    if transaction.parent is None:
        session.info.pop("sqlite_writer", None)
        if "writer_lock" in session.info:
            os.close(session.info.pop("writer_lock"))


def write_session():
    """Return the session with its transaction started as a writer (BEGIN IMMEDIATE on SQLite).

    On SQLite a read transaction already open (say, from loading the user) cannot be upgraded
    safely under concurrency, so it is ended first; objects stay loaded (expire_on_commit off).
    Writers from every process queue on a lock file before taking SQLite's write lock.
    """
    session = db.session()  # the request's real Session behind the scoped proxy
    bind = session.get_bind()
    if bind.dialect.name != "sqlite" or session.info.get("sqlite_writer"):
        return session
    path = writer_lock_path(bind)
    try:
        if session.in_transaction():
            # End the read and begin the write on the same connection, under the same
            # SQLAlchemy transaction: a commit plus a fresh checkout from the pool cost more
            # than the whole insert of an answer. Only reads ran so far, so nothing is lost.
            driver = session.connection().connection.dbapi_connection
            driver.execute("COMMIT")
            if path is not None:
                session.info["writer_lock"] = take_writer_turn(path)
            driver.execute("BEGIN IMMEDIATE")
        else:
            if path is not None:
                session.info["writer_lock"] = take_writer_turn(path)
            session.connection(execution_options={"sqlite_write": True})
    except BaseException:
        if "writer_lock" in session.info:  # the write never began: free the queue now
            os.close(session.info.pop("writer_lock"))
        raise
    session.info["sqlite_writer"] = True
    return session


def read(stmt, params: dict | None = None):
    """Run a read-only statement in the request's transaction; return its plain rows (a Result).

    The ORM's row processing costs more than the query on pages of small reads and aggregates.
    """
    return db.session.connection().execute(stmt, params or {})
