"""Commands that need the schema say so clearly instead of failing with a traceback."""

from functools import wraps

import click
from flask.cli import with_appcontext
from sqlalchemy import inspect

from quizapp.extensions import db


def with_database(command):
    """Like ``with_appcontext``, and refuse to run on a database without the schema."""

    @with_appcontext
    @wraps(command)
    def wrapper(*args, **kwargs):
        if not inspect(db.engine).has_table("alembic_version"):
            raise click.ClickException(
                "the database has no tables yet: run `quizapp setup` (or `quizapp db upgrade`) "
                "first"
            )
        return command(*args, **kwargs)

    return wrapper
