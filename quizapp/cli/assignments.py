"""`quizapp assignment ...`: set, list, change and delete a class's assignments from scripts.

The same services and the same checks as the instructor's form: options build a
``teaching.assignments.Settings``, and each problem is printed as ``--option: message``
with exit code 2. Dates are the class's wall clock (its time zone) unless they carry an
offset or Z.
"""

import json
import sys
from dataclasses import fields, replace
from datetime import UTC, date, datetime
from typing import NoReturn
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from quizapp.accounts.users import normalise_username
from quizapp.authoring.source import DIFFICULTIES
from quizapp.cli.database import with_database
from quizapp.cli.tables import table
from quizapp.extensions import db
from quizapp.learning.assigned import released_for
from quizapp.learning.schedule import attempts_for, closes_for, minutes_for
from quizapp.models import Assignment, Course, User
from quizapp.models.assignments import ASSIGNMENT_POLICIES
from quizapp.rounding import half_up, percent
from quizapp.teaching import assignments
from quizapp.teaching.assignments import (
    MAX_ATTEMPTS,
    MAX_POINTS,
    MAX_TIME_LIMIT,
    Invalid,
    OverrideSettings,
    Settings,
)
from quizapp.teaching.classes import student_of
from quizapp.teaching.zones import in_zone, to_utc, zone_label

# A database id: a larger number would overflow the driver before it could name no row.
ID = click.IntRange(1, 2**63 - 1)
# The form's words for FEEDBACK_TIMES, as typed on a command line.
FEEDBACK_NAMES = {
    "immediately": "immediately",
    "after-attempt": "after_attempt",
    "after-close": "after_close",
    "never": "never",
}
FEEDBACK_WORDS = {stored: typed for typed, stored in FEEDBACK_NAMES.items()}
# The option that sets each field, to name it beside the service's message.
OPTION_OF = {
    "title": "--title",
    "draw": "--draw",
    "instructions": "--instructions",
    "points": "--points",
    "tags": "--tags",
    "difficulties": "--difficulty",
    "spread": "--spread",
    "opens_at": "--opens",
    "closes_at": "--closes",
    "time_limit": "--time-limit",
    "attempts_allowed": "--attempts",
    "score_policy": "--policy",
    "feedback": "--feedback",
}
OVERRIDE_OPTION_OF = {
    "extra_minutes": "--extra-minutes",
    "time_factor": "--time-factor",
    "closes_at": "--closes",
    "extra_attempts": "--extra-attempts",
}


@click.group("assignment")
def assignment_group() -> None:
    """Set quizzes for a class: questions drawn per attempt, dates, limits, feedback.

    Dates are ISO times on the class's clock (its time zone, set on its page), as
    2026-09-11T17:00, or with an offset: 2026-09-11T16:00Z, 2026-09-11T17:00+01:00.

    \b
    Examples:
      quizapp assignment create --class 3 --title "Week 1" --draw big-science=5 \\
          --draw us-china=5 --opens 2026-09-07T09:00 --closes 2026-09-11T17:00 \\
          --time-limit 20 --attempts 2 --feedback after-close
      quizapp assignment list --class 3 --format json
      quizapp assignment update 7 --closes 2026-09-14T17:00
      quizapp assignment override --assignment 7 --user alice --time-factor 1.5
      quizapp assignment release 7
      quizapp assignment delete 7 --yes
    """


# Reading the options


def _class(course_id: int) -> Course:
    """Return the class given by --class, or refuse an id that is none (exit 2)."""
    course = db.session.get(Course, course_id)
    if course is None:
        raise click.BadParameter(f"no class with id {course_id}", param_hint="--class")
    return course


def _assignment(assignment_id: int, hint: str) -> tuple[Assignment, Course]:
    """Return an undeleted assignment of a class, and its class; refuse any other id."""
    found = db.session.get(Assignment, assignment_id)
    if found is None or found.deleted_at is not None or found.course_id is None:
        raise click.BadParameter(f"no assignment with id {assignment_id}", param_hint=hint)
    return found, db.session.get_one(Course, found.course_id)


