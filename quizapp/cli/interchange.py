"""`quizapp export ...` and `quizapp import gift`: banks and scores in and out."""

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from quizapp.cli.database import with_database
from quizapp.cli.folders import configured, seeds_folder
from quizapp.cli.progressbar import progress_bar
from quizapp.files import replacing
from quizapp.teaching.exports import exports_of


@click.group("export")
def export_group() -> None:
    """Export banks (GIFT, Moodle XML) or scores (CSV).

    \b
    Examples:
      quizapp export gift -o exports/
      quizapp export moodle-xml questions/big-science.yaml -o big-science.xml
      quizapp export scores --class 1 --format wide -o gradebook.csv
    """


def _checked_banks(paths):
    from quizapp.authoring.checker import check_paths, corpus_from_seeds, format_gcc
    from quizapp.content.articles import ArticleError, load_articles

    seeds = seeds_folder()
    try:
        corpus = corpus_from_seeds(seeds)
        titles = {a.id: a.title for a in load_articles(seeds)}
    except (ArticleError, OSError) as exc:  # as `quizapp check` and `load` say it
        raise click.ClickException(str(exc)) from exc
    result = check_paths(paths or (configured("QUESTIONS_DIR"),), corpus)
    if not result.ok:
        click.echo(format_gcc(result), err=True)
        raise click.ClickException("fix the errors above before exporting")
    return result.banks, titles


def _excerpts(bank, titles) -> dict[str, list[str]]:
    return {
        q.id: [f"“{c.quote}” ({titles.get(c.doc, c.doc)})" for c in q.cites] for q in bank.questions
    }


@contextmanager
def _writing(target):
    """Make a failed write one line naming the file; a closed pipe ends the command quietly."""
    try:
        yield
    except BrokenPipeError:
        raise  # a reader such as `head` has seen enough: click exits quietly
    except OSError as exc:
        raise click.ClickException(
            f"cannot write {exc.filename or target}: {exc.strerror}"
        ) from exc


def _write_banks(paths, output: str | None, bank_format) -> None:
    """Write banks to stdout, one file or a folder, in one of BANK_FORMATS."""
    target = None if output in (None, "-") else Path(output)
    # "exports/v1.0/" is a folder: its slash says so, though Path drops it and sees ".0".
    folder = target is not None and (
        str(output).endswith(("/", os.sep)) or target.is_dir() or not target.suffix
    )
    with _writing(target):
        _write_bank_files(paths, target, folder, bank_format)


def _write_bank_files(paths, output: Path | None, folder: bool, bank_format) -> None:
    from quizapp.formats import left_out_of_moodle

    suffix = f".{bank_format.extension}"
    banks, titles = _checked_banks(paths)
    if len(banks) > 1 and not bank_format.several and not folder:
        raise click.ClickException(f"a {suffix} file holds one bank: give a folder, as -o exports/")
    for bank in banks:
        for message in left_out_of_moodle(bank):
            click.echo(f"Warning: {bank.id}: {message}", err=True)

    def arguments(bank) -> tuple:
        def warn(message: str) -> None:
            click.echo(f"Warning: {bank.id}: {message}", err=True)

        return bank, _excerpts(bank, titles), warn

    def text_of(bank) -> str:
        return bank_format.write(*arguments(bank))

    if output is not None and folder:
        output.mkdir(parents=True, exist_ok=True)
        for bank in banks:
            target = output / f"{bank.id}{suffix}"
            with replacing(target) as partial:
                partial.write_text(text_of(bank), encoding="utf-8")
            click.echo(f"wrote {target}", err=True)
        return
    if bank_format.write_several is not None:
        text = bank_format.write_several([arguments(bank) for bank in banks])
    else:  # GIFT: one category line per bank, so files simply follow one another
        text = "\n".join(text_of(bank) for bank in banks)
    if output is None:
        click.echo(text, nl=False)
    else:
        with replacing(output) as partial:
            partial.write_text(text, encoding="utf-8")
        count = f"{len(banks)} bank{'' if len(banks) == 1 else 's'}"
        click.echo(f"wrote {output} ({count})", err=True)


def _output_option(help_text: str, **path_options):
    return click.option(
        "-o", "--output", type=click.Path(**path_options), default=None, help=help_text
    )


# A string, not a Path: a Path drops the trailing slash that marks a folder yet to be made.
BANKS_OUTPUT = _output_option("A file, or a folder for one file per bank (default: stdout).")
CSV_OUTPUT = _output_option(
    "The CSV file to write (default: stdout).", dir_okay=False, path_type=Path
)


def _bank_export_command(bank_format):
    """Return `quizapp export <name>` for one of BANK_FORMATS."""

    def command(paths, output) -> None:
        _write_banks(paths, output, bank_format)

    command.__doc__ = (
        f"{bank_format.cli_help}\n\n\b\nExample:\n  quizapp export {bank_format.name} -o exports/"
    )
    command = BANKS_OUTPUT(command)
    command = click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))(
        command
    )
    return export_group.command(bank_format.name)(command)


def _add_bank_export_commands() -> None:
    from quizapp.formats import BANK_FORMATS

    for bank_format in BANK_FORMATS.values():
        if bank_format.cli_help is not None:
            _bank_export_command(bank_format)


_add_bank_export_commands()


