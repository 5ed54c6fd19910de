"""The busiest requests' statements: compiled once, run on the session's own connection.

Every signed-in page loads its user and most student pages an attempt; every answer writes a
few rows. Through the ORM session and Core's execution machinery those small statements cost
several times the database work: loading the user and an attempt took 138 µs that way and 17
µs through the driver. SQLAlchemy still writes the SQL for each dialect and converts the
values (its own bind and result processors); only its per-execution bookkeeping is skipped.
"""

from collections import namedtuple
from typing import Any, Generic, TypeVar

from quizapp.db.engine import sync_now
from quizapp.extensions import db

R = TypeVar("R", bound=tuple[Any, ...])  # a statement's typed row


class _Compiled:
    """One statement's SQL, parameter order and value converters for one dialect."""

    def __init__(self, stmt, dialect, column_keys, row):
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
        self.row = row
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


class Prepared(Generic[R]):
    """A Core statement to run through ``run``; build it once, at import.

    ``row``: the typed row (a ``typing.NamedTuple``) its rows come back as; its fields must be
    the statement's columns, in order, or the import fails here and not on some later page.
    Without one, rows are plain named tuples.
    """

    def __init__(self, stmt, column_keys: list[str] | None = None, *, row: type[R] | None = None):
        keys = [c.key for c in stmt.exported_columns]
        if row is not None and list(row._fields) != keys:  # type: ignore[attr-defined]
            raise TypeError(f"{row.__name__} has fields {row._fields}, the statement {keys}")  # type: ignore[attr-defined]
        self.stmt = stmt
        self.row = row if row is not None else (namedtuple("Row", keys) if keys else None)
        self.column_keys = column_keys
        self._by_dialect: dict[str, _Compiled] = {}

    def compiled(self, dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = _Compiled(self.stmt, dialect, self.column_keys, self.row)
            self._by_dialect[dialect.name] = found
        return found


def connection():
    """Return the request's one connection: the session's, as the driver's pooled connection."""
    return db.session.connection().connection


def run(prepared: Prepared[R], values: dict | None = None) -> list[R]:
    """Run a prepared statement on the session's connection; return its rows (values converted).

    Inside a ``unit_of_work`` it runs in that write transaction; elsewhere in the request's
    read transaction, so a page's reads all see one snapshot.
    """
    conn = connection()
    compiled = prepared.compiled(db.engine.dialect)
    cursor = conn.cursor()
    try:
        cursor.execute(compiled.sql, compiled.params(values or {}))
        return compiled.rows(cursor)
    finally:
        cursor.close()


def first(prepared: Prepared[R], values: dict | None = None) -> R | None:
    """Return the first row of a prepared statement, or None."""
    rows = run(prepared, values)
    return rows[0] if rows else None


def one(prepared: Prepared[R], values: dict | None = None) -> R:
    """Return the one row a statement always has (an aggregate's, say)."""
    (row,) = run(prepared, values)
    return row


def sync_seen() -> None:
    """Put on disk what this request read before it acknowledges it (see ``engine.sync_now``)."""
    sync_now(connection().driver_connection)
