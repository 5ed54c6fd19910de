"""`quizapp lti ...`: register LMS platforms, manage the tool's keys, print its configuration.

The same checks as the admin page (``quizapp.lti.platforms``): each problem is printed as
``--option: message`` with exit code 2. The group is defined here; other modules add their
commands to it with ``@lti_group.command(...)`` and are imported in
``quizapp.cli.register_commands`` before the group is added to the app.
"""

import json
import sys
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import click
from flask import current_app
from flask.cli import with_appcontext

from quizapp.cli.database import with_database
from quizapp.cli.tables import table
from quizapp.lti import configuration, platforms
from quizapp.lti.platforms import Invalid, PlatformSettings
from quizapp.models import LtiPlatform

# The option that sets each field of PlatformSettings, to name it beside the message.
OPTION_OF = {
    "name": "--name",
    "issuer": "--issuer",
    "client_id": "--client-id",
    "auth_login_url": "--login-url",
    "auth_token_url": "--token-url",
    "key_set_url": "--jwks-url",
    "deployment_ids": "--deployment",
    "auth_audience": "--audience",
}


@click.group("lti")
def lti_group() -> None:
    """Connect LMSs (Moodle, Canvas, any LTI 1.3 platform) to quizapp.

    Register each platform with the values its tool form shows, and give the platform the
    tool's values from `quizapp lti config`. The instructors' guide (docs/instructors.md)
    walks through Moodle and Canvas.

    \b
    Examples:
      quizapp lti config --base-url https://quiz.example.edu
      quizapp lti add-platform --name Moodle --issuer https://moodle.example.edu \\
          --client-id 3hTXaZ9 --login-url https://moodle.example.edu/mod/lti/auth.php \\
          --token-url https://moodle.example.edu/mod/lti/token.php \\
          --jwks-url https://moodle.example.edu/mod/lti/certs.php --deployment 2
      quizapp lti list
      quizapp lti add-deployment https://moodle.example.edu 5
      quizapp lti rotate-key
      quizapp lti remove 3 --yes
    """


def _refuse(errors: dict[str, list[str]]) -> NoReturn:
    """Print each problem as ``--option: message`` on stderr and exit 2 (bad input)."""
    for name, messages in errors.items():
        for message in messages:
            click.echo(f"{OPTION_OF.get(name, name)}: {message}", err=True)
    click.get_current_context().exit(2)


def _platform(ref: str) -> LtiPlatform:
    """Return the platform an id or issuer names, or refuse it (exit 2)."""
    try:
        return platforms.platform_by(ref)
    except platforms.NotFound as exc:
        raise click.BadParameter(str(exc), param_hint="PLATFORM") from None


def _when(value: datetime | None) -> str:
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M} UTC"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=UTC).isoformat(timespec="seconds")


def _named(platform: LtiPlatform) -> str:
    return f"platform {platform.id}: {platform.name} ({platform.issuer})"


@lti_group.command("add-platform")
@click.option("--name", default="", help="A name you will recognise, e.g. Moodle. Required.")
@click.option(
    "--issuer",
    default="",
    help="The platform's issuer (Moodle: Platform ID; Canvas: https://canvas.instructure.com). "
    "Required.",
)
@click.option("--client-id", default="", help="The client id the platform gave the tool. Required.")
@click.option(
    "--login-url",
    default="",
    help="Where launches log in (Moodle: Authentication request URL). Required.",
)
@click.option(
    "--token-url",
    default="",
    help="Where the tool gets service tokens (Moodle: Access token URL). Required.",
)
@click.option(
    "--jwks-url",
    default="",
    help="The platform's public keys (Moodle: Public keyset URL). Required.",
)
@click.option(
    "--deployment",
    "deployments",
    multiple=True,
    metavar="ID",
    help="A deployment id the platform shows; repeat for several. At least one.",
)
@click.option(
    "--audience",
    default="",
    help="The audience of the tool's token requests, if not the token URL (rarely needed).",
)
@with_database
def lti_add_platform(
    name: str,
    issuer: str,
    client_id: str,
    login_url: str,
    token_url: str,
    jwks_url: str,
    deployments: tuple[str, ...],
    audience: str,
) -> None:
    """Register an LMS platform.

    Launches from its deployments are accepted from then on.

    \b
    Example (Moodle; its values are under the tool's "View configuration details"):
      quizapp lti add-platform --name Moodle --issuer https://moodle.example.edu \\
          --client-id 3hTXaZ9 --login-url https://moodle.example.edu/mod/lti/auth.php \\
          --token-url https://moodle.example.edu/mod/lti/token.php \\
          --jwks-url https://moodle.example.edu/mod/lti/certs.php --deployment 2
    """
    settings = PlatformSettings(
        name=name,
        issuer=issuer,
        client_id=client_id,
        auth_login_url=login_url,
        auth_token_url=token_url,
        key_set_url=jwks_url,
        deployment_ids=list(deployments),
        auth_audience=audience,
    )
    try:
        platform = platforms.add_platform(settings)
    except Invalid as exc:
        _refuse(exc.errors)
    count = len(platform.deployments)
    click.echo(
        f"registered {_named(platform)}, client id {platform.client_id}, "
        f"{count} deployment{'' if count == 1 else 's'}"
    )


