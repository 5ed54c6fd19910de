"""`quizapp check` and `quizapp schema`."""

from pathlib import Path

import click

from quizapp.cli.folders import configured, seeds_folder


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json is for tools and editors.",
)
@click.option(
    "--seeds",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of the articles that quotes are checked against "
    "(default: QUIZAPP_SEEDS, else the shipped seeds/).",
)
@click.option(
    "--coverage",
    "show_coverage",
    is_flag=True,
    help="Also list, per article, the substantive passages no question cites.",
)
@click.option(
    "--report",
    "show_report",
    is_flag=True,
    help="Also print per bank its mix of types, levels and difficulties and its warnings by "
    "code, and warn about a bank with fewer than half its questions above recall.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
def check_command(
    paths: tuple[Path, ...],
    fmt: str,
    seeds: Path | None,
    show_coverage: bool,
    show_report: bool,
    strict: bool,
) -> None:
    """Check question banks: every problem as path:line:col (exit 1 on any error).

    PATHS are bank files or folders of *.yaml files (default: QUIZAPP_QUESTIONS, else the
    shipped questions/). Warnings end with a code that a question can silence, with a reason,
    under allow: (see questions/README.md).

    \b
    Examples:
      quizapp check
      quizapp check --report --strict
      quizapp check questions/big-science.yaml --format json
    """
    from quizapp.authoring.checker import (
        check_paths,
        corpus_from_seeds,
        coverage,
        format_coverage,
        format_gcc,
        format_json,
        format_report,
        level_warnings,
    )
    from quizapp.content.articles import ArticleError

    try:
        corpus = corpus_from_seeds(seeds_folder(seeds))
    except (ArticleError, OSError) as exc:
        raise click.ClickException(f"cannot read the articles: {exc}") from exc
    result = check_paths(paths or (configured("QUESTIONS_DIR"),), corpus)
    if show_report:
        result.diagnostics = sorted(result.diagnostics + level_warnings(result.banks))
    if fmt == "json":
        click.echo(format_json(result, strict, show_report))
    else:
        click.echo(format_gcc(result, strict))
        if show_report:
            click.echo(format_report(result))
    if show_coverage:
        # Checking some files: the articles they are about, not every article's gaps
        click.echo(format_coverage(coverage(result.banks, corpus, every_article=not paths)))
    if not result.passes(strict):
        raise SystemExit(1)


@click.command("schema")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write (default: schema.json in QUIZAPP_QUESTIONS, else in questions/).",
)
@click.option("--check", "check_only", is_flag=True, help="Exit 1 if the file is out of date.")
def schema_command(output: Path | None, check_only: bool) -> None:
    """Write the JSON Schema editors use to autocomplete and validate banks.

    \b
    Example:
      quizapp schema
    """
    from quizapp.authoring.checker import schema_text, write_schema

    output = output or configured("QUESTIONS_DIR") / "schema.json"
    if check_only:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != schema_text():
            raise click.ClickException(f"{output} is out of date: run `quizapp schema`")
        click.echo(f"{output} is up to date")
        return
    try:
        write_schema(output)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from exc
    click.echo(f"wrote {output}")