def _when(value: str, zone: str, hint: str) -> datetime | None:
    """Return a typed date as naive UTC (the empty string: None), the class's clock if no offset."""
    text = value.strip()
    if not text:
        return None
    example = f"as 2026-09-11T17:00 ({zone} time) or 2026-09-11T16:00Z"
    try:
        date.fromisoformat(text)
    except ValueError:
        pass
    else:  # midnight at the start or at the end of that day? Too easy to get wrong.
        raise click.BadParameter(f"{value!r} has no time of day: give one, {example}",
                                 param_hint=hint)  # fmt: skip
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC).replace(tzinfo=None)
        return to_utc(parsed, zone)
    except (ValueError, OverflowError):
        raise click.BadParameter(f"{value!r} is not an ISO date and time: give one {example}",
                                 param_hint=hint) from None  # fmt: skip


def _draw(values: tuple[str, ...]) -> list[tuple[str, int]]:
    """Return (bank id, count) of each --draw BANK=N."""
    drawn = []
    for value in values:
        bank, sep, count = value.partition("=")
        try:
            number = int(count)
        except ValueError:
            number = None
        if not sep or not bank.strip() or number is None:
            raise click.BadParameter(
                f"{value!r} is not BANK=N: give a bank id and how many questions to draw from "
                "it, as big-science=5",
                param_hint="--draw",
            )
        drawn.append((bank.strip(), number))
    return drawn


def _words(value: str) -> list[str]:
    return [word.strip() for word in value.split(",") if word.strip()]


def _difficulties(value: str) -> list[str]:
    chosen = _words(value)
    unknown = [d for d in chosen if d not in DIFFICULTIES]
    if unknown:
        raise click.BadParameter(
            f"{unknown[0]!r} is not a difficulty: choose from {', '.join(DIFFICULTIES)}",
            param_hint="--difficulty",
        )
    return chosen


def _whole(value: str, hint: str, none_words: tuple[str, ...]) -> int | None:
    """Return a whole number, or None for one of ``none_words``; refuse anything else."""
    text = value.strip().lower()
    if text in none_words:
        return None
    try:
        return int(text)
    except ValueError:
        words = " or ".join(repr(w) for w in none_words)
        raise click.BadParameter(f"{value!r} is not a whole number (or {words})",
                                 param_hint=hint) from None  # fmt: skip


def _instructions(text: str | None, file) -> str | None:
    if text is not None and file is not None:
        raise click.UsageError("give --instructions or --instructions-file, not both")
    if file is None:
        return text
    try:
        return file.read()
    except UnicodeDecodeError:
        raise click.BadParameter(
            f"{file.name} is not UTF-8 text: save it as UTF-8", param_hint="--instructions-file"
        ) from None


def _chosen(options: dict, zone: str) -> dict:
    """Return the Settings fields the options given set (an option left out: not there)."""
    given = {}
    if options["title"] is not None:
        given["title"] = options["title"]
    if options["draw"]:
        given["draw"] = _draw(options["draw"])
    if options["tags"] is not None:
        given["tags"] = _words(options["tags"])
    if options["difficulty"] is not None:
        given["difficulties"] = _difficulties(options["difficulty"])
    if options["spread"] is not None:
        given["spread"] = options["spread"]
    for name, option in (("opens", "opens_at"), ("closes", "closes_at")):
        if options[name] is not None:
            given[option] = _when(options[name], zone, f"--{name}")
    if options["time_limit"] is not None:
        minutes = _whole(options["time_limit"], "--time-limit", ("none",))
        given["time_limit"] = minutes or None  # 0 is no time limit as "none" is
    if options["attempts"] is not None:
        given["attempts_allowed"] = _whole(options["attempts"], "--attempts", ("unlimited",))
    if options["policy"] is not None:
        given["score_policy"] = options["policy"]
    if options["feedback"] is not None:
        given["feedback"] = FEEDBACK_NAMES[options["feedback"]]
    if options["points"] is not None:
        given["points"] = options["points"]
    instructions = _instructions(options["instructions"], options["instructions_file"])
    if instructions is not None:
        given["instructions"] = instructions
    return given


def _refuse(errors: dict[str, list[str]], options: dict[str, str]) -> NoReturn:
    """Print each problem as ``--option: message`` on stderr and exit 2 (bad input)."""
    for name, messages in errors.items():
        for message in messages:
            click.echo(f"{options.get(name, name)}: {message}", err=True)
    click.get_current_context().exit(2)


