"""The ``quizapp`` command line: the same commands as ``flask --app quizapp``."""

import copy
import functools
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from quizapp.accounts.users import MIN_PASSWORD, email_problem, password_problem, username_problem
from quizapp.cli.database import with_database
from quizapp.cli.progressbar import progress_bar
from quizapp.extensions import db
from quizapp.models.users import ROLES

STATES = ("added", "changed", "restored", "retired", "removed", "unchanged")


def _report(counts) -> str:
    """Return loader counts as "questions: 1 changed, 2 unchanged; passages: ..."."""
    by_noun: dict[str, list[str]] = {}
    for key in sorted(counts, key=lambda k: STATES.index(k.rsplit(" ", 1)[1])):
        noun, state = key.rsplit(" ", 1)
        by_noun.setdefault(noun, []).append(f"{counts[key]} {state}")
    return "; ".join(f"{noun}: {', '.join(parts)}" for noun, parts in by_noun.items()) or (
        "nothing to do"
    )


@click.command("load")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--seeds",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Articles folder (default: QUIZAPP_SEEDS, else the shipped seeds/).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@with_database
def load_command(paths: tuple[Path, ...], seeds: Path | None, quiet: bool) -> None:
    """Load the articles and question banks (validated first, all in one transaction).

    PATHS are bank files or folders (default: QUIZAPP_QUESTIONS, else the shipped questions/).
    Nothing changes unless every bank is valid. Loading is idempotent; a changed question gets
    a new version and a question removed from its bank is retired. Without PATHS, banks
    missing from the folder are retired too, except those uploaded in the browser.

    \b
    Examples:
      quizapp load
      quizapp load questions/big-science.yaml
    """
    from quizapp.authoring.checker import check_paths, corpus_from_seeds, format_gcc
    from quizapp.authoring.upload import ids_taken_elsewhere
    from quizapp.cli.folders import configured, seeds_folder
    from quizapp.content.articles import ArticleError, load_articles
    from quizapp.content.loader import load_banks, load_documents

    seeds = seeds_folder(seeds)
    full = not paths
    paths = paths or (configured("QUESTIONS_DIR"),)
    try:
        articles = load_articles(seeds)
    except (ArticleError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    corpus = corpus_from_seeds(seeds)
    result = check_paths(paths, corpus)
    result.diagnostics.extend(ids_taken_elsewhere(result.banks, full))
    result.diagnostics.sort()
    if not result.ok:
        click.echo(format_gcc(result), err=True)
        raise click.ClickException("nothing was loaded: fix the errors above first")
    for warning in result.diagnostics:  # only warnings are left: they do not stop a load
        click.echo(str(warning), err=True)
    doc_counts = load_documents(articles)
    total = sum(len(bank.questions) for bank in result.banks)
    with progress_bar(total, "questions", quiet) as bar:
        bank_counts = load_banks(
            result.banks, corpus, retire_missing_banks=full, progress=bar.update
        )
    db.session.commit()
    if not quiet:
        click.echo(f"articles: {_report(doc_counts)}")
        click.echo(f"banks: {len(result.banks)} loaded; {_report(bank_counts)}")


@click.command("retire")
@click.argument("bank_id")
@with_database
def retire_command(bank_id: str) -> None:
    """Retire a bank: its quiz leaves the list for every class; answers and scores stay.

    A full `quizapp load` retires the folder's banks it no longer finds, but leaves banks
    uploaded in the browser alone: this retires one. Loading or uploading it again restores it.

    \b
    Example:
      quizapp retire my-old-bank
    """
    from quizapp.authoring.diagnostics import did_you_mean
    from quizapp.content.loader import retire_bank
    from quizapp.models import Bank

    retired = retire_bank(bank_id)
    if retired is None:
        known = db.session.scalars(select(Bank.id)).all()
        raise click.ClickException(f'no bank "{bank_id}"{did_you_mean(bank_id, known)}')
    db.session.commit()
    click.echo(f"bank {bank_id} retired, with {retired} live question{'' if retired == 1 else 's'}")


@click.command("setup")
@click.pass_context
@with_appcontext
def setup_command(ctx: click.Context) -> None:
    """Create or upgrade the database, then load the shipped articles and banks.

    \b
    Example:
      quizapp setup && quizapp run
    """
    upgrade(directory=current_app.extensions["migrate"].directory)
    ctx.invoke(load_command)


@click.group("user")
def user_group() -> None:
    """Create accounts, set passwords and change roles.

    \b
    Examples:
      quizapp user create prof --role instructor
      quizapp user password alice
      quizapp user set-role alice instructor
    """


def _account_rule(problem):
    """Return a callback refusing what registration refuses, before the password is asked."""

    def check(_ctx, _param, value):
        message = value and problem(value)
        if message:
            raise click.BadParameter(message)
        return value

    return check


@user_group.command("create")
@click.argument("username", callback=_account_rule(username_problem))
@click.option("--role", type=click.Choice(ROLES), default="student", show_default=True)
@click.option(
    "--email", default=None, callback=_account_rule(email_problem), help="Email address (optional)."
)
@click.option("--full-name", default="", help="Full name shown in the gradebook.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    callback=_account_rule(password_problem),
    help=f"At least {MIN_PASSWORD} characters (prompted for when omitted).",
)
@with_database
def user_create(username: str, role: str, email: str | None, full_name: str, password: str):
    """Create an account, e.g. an instructor: quizapp user create prof --role instructor"""
    from quizapp.accounts.users import AccountError, create_user

    try:
        user = create_user(username, password, email=email, full_name=full_name, role=role)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created {user.role} {user.username}")


def _user_named(username: str):
    """Return the account with this username, or stop with a one-line error."""
    from quizapp.accounts.users import normalise_username
    from quizapp.models import User

    user = db.session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None:
        raise click.ClickException(f"no user called {username!r}")
    return user


@user_group.command("password")
@click.argument("username")
@click.option(
    "--password",
    prompt="New password",
    hide_input=True,
    confirmation_prompt=True,
    callback=_account_rule(password_problem),
    help=f"At least {MIN_PASSWORD} characters (prompted for when omitted).",
)
@with_database
def user_password(username: str, password: str) -> None:
    """Set a user's password and sign them out everywhere: quizapp user password alice"""
    from quizapp.accounts.users import set_password

    user = _user_named(username)
    set_password(user.id, password)
    db.session.commit()
    click.echo(f"new password set for {user.username}; signed out everywhere")


@user_group.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@with_database
def user_set_role(username: str, role: str) -> None:
    """Change a user's role, e.g.: quizapp user set-role alice instructor"""
    from quizapp.db.engine import write_session

    session = write_session()
    user = _user_named(username)
    user.role = role
    session.commit()
    click.echo(f"{user.username} is now {role}")


def _database_url() -> str:
    """Return the database URL as the app's engine resolved it (a relative SQLite path included)."""
    return db.engine.url.render_as_string(hide_password=False)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
@with_appcontext
def backup_command(file: Path, quiet: bool) -> None:
    """Back up the database to FILE, safely while the app is serving.

    \b
    Example:
      quizapp backup backups/quizapp-$(date +%F).db
    """
    from quizapp.db.backup import BackupError, backup

    with progress_bar(1, "pages", quiet) as bar:  # the page count comes with the first step

        def pages(_status, remaining: int, total: int) -> None:
            bar.length = total
            bar.update(total - remaining - bar.pos)

        try:
            backup(_database_url(), file, progress=pages)
        except (BackupError, OSError) as exc:
            raise click.ClickException(str(exc)) from exc
    if not quiet:
        click.echo(f"backed up to {file}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(file: Path, yes: bool) -> None:
    """Replace the database's contents with the backup in FILE.

    \b
    Example:
      quizapp restore backups/quizapp-2026-11-24.db --yes
    """
    from quizapp.db.backup import BackupError, restore

    if not yes:
        click.confirm("This replaces every row in the database. Continue?", abort=True)
    url = _database_url()
    db.session.remove()
    db.engine.dispose()
    try:
        restore(url, file)
    except (BackupError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored from {file}")


@click.command("demo")
@click.option("--students", type=click.IntRange(1, 100_000), default=60, show_default=True)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**31 - 1),  # a negative seed would shuffle as its positive one
    default=1,
    show_default=True,
    help="Same seed, same data.",
)
@click.option("--weeks", type=click.IntRange(1, 52), default=6, show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
@with_database
def demo_command(students: int, seed: int, weeks: int, quiet: bool) -> None:
    """Create a demo class of Faker students with realistic answers and reviews.

    Each seed makes one class: running again with a seed already used is refused (that class
    is there already); pick another --seed for another class.

    \b
    Example:
      quizapp demo --students 60 --seed 1
    Then log in as demo-instructor / demo-password-123.
    """
    from quizapp.teaching.demo import DEMO_INSTRUCTOR, DEMO_PASSWORD, make_demo

    with progress_bar(students, "students", quiet) as bar:
        try:
            report = make_demo(students=students, seed=seed, weeks=weeks, progress=bar.update)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    if not quiet:
        click.echo(
            f"demo class {report.join_code}: {report.students} students, {report.attempts} "
            f"attempts, {report.answers} answers, {report.reviews} reviews\n"
            f"log in as {DEMO_INSTRUCTOR} / {DEMO_PASSWORD}"
        )


def register_commands(app) -> None:
    """Attach the project's commands to ``app.cli``."""
    from quizapp.cli.banks import check_command, schema_command
    from quizapp.cli.interchange import export_group, import_group

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
