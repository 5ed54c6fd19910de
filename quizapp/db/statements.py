"""Statements that read the same on SQLite and PostgreSQL, written once for both."""

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from quizapp.extensions import db


def insert_ignoring_duplicates(model):
    """Return an INSERT that does nothing when a unique constraint already holds the row."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing()