def _settings_options(command):
    """The options of create and update: each one left out keeps what is there."""
    for option in reversed(
        [
            click.option(
                "--title",
                default=None,
                help="The title students see (up to 200 characters; needed to create).",
            ),
            click.option(
                "--draw",
                multiple=True,
                metavar="BANK=N",
                help="Draw N questions from a bank for each attempt; repeat for several banks "
                "(as --draw big-science=5 --draw us-china=5). On update, the list given "
                "replaces the whole draw (at least one needed to create).",
            ),
            click.option(
                "--tags",
                default=None,
                metavar="A,B",
                help="Only questions with any of these tags (comma-separated; '' for all).",
            ),
            click.option(
                "--difficulty",
                default=None,
                metavar="EASY,MEDIUM",
                help="Only questions of these difficulties: easy, medium, hard (comma-separated; "
                "'' for all).",
            ),
            click.option(
                "--spread/--no-spread",
                default=None,
                help="No two questions of an attempt cite the same passage, where the pool "
                "allows (new assignments: no spread).",
            ),
            click.option(
                "--opens",
                default=None,
                metavar="WHEN",
                help="When it opens (class time, or with an offset); '' for open at once.",
            ),
            click.option(
                "--closes",
                default=None,
                metavar="WHEN",
                help="When it closes (class time, or with an offset); '' for never.",
            ),
            click.option(
                "--time-limit",
                default=None,
                metavar="MIN",
                help=f"Minutes per attempt, 1 to {MAX_TIME_LIMIT}; 0 or 'none' for untimed "
                "(the default).",
            ),
            click.option(
                "--attempts",
                default=None,
                metavar="N",
                help=f"Attempts allowed, 1 to {MAX_ATTEMPTS}, or 'unlimited' (the default).",
            ),
            click.option(
                "--policy",
                type=click.Choice(ASSIGNMENT_POLICIES),
                default=None,
                help="How attempts combine into the grade (default: best).",
            ),
            click.option(
                "--feedback",
                type=click.Choice(list(FEEDBACK_NAMES)),
                default=None,
                help="When students see the key, explanations and cited passages (default: "
                "immediately, after each answer). after-close needs --closes.",
            ),
            click.option(
                "--points",
                type=float,
                default=None,
                help=f"What the assignment is out of in the gradebook, up to {MAX_POINTS:,} "
                "(default: 10).",
            ),
            click.option(
                "--instructions",
                default=None,
                help="Instructions shown before the first question (Markdown).",
            ),
            click.option(
                "--instructions-file",
                type=click.File("r", encoding="utf-8-sig"),
                default=None,
                help="Read the instructions (Markdown) from this file; - for stdin.",
            ),
        ]
    ):
        command = option(command)
    return command


# The commands

CLASS_OPTION = click.option(
    "--class",
    "course_id",
    type=ID,
    required=True,
    metavar="ID",
    help="Class id (see the Teach page).",
)


@assignment_group.command("create")
@CLASS_OPTION
@_settings_options
@with_database
def assignment_create(course_id: int, **options) -> None:
    """Set a new assignment for a class; prints its id.

    \b
    Example:
      quizapp assignment create --class 3 --title "Week 1" --draw big-science=10 \\
          --opens 2026-09-07T09:00 --closes 2026-09-11T17:00 --time-limit 20 \\
          --attempts 2 --feedback after-close
    """
    course = _class(course_id)
    given = _chosen(options, course.timezone)
    missing = [o for o, f in (("--title", "title"), ("--draw", "draw")) if f not in given]
    if missing:
        raise click.UsageError(f"create needs {' and '.join(missing)}")
    try:
        made = assignments.create(course.id, Settings(**given))
    except Invalid as exc:
        _refuse(exc.errors, OPTION_OF)
    click.echo(f"created assignment {made.id}: {made.title!r} in {course.name}")


@assignment_group.command("update")
@click.argument("assignment_id", type=ID)
@_settings_options
@with_database
def assignment_update(assignment_id: int, **options) -> None:
    """Change an assignment: only the options given.

    Dates, the time limit, attempts and feedback apply from now on, to open attempts too.
    The draw, tags and difficulties cannot change once students have started (duplicate the
    assignment instead).

    \b
    Example:
      quizapp assignment update 7 --closes 2026-09-14T17:00 --attempts 3
    """
    assignment, course = _assignment(assignment_id, "ASSIGNMENT_ID")
    given = _chosen(options, course.timezone)
    if not given:
        raise click.UsageError("nothing to change: give the options to change (see --help)")
    try:
        changed = assignments.change(assignment, replace(Settings.of(assignment), **given))
    except Invalid as exc:
        _refuse(exc.errors, OPTION_OF)
    names = ", ".join(OPTION_OF[f.name] for f in fields(Settings) if f.name in given)
    click.echo(f"updated assignment {changed.id}: {changed.title!r} ({names})")


