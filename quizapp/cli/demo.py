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
            f"demo class {report.join_code}: {report.students} students, {report.attempts} "
            f"attempts, {report.answers} answers, {report.reviews} reviews\n"
            f"log in as {DEMO_INSTRUCTOR} / {DEMO_PASSWORD}"
        )
