"""`quizapp backup` and `quizapp restore`: safe while serving, never a short file."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from quizapp.cli.progressbar import progress_bar
from quizapp.extensions import db


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
