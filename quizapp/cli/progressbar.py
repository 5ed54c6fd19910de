"""Progress bars for long commands: shown on a terminal, silent in scripts and with --quiet."""

import sys

import click


def progress_bar(length: int | None, label: str, quiet: bool = False, iterable=None):
    """Return a click progress bar on stderr, hidden when quiet or stderr is not a terminal.

    Give ``length``, or an ``iterable`` (its length may be unknown).
    """
    return click.progressbar(
        iterable,
        length=length,
        label=label,
        file=sys.stderr,
        hidden=quiet or not sys.stderr.isatty(),
        show_pos=True,
    )
