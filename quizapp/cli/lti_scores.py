"""`quizapp lti send-scores`: post the grades waiting for the LMSs, once or as a worker."""

import signal
import threading

import click

from quizapp.cli.database import with_database
from quizapp.cli.lti import lti_group
from quizapp.extensions import db
from quizapp.lti import sender


def _when(delivery: sender.Delivery) -> str:
    at = delivery.next_try_at
    return f"next try {at:%Y-%m-%d %H:%M:%S} UTC" if at else "no retry set"


def _report(report: sender.Report, quiet_if_idle: bool) -> None:
    if not len(report) and quiet_if_idle:
        return
    for delivery in report.failed:
        row = delivery.row
        click.echo(
            f"failed: {row.username} in {row.label!r} (try {row.tries + 1}, {_when(delivery)}): "
            f"{delivery.error}",
            err=True,
        )
    sent, failed = len(report.sent), len(report.failed)
    click.echo(f"sent {sent} grade{'s' * (sent != 1)}; {failed} failed")


@lti_group.command("send-scores")
@click.option(
    "--loop",
    is_flag=True,
    help="Keep going: a pass every --interval seconds until stopped (Ctrl-C or SIGTERM).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    default=None,
    metavar="SECONDS",
    help="With --loop: seconds between passes (default 30).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="At most this many grades per pass.",
)
@with_database
def lti_send_scores(loop: bool, interval: float | None, limit: int) -> None:
    """Send the grades waiting for the LMSs (LTI Assignment and Grade Services).

    quizapp sends a grade right after the request that changed it; a grade the LMS could not
    take then (the site down, a token refused) waits with longer pauses between tries (30
    seconds, doubling, at most 6 hours). This command sends every grade that is due now, in
    one pass, and prints what it sent and what failed with the LMS's reason. A failed grade
    is kept and tried again later: the exit status is 0 unless the options are wrong.

    \b
    Examples:
      quizapp lti send-scores                         one pass (cron)
      quizapp lti send-scores --loop --interval 60    a worker (systemd)
    """
    if interval is not None and not loop:
        raise click.UsageError("--interval applies to --loop only")
    if not loop:
        _report(sender.send_due(limit=limit), quiet_if_idle=False)
        return
    stop = threading.Event()
    # systemd stops a service with SIGTERM: finish the pass under way, then leave.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo(f"sending grades every {interval or 30:g} seconds; stop with Ctrl-C")
    try:
        while not stop.is_set():
            _report(sender.send_due(limit=limit), quiet_if_idle=True)
            db.session.remove()  # no transaction kept open between passes
            stop.wait(interval or 30)
    except KeyboardInterrupt:
        pass
    click.echo("stopped")
