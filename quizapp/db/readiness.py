"""Whether a database can serve the app: reachable, migrated to this release, content loaded.

Checked once before serving (gunicorn's master, `quizapp run`), so a server started on the
wrong database stops with one line instead of answering every request with a 500.
"""

from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError

from quizapp.models import Document


def _label(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def schema_problem(engine: Engine, migrations: str) -> str | None:
    """Return why this database cannot serve this release, or None when it can."""
    if _missing_sqlite_file(engine):  # connecting would leave an empty file there
        return (
            f"cannot use the database {_label(engine)}: there is no such file. Run "
            "`quizapp setup` to create it, or point DATABASE_URL at the existing one"
        )
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except DBAPIError as exc:
        return f"cannot use the database {_label(engine)}: {exc.orig or exc}".strip()
    script = ScriptDirectory(migrations)
    heads = set(script.get_heads())
    if current == heads:
        return None
    if not current:
        return (
            f"the database {_label(engine)} has no tables yet: "
            "run `quizapp setup` (or `quizapp db upgrade`) first"
        )
    known = {rev.revision for rev in script.walk_revisions()}
    if not current <= known:
        return (
            f"the database {_label(engine)} is at migration {', '.join(sorted(current))}, "
            "which this release does not know (a newer release migrated it): run that "
            "release, or restore the backup taken before the upgrade"
        )
    return (
        f"the database {_label(engine)} is at migration {', '.join(sorted(current))} but "
        f"this release needs {', '.join(sorted(heads))}: run `quizapp db upgrade` first"
    )


def _missing_sqlite_file(engine: Engine) -> bool:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return False
    return not database.startswith("file:") and not Path(database).exists()


def content_warning(engine: Engine) -> str | None:
    """Return a warning when no articles are loaded (students would find no quizzes)."""
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(Document)).scalar():
            return None
    return (
        "no articles or question banks are loaded, so students will find no quizzes: "
        "run `quizapp load`"
    )


def before_serving(engine: Engine, migrations: str) -> tuple[str | None, str | None]:
    """Return why the app cannot serve (or None), and else a warning about its content."""
    problem = schema_problem(engine, migrations)
    return problem, None if problem else content_warning(engine)


def database_answers(engine: Engine) -> bool:
    """Return whether the database answers a trivial query now."""
    # Twice: after a database restart the pool's first connection is stale; its failure
    # discards it, and a fresh one says whether the database is really down.
    for _ in range(2):
        try:
            with engine.connect() as conn:
                conn.execute(select(1))
        except DBAPIError:
            continue
        return True
    return False
