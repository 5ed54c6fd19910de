"""The busiest requests' statements: compiled once, run on the request's driver connection.

Every signed-in page loads its user and most student pages an attempt; every answer writes a
few rows. Through the ORM session and Core's execution machinery those small statements cost
several times the database work: loading the user and an attempt took 138 µs that way and 17
µs through the driver. SQLAlchemy still writes the SQL for each dialect and converts the
values (its own bind and result processors); only its per-execution bookkeeping is skipped.
"""

import os
from collections import namedtuple
from contextlib import contextmanager

from flask import g

from quizapp.db.engine import sync_commits, sync_now, take_writer_turn, writer_lock_path
from quizapp.extensions import db


class _Compiled:
    """One statement's SQL, parameter order and value converters for one dialect."""

    def __init__(self, stmt, dialect, column_keys):
        self.compiled = stmt.compile(dialect=dialect, column_keys=column_keys)
        self.sql = self.compiled.string
        self.order = self.compiled.positiontup if self.compiled.positional else None
        self.dialect = dialect
        names = self.compiled.bind_names  # bind -> the name it has in the SQL (anonymous too)
        self.binders = [
            (names[bind], proc)
            for bind in self.compiled.binds.values()
            if (proc := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        ]
        columns = list(stmt.exported_columns)  # a SELECT's columns, or what DML RETURNs
        self.types = [c.type for c in columns]
        self.row = namedtuple("Row", [c.key for c in columns]) if columns else None
        self.readers = None  # built from the first cursor: PostgreSQL's need its type codes

    def params(self, values: dict):
        params = self.compiled.construct_params(values)
        for name, proc in self.binders:
            params[name] = proc(params[name])
        return params if self.order is None else [params[name] for name in self.order]

    def rows(self, cursor) -> list:
        if self.row is None:
            return []
        raw = cursor.fetchall()
        if self.readers is None:
            self.readers = [
                t.dialect_impl(self.dialect).result_processor(self.dialect, d[1])
                for t, d in zip(self.types, cursor.description, strict=True)
            ]
        readers, row = self.readers, self.row
        if not any(readers):
            return [row._make(r) for r in raw]
        return [
            row._make(
                v if f is None or v is None else f(v) for f, v in zip(readers, r, strict=True)
            )
            for r in raw
        ]


class Prepared:
    """A Core statement to run through ``run``; build it once, at import."""

    def __init__(self, stmt, column_keys: list[str] | None = None):
        self.stmt = stmt
        self.column_keys = column_keys
        self._by_dialect: dict[str, _Compiled] = {}

    def compiled(self, dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = _Compiled(self.stmt, dialect, self.column_keys)
        return found


def connection():
    """Return the request's driver connection, taken from the engine's pool on first use."""
    conn = g.get("_driver_connection")
    if conn is None:
        conn = g._driver_connection = db.engine.raw_connection()
    return conn


def release(_exc=None) -> None:
    """Give the request's driver connection back to the pool (which rolls back what is open)."""
    conn = g.pop("_driver_connection", None)
    if conn is not None:
        conn.close()


def run(prepared: Prepared, values: dict | None = None) -> list:
    """Run a prepared statement; return its rows (named tuples, values converted)."""
    conn = connection()
    compiled = prepared.compiled(db.engine.dialect)
    cursor = conn.cursor()
    try:
        cursor.execute(compiled.sql, compiled.params(values or {}))
        return compiled.rows(cursor)
    finally:
        cursor.close()


def first(prepared: Prepared, values: dict | None = None):
    """Return the first row of a prepared statement, or None."""
    rows = run(prepared, values)
    return rows[0] if rows else None


@contextmanager
def writing():
    """Run the block as one write transaction on the driver connection; commit at its end.

    On SQLite, writers of every process queue on the lock file beside the database (see
    ``database.take_writer_turn``) and then take SQLite's write lock at BEGIN. A request
    holding a ``write_session`` must commit it first: it holds its own turn in that queue.
    """
    conn = connection()
    dbapi = conn.driver_connection
    engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    path = writer_lock_path(engine) if sqlite else None
    fd = take_writer_turn(path) if path is not None else None
    try:
        if sqlite:
            dbapi.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
    finally:
        if fd is not None:
            os.close(fd)
    sync_commits(dbapi)  # on disk before the caller acknowledges; outside the writer queue


def sync_seen() -> None:
    """Put on disk what this request read before it acknowledges it (see ``database.sync_now``)."""
    sync_now(connection().driver_connection)


def init_app(app) -> None:
    """Return each request's driver connection to the pool when the request ends."""
    app.teardown_appcontext(release)