def _when_shown(value: datetime | None, zone: str) -> str:
    if value is None:
        return "-"
    return f"{in_zone(value, zone):%Y-%m-%d %H:%M} {zone_label(value, zone)}"


def _iso(value: datetime | None, zone: str | None = None) -> str | None:
    """Return a stored time as ISO 8601: in the zone with its offset, or UTC with a Z."""
    if value is None:
        return None
    if zone is None:
        return f"{value.isoformat(timespec='seconds')}Z"
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")


def _as_json(row: assignments.Summary, zone: str) -> dict:
    a = row.assignment
    return {
        "id": a.id,
        "title": a.title,
        "status": row.status.state,
        "opens": _iso(a.opens_at, zone),
        "opens_utc": _iso(a.opens_at),
        "closes": _iso(a.closes_at, zone),
        "closes_utc": _iso(a.closes_at),
        "timezone": zone,
        "time_limit": a.time_limit,
        "attempts": a.attempts_allowed,
        "policy": a.score_policy,
        "feedback": FEEDBACK_WORDS[a.feedback],
        "feedback_released": released_for(a, finished=False),
        "points": a.points,
        "submitted": row.submitted,
        "in_progress": row.in_progress,
        "mean_score": None if row.mean is None else half_up(row.mean, 4),
        "mean_points": None if row.mean is None else half_up(row.mean * a.points, 2),
    }


def _attempts_shown(allowed: int | None) -> str:
    return "unlimited" if allowed is None else str(allowed)


@assignment_group.command("list")
@CLASS_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="json is for scripts: times in the class's zone (with offset) and in UTC.",
)
@with_database
def assignment_list(course_id: int, fmt: str) -> None:
    """List a class's assignments by due date, with submissions and mean score.

    \b
    Examples:
      quizapp assignment list --class 3
      quizapp assignment list --class 3 --format json
    """
    course = _class(course_id)
    zone = course.timezone
    listed = assignments.summaries(course.id)  # finishes overdue attempts first
    if fmt == "json":
        click.echo(json.dumps([_as_json(row, zone) for row in listed], indent=2))
        return
    if not listed:
        click.echo(f"{course.name} has no assignments yet", err=True)
        return
    header = ["ID", "TITLE", "STATUS", "OPENS", "CLOSES", "LIMIT", "ATTEMPTS", "POLICY",
              "FEEDBACK", "SUBMITTED", "MEAN"]  # fmt: skip
    rows = [header] + [
        [
            str(row.assignment.id),
            row.assignment.title,
            row.status.state,
            _when_shown(row.assignment.opens_at, zone),
            _when_shown(row.assignment.closes_at, zone),
            f"{row.assignment.time_limit} min" if row.assignment.time_limit else "-",
            _attempts_shown(row.assignment.attempts_allowed),
            row.assignment.score_policy,
            FEEDBACK_WORDS[row.assignment.feedback]
            + (" (released)" if released_for(row.assignment, finished=False) else ""),
            str(row.submitted),
            "-" if row.mean is None else f"{percent(row.mean)}%",
        ]
        for row in listed
    ]
    click.echo(f"{course.name} (class {course.id}; times in {zone})")
    click.echo(table(rows))


@assignment_group.command("delete")
@click.argument("assignment_id", type=ID)
@click.option("--yes", is_flag=True, help="Delete without asking (for scripts).")
@with_database
def assignment_delete(assignment_id: int, yes: bool) -> None:
    """Delete an assignment; students' attempts at it stay in their history.

    \b
    Example:
      quizapp assignment delete 7 --yes
    """
    assignment, course = _assignment(assignment_id, "ASSIGNMENT_ID")
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError(
                "deleting asks first, and there is no terminal to ask on: add --yes to delete"
            )
        click.confirm(
            f"Delete assignment {assignment.id} {assignment.title!r} of {course.name}?", abort=True
        )
    assignments.delete_assignment(assignment)
    click.echo(f"deleted assignment {assignment.id}: {assignment.title!r}")


