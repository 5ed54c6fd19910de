"""`quizapp load`, `retire` and `setup`: articles and banks into the database."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from quizapp.cli.database import with_database
from quizapp.cli.progressbar import progress_bar
from quizapp.db.transactions import unit_of_work
from quizapp.extensions import db

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
    total = sum(len(bank.questions) for bank in result.banks)
    with unit_of_work(content=True) as session, progress_bar(total, "questions", quiet) as bar:
        doc_counts = load_documents(session, articles)
        bank_counts = load_banks(
            session, result.banks, corpus, retire_missing_banks=full, progress=bar.update
        )
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

    with unit_of_work(content=True) as session:
        retired = retire_bank(session, bank_id)
    if retired is None:
        known = db.session.scalars(select(Bank.id)).all()
        raise click.ClickException(f'no bank "{bank_id}"{did_you_mean(bank_id, known)}')
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