def _course_json(course: platforms.LmsCourse) -> dict:
    return {
        "id": course.id,
        "context_id": course.context_id,
        "title": course.title,
        "class_id": course.class_id,
        "class": course.class_name,
        "roster_synced": _iso(course.roster_synced_at),
    }


def _as_json(platform: LtiPlatform, courses: list[platforms.LmsCourse]) -> dict:
    return {
        "id": platform.id,
        "name": platform.name,
        "issuer": platform.issuer,
        "client_id": platform.client_id,
        "deployment_ids": [d.deployment_id for d in platform.deployments],
        "login_url": platform.auth_login_url,
        "token_url": platform.auth_token_url,
        "jwks_url": platform.key_set_url,
        "audience": platform.auth_audience,
        "created": _iso(platform.created_at),
        "courses": [_course_json(c) for c in courses if c.platform_id == platform.id],
    }


@lti_group.command("list")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json is for scripts: every field, times in UTC.",
)
@with_database
def lti_list(fmt: str) -> None:
    """List platforms, LMS courses and the tool's keys.

    The registered platforms with their deployments, the LMS courses their launches mapped
    to classes, then the keys /lti/jwks publishes.

    \b
    Examples:
      quizapp lti list
      quizapp lti list --format json
    """
    registered = platforms.platforms()
    courses = platforms.courses()
    if fmt == "json":
        click.echo(json.dumps([_as_json(p, courses) for p in registered], indent=2))
        return
    if not registered:
        click.echo("no platforms registered yet: add one with `quizapp lti add-platform`", err=True)
    else:
        header = ["ID", "NAME", "ISSUER", "CLIENT ID", "DEPLOYMENTS", "CREATED"]
        rows = [
            [
                str(p.id),
                p.name,
                p.issuer,
                p.client_id,
                ", ".join(d.deployment_id for d in p.deployments) or "-",
                _when(p.created_at),
            ]
            for p in registered
        ]
        click.echo(table([header, *rows]))
    if courses:
        click.echo("")
        click.echo("LMS courses (ID: what `quizapp lti sync-roster` takes):")
        header = ["ID", "PLATFORM", "COURSE", "CLASS", "ROSTER SYNCED"]
        rows = [
            [
                str(c.id),
                str(c.platform_id),
                c.title or c.context_id,
                "-" if c.class_id is None else f"{c.class_id}: {c.class_name}",
                _when(c.roster_synced_at),
            ]
            for c in courses
        ]
        click.echo(table([header, *rows]))
    keys = platforms.tool_keys()
    if keys:
        click.echo("")
        click.echo("Tool keys published at /lti/jwks:")
        for key in keys:
            state = f"retired {_when(key.retired_at)}" if key.retired_at else "signing"
            click.echo(f"  {key.kid}  made {_when(key.created_at)}, {state}")


@lti_group.command("remove")
@click.argument("platform_ref", metavar="ISSUER_OR_ID")
@click.option("--yes", is_flag=True, help="Remove without asking (for scripts).")
@with_database
def lti_remove(platform_ref: str, yes: bool) -> None:
    """Remove a platform; its launches are refused.

    Its users' LMS identities, its courses' links to classes and its unsent grades are
    forgotten; the quizapp accounts, classes, assignments and attempts stay.

    \b
    Examples:
      quizapp lti remove 3 --yes
      quizapp lti remove https://moodle.example.edu
    """
    platform = _platform(platform_ref)
    label = _named(platform)
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError(
                "removing asks first, and there is no terminal to ask on: add --yes to remove"
            )
        had = platforms.usage(platform.id)
        click.confirm(f"Remove {label}? Its launches made {had}.", abort=True)
    gone = platforms.remove_platform(platform.id)
    click.echo(f"removed {label}; forgot {gone} (accounts, classes and assignments stay)")