def _write_csv(header, rows, output: Path | None, bom: bool) -> None:
    with _writing(output):
        _write_csv_file(header, rows, output, bom)


def _write_csv_file(header, rows, output: Path | None, bom: bool) -> None:
    from quizapp.formats.csvout import stream_rows

    if not output or str(output) == "-":
        sys.stdout.writelines(stream_rows(header, rows, bom=bom))
        return
    count = -1  # the header is not a row
    lines = stream_rows(header, rows, bom=bom)
    with (
        replacing(output) as partial,
        open(partial, "w", encoding="utf-8", newline="") as stream,
        progress_bar(None, "rows", iterable=lines) as bar,
    ):
        for line in bar:
            stream.write(line)
            count += 1
    click.echo(f"wrote {output} ({count} rows)", err=True)


# A database id: a larger number would overflow the driver before it could name no class.
CLASS_ID = click.IntRange(1, 2**63 - 1)


def _course(course_id: int | None):
    """Return the class given by --class (None for all), or refuse an id that is none."""
    from quizapp.extensions import db
    from quizapp.models import Course

    if course_id is None:
        return None
    course = db.session.get(Course, course_id)
    if course is None:
        raise click.BadParameter(f"no class with id {course_id}", param_hint="--class")
    return course


@export_group.command("scores")
@click.option(
    "--class",
    "course_id",
    type=CLASS_ID,
    default=None,
    help="Class id (see the Teach page); default: every student.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(exports_of("scores"))),
    default="wide",
    show_default=True,
    help="; ".join(f"{e.name}: {e.help}" for e in exports_of("scores").values()) + ".",
)
@click.option("--bom", is_flag=True, help="Start with a UTF-8 BOM (for Excel).")
@CSV_OUTPUT
@with_database
def export_scores(course_id, fmt, bom, output) -> None:
    """Write scores as CSV (RFC 4180, UTF-8), for spreadsheets and LMS gradebooks.

    \b
    Example:
      quizapp export scores --class 1 --format wide --bom -o gradebook.csv
    """
    course = _course(course_id)
    header, rows = exports_of("scores")[fmt].rows(course)
    _write_csv(header, rows, output, bom)


@export_group.command("items")
@click.option("--class", "course_id", type=CLASS_ID, default=None, help="Class id; default: all.")
@click.option("--bom", is_flag=True, help="Start with a UTF-8 BOM (for Excel).")
@CSV_OUTPUT
@with_database
def export_items(course_id, bom, output) -> None:
    """Write the item analysis of every question as CSV.

    \b
    Example:
      quizapp export items --class 1 -o items.csv
    """
    course = _course(course_id)  # refuses an unknown class rather than export it empty
    header, rows = exports_of("items")["items"].rows(course)
    _write_csv(header, rows, output, bom)


@click.group("import")
def import_group() -> None:
    """Import banks from other quiz tools.

    \b
    Example:
      quizapp import gift moodle-export.gift -o questions/imported.yaml
    """


@import_group.command("gift")
# utf-8-sig: Windows editors start UTF-8 files with a byte-order mark, which is not a question.
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--bank", "bank_id", default=None, help="Bank id (default: from the file name).")
# A string, not a Path: a Path drops the trailing slash that marks a folder yet to be made.
@_output_option("The YAML file, or a folder to write BANK.yaml in (default: stdout).")
def import_gift(file, bank_id, output) -> None:
    """Convert a GIFT file into a YAML bank; `quizapp check` then lists the cites to add.

    \b
    Examples:
      quizapp import gift moodle-export.gift -o questions/imported.yaml
      quizapp import gift moodle-export.gift --bank imported -o questions/
    """
    from quizapp.authoring.source import ID
    from quizapp.formats import bank_yaml, gift

    name = bank_id or Path(file.name).stem.lower().replace("_", "-").replace(" ", "-")
    if not ID.fullmatch(name):  # it names the file written, and `check` would refuse it
        where = "--bank" if bank_id else "--bank (the file name does not make one)"
        raise click.BadParameter(
            f"{name!r} is not a bank id: 2 to 64 lowercase letters, digits and dashes",
            param_hint=where,
        )

    def warn(message: str) -> None:
        click.echo(f"Warning: {file.name}: {message}", err=True)

    try:
        data = gift.load(file.read(), name, warn=warn)
    except UnicodeDecodeError as exc:
        raise click.ClickException(
            f"{file.name} is not UTF-8 (byte 0x{exc.object[exc.start]:02x}); save it as UTF-8"
        ) from exc
    except (gift.GiftError, ValueError) as exc:
        raise click.ClickException(f"{file.name}: {exc}") from exc
    except OSError as exc:  # a flaky network folder, say: as `quizapp check` says it
        raise click.ClickException(f"{file.name}: cannot read: {exc.strerror or exc}") from exc
    text = bank_yaml.dump_data(data)
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    target = Path(output)
    with _writing(target):
        if output.endswith(("/", os.sep)) or target.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            target = target / f"{data['bank']}.yaml"
        with replacing(target) as partial:
            partial.write_text(text, encoding="utf-8")
    click.echo(
        f"wrote {target} ({len(data['questions'])} questions); now run "
        f"`quizapp check {target}` and add the cites it asks for",
        err=True,
    )