@assignment_group.command("override")
@click.option(
    "--assignment",
    "assignment_id",
    type=ID,
    required=True,
    metavar="ID",
    help="Assignment id (see list).",
)
@click.option("--user", "username", required=True, help="The student's username.")
@click.option("--extra-minutes", type=int, default=None, help="Minutes added to the time limit.")
@click.option(
    "--time-factor",
    type=float,
    default=None,
    help="Multiplies the time limit, 1 to 5 (1.5: half as much time again).",
)
@click.option(
    "--closes",
    default=None,
    metavar="WHEN",
    help="A later close for this student (class time, or with an offset); '' for none.",
)
@click.option("--extra-attempts", type=int, default=None, help="Attempts added to those allowed.")
@click.option("--remove", is_flag=True, help="Take the student's accommodation away.")
@with_database
def assignment_override(
    assignment_id: int,
    username: str,
    extra_minutes: int | None,
    time_factor: float | None,
    closes: str | None,
    extra_attempts: int | None,
    remove: bool,
) -> None:
    """Give one student more time, a later close or more attempts (accommodations).

    Options left out keep what the student has; open attempts get the new deadline.

    \b
    Examples:
      quizapp assignment override --assignment 7 --user alice --time-factor 1.5
      quizapp assignment override --assignment 7 --user bob --closes 2026-09-14T17:00
      quizapp assignment override --assignment 7 --user bob --remove
    """
    assignment, course = _assignment(assignment_id, "--assignment")
    student = _student(course, normalise_username(username), username)
    later = None if closes is None else _when(closes, course.timezone, "--closes")
    given = (extra_minutes, time_factor, closes, extra_attempts)
    if remove:
        if any(value is not None for value in given):
            raise click.UsageError("--remove takes the whole accommodation away: give it alone")
        assignments.remove_override(assignment, student.id)
        click.echo(f"{student.username} has no accommodation on {assignment.title!r} now")
        return
    if all(value is None for value in given):
        raise click.UsageError("give what to change (--extra-minutes, --time-factor, --closes, "
                               "--extra-attempts) or --remove")  # fmt: skip
    current = assignments.override_of(assignment.id, student.id) or OverrideSettings()
    settings = OverrideSettings(
        extra_minutes=current.extra_minutes if extra_minutes is None else extra_minutes,
        time_factor=current.time_factor if time_factor is None else time_factor,
        closes_at=current.closes_at if closes is None else later,
        extra_attempts=current.extra_attempts if extra_attempts is None else extra_attempts,
    )
    try:
        assignments.set_override(assignment, student.id, settings)
    except Invalid as exc:
        _refuse(exc.errors, OVERRIDE_OPTION_OF)
    click.echo(
        f"{student.username} on {assignment.title!r}: "
        + _accommodation(assignment, assignments.override_of(assignment.id, student.id), course)
    )


def _student(course: Course, username: str, typed: str) -> User:
    """Return the class's student with this username, or refuse (exit 2)."""

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.BadParameter(f"no user called {typed!r}", param_hint="--user")
    if student_of(course.id, user.id) is None:
        raise click.BadParameter(f"{user.username} is not in {course.name}", param_hint="--user")
    return user


def _accommodation(assignment: Assignment, override, course: Course) -> str:
    """Return what the student now has, in words: time limit, close, attempts."""
    minutes = minutes_for(assignment, override)
    allowed = attempts_for(assignment, override)
    return "; ".join(
        [
            "untimed" if minutes is None else f"{half_up(minutes, 1):g} minutes",
            f"closes {_when_shown(closes_for(assignment, override), course.timezone)}",
            "unlimited attempts" if allowed is None else f"{allowed} attempts",
        ]
    )


@assignment_group.command("release")
@click.argument("assignment_id", type=ID)
@with_database
def assignment_release(assignment_id: int) -> None:
    """Show every attempt's feedback now (key, explanations, cited passages).

    \b
    Example:
      quizapp assignment release 7
    """
    assignment, _ = _assignment(assignment_id, "ASSIGNMENT_ID")
    if released_for(assignment, finished=False):
        click.echo(f"the feedback of {assignment.title!r} already shows")
        return
    assignments.release_feedback(assignment)
    click.echo(f"the feedback of {assignment.title!r} shows to students from now on")
