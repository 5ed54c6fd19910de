"""The ``quizapp`` command line: the same commands as ``flask --app quizapp``.

One module per topic: ``content`` (load, retire, setup), ``banks`` (check, schema), ``users``,
``backup`` (backup, restore), ``demo``, ``interchange`` (export, import), ``assignments``
(assignment create, list, update, delete, override, release), ``lti`` (add-platform, list,
remove, add-deployment, rotate-key, drop-old-keys, config), ``lti_roster`` (lti sync-roster)
and ``lti_scores`` (lti send-scores); this module holds the group, its error handling and
Flask's ``run`` with its checks.
"""

import copy
import functools
import sys

import click
from flask.cli import FlaskGroup, ScriptInfo

from quizapp.extensions import db


def register_commands(app) -> None:
    """Attach the project's commands to ``app.cli``."""
    from quizapp.cli.assignments import assignment_group
    from quizapp.cli.backup import backup_command, restore_command
    from quizapp.cli.banks import check_command, schema_command
    from quizapp.cli.content import load_command, retire_command, setup_command
    from quizapp.cli.demo import demo_command
    from quizapp.cli.interchange import export_group, import_group
    from quizapp.cli.lti import lti_group
    from quizapp.cli.lti_roster import lti_sync_roster  # noqa: F401 (adds it to lti_group)
    from quizapp.cli.lti_scores import lti_send_scores  # noqa: F401  (joins lti_group)
    from quizapp.cli.users import user_group

    for command in (
        load_command,
        retire_command,
        setup_command,
        user_group,
        check_command,
        schema_command,
        backup_command,
        restore_command,
        demo_command,
        export_group,
        import_group,
        assignment_group,
        lti_group,
    ):
        app.cli.add_command(command)


def _checked_run_command() -> click.Command:
    """Flask's ``run``, refusing a port outside 1-65535 and a database it cannot serve from.

    Flask takes any integer and the socket wraps it: ``--port 99999`` served on 34463.
    """
    from flask.cli import run_command

    port = click.Option(
        ["--port", "-p"], type=click.IntRange(1, 65535), default=5000, help="The port to bind to."
    )
    command = copy.copy(run_command)
    command.params = [port if p.name == "port" else p for p in run_command.params]
    serve = run_command.callback
    assert serve is not None  # Flask's run command has its callback

    @functools.wraps(serve)
    def checked(*args, **kwargs):
        _check_database_before_serving()
        return serve(*args, **kwargs)

    command.callback = checked
    return command


def _check_database_before_serving() -> None:
    """Refuse to serve from a database that is unreachable or not migrated; warn when empty."""
    from quizapp.db.readiness import before_serving

    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    with app.app_context():
        problem, warning = before_serving(db.engine, app.extensions["migrate"].directory)
    if problem:
        raise click.ClickException(problem)
    if warning:
        click.secho(f"Warning: {warning}", err=True, fg="yellow")


def _create_app():
    from quizapp import create_app
    from quizapp.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:  # a wrong environment variable: say which, no traceback
        raise click.ClickException(str(exc)) from exc


class QuizGroup(FlaskGroup):
    """The command group; a database that cannot be reached is one line, not a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        # Flask prints the traceback of an app it cannot create under --help; a wrong
        # environment variable (ConfigError, made a ClickException above) is one line.
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except click.ClickException as exc:
            click.secho(f"Error: {exc.format_message()}\n", err=True, fg="red")
            return []
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context):
        from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError

        try:
            return super().invoke(ctx)
        except click.Abort:
            if sys.stdin.isatty():  # Ctrl-C at a prompt: click's own "Aborted!"
                raise
            # A prompt met the end of piped input (or /dev/null): say what to give instead.
            raise click.ClickException(
                "nothing to answer the prompt with: pass the value as an option (see --help)"
            ) from None
        except UnicodeEncodeError as exc:  # bytes that are not UTF-8 in an argument
            raise click.ClickException(
                f"{exc.object[:40]!r} is not UTF-8 text: give names and values in UTF-8"
            ) from exc
        except (OperationalError, InterfaceError, DatabaseError) as exc:
            # DatabaseError itself: SQLite's "file is not a database". Its other kinds (an
            # integrity error, say) are bugs, not a database the command cannot use.
            if type(exc) not in (OperationalError, InterfaceError, DatabaseError):
                raise
            raise click.ClickException(
                f"cannot use the database {_database_label()}: {exc.orig or exc}".strip()
            ) from exc


def _database_label() -> str:
    import os

    from sqlalchemy.engine import make_url

    url = os.environ.get("DATABASE_URL")
    if not url:
        return "(the default SQLite file in the instance folder)"
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: the config check reports it
        return "(DATABASE_URL)"


@click.group(cls=QuizGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """quizapp: quizzes with cited article excerpts.

    \b
    Examples:
      quizapp setup          create the database and load articles and banks
      quizapp run            serve on http://127.0.0.1:5000
      quizapp check          validate the question banks in questions/
    """


main.add_command(_checked_run_command(), "run")
