"""Who commits, and how writers take turns: the one rule for writing to the database.

The rule. A service that writes does it inside ``with unit_of_work() as session:``. The
block takes the writer turn, yields the request's session and, when it ends, commits (or
rolls back if it raised). Blocks nest: an inner one joins the outer one, and only the
outermost commits. Functions that write one part of a larger job (the loader, the FSRS card
update) take the session, or run inside their caller's block, and never commit. Views
never commit: they call a service.

One connection per request. Reads through the ORM, ``read()`` and the prepared statements
(``db.prepared``) all run on the session's connection, so a page is built from one snapshot
and a write sees what the request read.

Writers take turns. On SQLite a writer of any process first takes an exclusive ``flock`` on a
lock file beside the database, then begins ``BEGIN IMMEDIATE``; the kernel wakes the next
writer the moment the turn is given back, where SQLite's busy handler would sleep and poll.
The turn is given back as soon as the transaction commits, before the commit is synced to
disk (``engine.DurableConnection``), so concurrent writers' syncs overlap. A thread that asks
for a second turn while it holds one (a second session or connection in one request) would
wait for itself for ever: it is refused at once with ``WriterTurnHeld``. On PostgreSQL the
database orders writers itself; ``take_turn_on_postgresql`` serialises writers of one thing.
"""

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from quizapp.extensions import db

_UNIT = "unit_of_work"  # session.info key: a unit of work is open on this session
_WRITER = "sqlite_writer"  # session.info key: its transaction began as a writer
_LOCK = "writer_lock"  # session.info key: the descriptor holding the writer turn
_held_by_thread = threading.local()


class WriterTurnHeld(RuntimeError):
    """A thread asked for the writer turn while holding it: it would wait for itself."""


def writer_lock_path(engine: Engine) -> str | None:
    """Return the lock file that queues SQLite writers of one database file (None: no file)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return f"{database}-writer.lock"


def take_writer_turn(path: str) -> int:
    """Wait for this writer's turn on the database's lock file; return the descriptor to close.

    A fresh descriptor per turn makes threads queue too; the kernel drops the lock if the
    process dies. Raises ``WriterTurnHeld`` when this thread holds the turn already.
    """
    held = getattr(_held_by_thread, "paths", None)
    if held is None:
        held = _held_by_thread.paths = set()
    if path in held:
        raise WriterTurnHeld(
            "this thread already holds the database's writer turn: a second session or "
            "connection in one request would wait for itself. Write inside the open "
            "unit_of_work() (blocks nest) instead."
        )
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    held.add(path)
    return fd


def give_back_writer_turn(path: str, fd: int) -> None:
    """Release a turn taken with ``take_writer_turn``."""
    _held_by_thread.paths.discard(path)
    os.close(fd)


def _give_back(session: Session) -> None:
    session.info.pop(_WRITER, None)
    held = session.info.pop(_LOCK, None)
    if held is not None:
        give_back_writer_turn(*held)


@event.listens_for(Session, "after_commit")
def _end_turn_at_commit(session: Session) -> None:
    """Give the turn back once the root transaction committed, before it is synced to disk."""
    if not session.in_nested_transaction():  # a savepoint's release is no commit
        _give_back(session)


@event.listens_for(Session, "after_transaction_end")
def _end_turn(session: Session, transaction) -> None:
    """Give the turn back when the database transaction is over however it ended."""
    if transaction.parent is None:
        _give_back(session)


def begin_writing() -> Session:
    """Return the request's session with its transaction begun as a writer.

    On SQLite a read transaction already open (say, from loading the user) cannot be upgraded
    safely under concurrency, so it is ended first; objects stay loaded (expire_on_commit off).
    Calling it again in the same transaction changes nothing.
    """
    session = db.session()  # the request's real Session behind the scoped proxy
    bind = session.get_bind()
    if bind.dialect.name != "sqlite" or session.info.get(_WRITER):
        return session
    path = writer_lock_path(bind.engine)
    try:
        if session.in_transaction():
            # End the read and begin the write on the same connection, under the same
            # SQLAlchemy transaction: a commit plus a fresh checkout from the pool cost more
            # than the whole insert of an answer. Only reads ran so far, so nothing is lost.
            driver = session.connection().connection.driver_connection
            assert driver is not None  # a live connection: the session just used it
            driver.execute("COMMIT")
            if path is not None:
                session.info[_LOCK] = (path, take_writer_turn(path))
            driver.execute("BEGIN IMMEDIATE")
        else:
            if path is not None:
                session.info[_LOCK] = (path, take_writer_turn(path))
            session.connection(execution_options={"sqlite_write": True})
    except BaseException:
        _give_back(session)  # the write never began: free the queue now
        raise
    session.info[_WRITER] = True
    return session


@contextmanager
def unit_of_work(*, content: bool = False) -> Iterator[Session]:
    """Run the block as one write transaction of the request's session; commit at its end.

    ``content``: the block writes course content (articles, banks), whose writers take turns
    on PostgreSQL too (two nodes running ``quizapp setup`` at once would insert the same
    rows). Nested blocks join the outermost, which alone commits or rolls back.
    """
    session = db.session()
    if session.info.get(_UNIT):
        if content:
            take_turn_on_postgresql(session, _CONTENT_TURN, {"key": CONTENT_LOCK})
        yield session
        return
    begin_writing()
    session.info[_UNIT] = True
    try:
        if content:
            take_turn_on_postgresql(session, _CONTENT_TURN, {"key": CONTENT_LOCK})
        yield session
        session.commit()  # synced to disk before it returns (engine: the pool's checkin)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_UNIT, None)


CONTENT_LOCK = 0x71_75_69_7A  # "quiz": the PostgreSQL advisory lock of content writers
_CONTENT_TURN = text("SELECT pg_advisory_xact_lock(:key)")


def take_turn_on_postgresql(session: Session, lock, params: dict) -> None:
    """Run a locking statement in the write transaction, on PostgreSQL only.

    Concurrent writers of one thing then take turns until the transaction ends; on SQLite
    they already do, as every write transaction begins IMMEDIATE behind the writer queue.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(lock, params)


def read(stmt, params: dict | None = None):
    """Run a read-only statement in the request's transaction; return its plain rows (a Result).

    The ORM's row processing costs more than the query on pages of small reads and aggregates.
    """
    return db.session.connection().execute(stmt, params or {})
