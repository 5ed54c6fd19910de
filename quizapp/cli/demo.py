"""`quizapp demo`: a class of simulated students with realistic answers."""

import click

from quizapp.cli.database import with_database
from quizapp.cli.progressbar import progress_bar


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

    The class also has three assignments: one closed a few days ago (feedback after the
    close, attempts by most students), one open and timed (some finished, one or two
    students answering now) and one opening next week.

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
            f"demo class {report.join_code} (class id {report.course_id}): {report.students} "
            f"students, {report.attempts} "
            f"attempts, {report.answers} answers, {report.reviews} reviews"
        )
        if report.assignments:
            click.echo(f"{len(report.assignments)} assignments (times in UTC):")
        for set_for_class in report.assignments:
            click.echo(f"  {set_for_class.title}: {_described(set_for_class)}")
        click.echo(f"log in as {DEMO_INSTRUCTOR} / {DEMO_PASSWORD}")


def _described(assignment) -> str:
    """Return an assignment's state in words: 'open, 20 min, closes Fri 11 Dec 17:00, ...'."""

    def at(when) -> str:
        return f"{when:%a %-d %b %H:%M}" if when else "never"

    words = [assignment.state]
    if assignment.time_limit:
        words.append(f"{assignment.time_limit} min")
    if assignment.state == "upcoming":
        words.append(f"opens {at(assignment.opens_at)}")
    else:
        word = "closed" if assignment.state == "closed" else "closes"
        words.append(f"{word} {at(assignment.closes_at)}")
        words.append(f"{assignment.finished} attempts finished")
    if assignment.in_progress:
        words.append(f"{assignment.in_progress} in progress")
    return ", ".join(words)
