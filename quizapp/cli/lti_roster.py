"""`quizapp lti sync-roster`: fill a class's roster from its LMS course (NRPS) on demand."""

import click

from quizapp.cli.database import with_database
from quizapp.cli.lti import lti_group
from quizapp.lti import roster
from quizapp.web.ids import MAX_ID


@lti_group.command("sync-roster")
@click.argument("course_id", metavar="COURSE_ID", type=click.IntRange(1, MAX_ID))
@with_database
def lti_sync_roster(course_id: int) -> None:
    """Sync a class's roster from its LMS course.

    COURSE_ID is the LMS course's ID as `quizapp lti list` prints it. Students on the LMS's
    roster get accounts (without a password: the LMS signs them in) and join the class;
    students who left the LMS course stay in the class and are counted. Teachers get
    instructor accounts, never class places. Each instructor launch does the same.

    \b
    Example:
      quizapp lti sync-roster 3
    """
    try:
        report = roster.sync(course_id)
    except roster.UnknownCourse as exc:
        raise click.BadParameter(str(exc), param_hint="COURSE_ID") from None
    except roster.RosterError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report)
