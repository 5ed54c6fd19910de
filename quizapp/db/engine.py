"""Engine set-up: SQLite pragmas, writers that take the lock at BEGIN, durable commits."""

import os
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


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
