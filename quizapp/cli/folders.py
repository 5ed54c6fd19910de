"""The articles and banks folders that commands read when none is given."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo

from quizapp.config import content_folders


def configured(key: str) -> Path:
    """Return SEEDS_DIR or QUESTIONS_DIR of the app (of the environment outside an app)."""
    # From the configuration, not the current directory: `cd /tmp && quizapp check` works.
    if current_app:
        return Path(current_app.config[key])
    info = click.get_current_context().find_object(ScriptInfo)  # a command not given an app
    return Path(info.load_app().config[key] if info else content_folders()[key])


def seeds_folder(given: Path | None = None) -> Path:
    """Return the articles folder: the one given, else the configured one, which must exist."""
    if given is not None:
        return given
    folder = configured("SEEDS_DIR")
    if not folder.is_dir():
        # Without this every quote would be reported as citing an unknown article.
        raise click.ClickException(
            f"no such articles folder: {folder}; point QUIZAPP_SEEDS at the articles"
        )
    return folder