@lti_group.command("add-deployment")
@click.argument("platform_ref", metavar="ISSUER_OR_ID")
@click.argument("deployment_id")
@with_database
def lti_add_deployment(platform_ref: str, deployment_id: str) -> None:
    """Accept another deployment of a platform.

    Launches from this deployment id of a registered platform are accepted from then on.

    A platform makes a new deployment id when the tool is installed again (another Canvas
    sub-account or course, another Moodle tool entry with the same client id).

    \b
    Examples:
      quizapp lti add-deployment 3 5
      quizapp lti add-deployment https://canvas.instructure.com 42:8865aa05b4b79b64
    """
    platform = _platform(platform_ref)
    try:
        added = platforms.add_deployment(platform.id, deployment_id)
    except Invalid as exc:
        raise click.BadParameter(" ".join(exc.errors["deployment_ids"]),
                                 param_hint="DEPLOYMENT_ID") from None  # fmt: skip
    if added:
        click.echo(f"{_named(platform)} now accepts deployment {deployment_id.strip()}")
    else:
        click.echo(f"{_named(platform)} already accepts deployment {deployment_id.strip()}")


@lti_group.command("rotate-key")
@with_database
def lti_rotate_key() -> None:
    """Make a new signing key for the tool.

    The old public key stays published until dropped.

    Platforms fetch the tool's keys from /lti/jwks, so nothing needs pasting again. Drop
    the old key with `quizapp lti drop-old-keys` once platforms have fetched the new set
    (an hour or more later).
    """
    key = platforms.rotate_key()
    click.echo(f"new signing key {key.kid}; the previous key stays published until dropped")


@lti_group.command("drop-old-keys")
@click.option(
    "--retired-for",
    type=click.FloatRange(min=0),
    default=platforms.KEEP_RETIRED.total_seconds() / 3600,
    show_default=True,
    metavar="HOURS",
    help="Drop only keys retired at least this many hours ago (0: all retired keys).",
)
@with_database
def lti_drop_old_keys(retired_for: float) -> None:
    """Stop publishing the tool's retired keys.

    Keys retired by `quizapp lti rotate-key` at least --retired-for hours ago.

    \b
    Examples:
      quizapp lti drop-old-keys
      quizapp lti drop-old-keys --retired-for 0
    """
    dropped = platforms.drop_old_keys(timedelta(hours=retired_for))
    if dropped:
        click.echo(f"stopped publishing {dropped} old key{'' if dropped == 1 else 's'}")
    else:
        click.echo(f"no key was retired at least {retired_for:g} hours ago; nothing dropped")


def _base_url(given: str | None) -> configuration.ToolUrls:
    """Return the tool's addresses under --base-url, or under the app's SERVER_NAME."""
    if given is None:
        server = current_app.config.get("SERVER_NAME")
        if not server:
            raise click.UsageError(
                "give --base-url: the address people open quizapp at, as https://quiz.example.edu"
            )
        scheme = current_app.config.get("PREFERRED_URL_SCHEME") or "https"
        root = current_app.config.get("APPLICATION_ROOT") or "/"
        given = f"{scheme}://{server}{root}"
    try:
        return configuration.tool_urls(given)
    except configuration.BadBaseUrl as exc:
        raise click.BadParameter(str(exc), param_hint="--base-url") from None


@lti_group.command("config")
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="The address people open quizapp at, as https://quiz.example.edu "
    "(default: the app's SERVER_NAME).",
)
@with_appcontext
def lti_config(base_url: str | None) -> None:
    """Print what to paste into an LMS's tool form.

    The tool's addresses for Moodle's External tool form and Canvas's LTI key.

    \b
    Example:
      quizapp lti config --base-url https://quiz.example.edu
    """
    urls = _base_url(base_url)
    if urls.base.startswith("http://"):
        click.echo("Warning: LMSs launch tools over https; http works only for testing.",
                   err=True)  # fmt: skip
    width = max(len(label) for label, _, _ in urls.fields())
    for label, value, where in urls.fields():
        click.echo(f"{label + ':':<{width + 1}}  {value}")
        click.echo(f"{'':<{width + 1}}  ({where})")
