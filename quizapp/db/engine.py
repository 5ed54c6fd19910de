"""Engine set-up: SQLite pragmas and write transactions that take the lock up front."""

import fcntl
import os
import sqlite3

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from quizapp.extensions import db


class DurableConnection(sqlite3.Connection):
    """A SQLite connection that notes commits not yet on disk, for ``sync_commits``.

    With ``synchronous=FULL`` SQLite syncs the WAL inside COMMIT, while it (and the writer
    queue) still hold the write lock, so every other writer waits for that disk flush too.
    Here SQLite commits with ``synchronous=NORMAL`` (consistent, not yet durable) and the app
    syncs the WAL itself once the lock is free, before it acknowledges anything: each commit
    is as durable as with FULL, and the flushes of concurrent writers overlap.
    """

    wal_path: str | None = None
    unsynced = False  # a commit changed rows and the WAL has not been synced since
    _changes_seen = 0

    def commit(self) -> None:
        changed = self.total_changes != self._changes_seen
        super().commit()
        self._changes_seen = self.total_changes
        if changed and self.wal_path:
            self.unsynced = True

    def rollback(self) -> None:
        super().rollback()
        self._changes_seen = self.total_changes


def sync_commits(dbapi_conn) -> None:
    """Put a connection's committed changes on disk (an fdatasync of the WAL), if any are not."""
    if getattr(dbapi_conn, "unsynced", False):
        try:
            fd = os.open(dbapi_conn.wal_path, os.O_RDWR)
        except FileNotFoundError:  # checkpointed into the database (synced) and removed
            fd = None
        if fd is not None:
            try:
                os.fdatasync(fd)
            finally:
                os.close(fd)
        dbapi_conn.unsynced = False


def sync_now(dbapi_conn) -> None:
    """Sync the WAL although this connection may have committed nothing.

    What it read may be another request's commit from a moment ago, visible before that
    request has synced it: sync before acknowledging it (a repeated answer's "your first
    answer stands").
    """
    if getattr(dbapi_conn, "wal_path", None):
        dbapi_conn.unsynced = True
        sync_commits(dbapi_conn)


def configure_engine(engine: Engine, synchronous: str = "FULL") -> None:
    """Apply per-connection settings for SQLite; PostgreSQL needs none.

    ``synchronous``: FULL (default) puts each commit on disk before it is acknowledged, even
    across power loss (see ``DurableConnection``); NORMAL (with WAL) survives any crash of
    the app but may lose the last commits on power loss, and saves an fsync per answer.
    """
    if engine.dialect.name != "sqlite":
        return
    if synchronous not in ("FULL", "NORMAL"):
        raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")
    durable = synchronous == "FULL"

    @event.listens_for(engine, "do_connect")
    def _connect_durably(_dialect, _record, _cargs, cparams) -> None:
        if durable:
            cparams["factory"] = DurableConnection

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record) -> None:
        # Let SQLAlchemy emit BEGIN itself (below) instead of pysqlite's implicit deferred BEGIN.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")  # FULL's syncs come from DurableConnection
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        path = cur.execute("PRAGMA database_list").fetchone()[2]  # '' for a memory database
        cur.close()
        if isinstance(dbapi_conn, DurableConnection) and path:
            dbapi_conn.wal_path = f"{path}-wal"

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn, _record) -> None:
        # Whatever committed without syncing yet (a session's commit, say) is synced before
        # its connection is reused, and so before the request's response goes out.
        if dbapi_conn is not None:
            sync_commits(dbapi_conn)

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


CONTENT_LOCK = 0x71_75_69_7A  # "quiz": the PostgreSQL advisory lock of content writers


def content_write_session():
    """Return ``write_session()``, this transaction holding the turn of content writers.

    On PostgreSQL two loads at once (a deploy running `quizapp setup` on every node, two
    uploads) would insert the same rows and one fail; the second now waits, then finds them.
    SQLite's writer queue already serialises them.
    """
    session = write_session()
    take_turn_on_postgresql(session, _CONTENT_TURN, {"key": CONTENT_LOCK})
    return session


_CONTENT_TURN = text("SELECT pg_advisory_xact_lock(:key)")


def take_turn_on_postgresql(session, lock, params: dict) -> None:
    """Run a locking statement in the write transaction, on PostgreSQL only.

    Concurrent writers of one thing then take turns until the transaction ends; on SQLite
    they already do, as every write transaction begins IMMEDIATE behind the writer queue.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(lock, params)


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
