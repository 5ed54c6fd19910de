"""`python -m bench`: the benchmark table (see --help)."""

import argparse
import os
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path

from bench.run import Options, run
from bench.servers import settings

RESULTS = Path(__file__).with_name("results")
DESCRIPTION = """\
Benchmark quizapp against a bare Flask hello-world app under the same gunicorn settings.

Installs wrk (Debian package) when missing, builds fresh SQLite databases in a temp folder
with `quizapp db upgrade`, `quizapp load` and `quizapp demo --students N --seed 1`, grows a
copy to ~1,000,000 answers by bulk SQL (INSERT ... SELECT), then drives each endpoint with wrk
and a Lua script replaying logged-in requests (each answer POST answers a fresh question),
beside the stack floor: the app's routes that do no work of their own (bench/floor.py). Each
endpoint's share divides by a hello run measured just before it, so the machine's drift over
the run cancels out.
Prints one Markdown table and writes it to bench/results/latest.md plus a dated copy
(--quick writes bench/results/quick.md only). Takes about 7 minutes; --quick about 2.
"""


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="short smoke run, small data")
    parser.add_argument("--seconds", type=float, help="seconds per endpoint (default 10)")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--db-dir", help="folder for the temp databases (e.g. /dev/shm)")
    parser.add_argument("--keep", action="store_true", help="keep the temp databases")
    parser.add_argument(
        "--launch-only",
        action="store_true",
        help="only compare an LTI launch with a sign-in (about a minute; prints, writes nothing)",
    )
    return parser.parse_args(argv)


def options(args: argparse.Namespace) -> Options:
    """Return the run's options from the command line."""
    if args.quick:
        opts = Options(seconds=2, warm=1, scale_seconds=1, students=20, copies=50, quick=True)
    else:
        opts = Options()
    changes = {"connections": args.connections, "threads": args.threads, "db_dir": args.db_dir}
    if args.seconds:
        changes["seconds"] = args.seconds
    return Options(**{**opts.__dict__, **changes})


def header(opts: Options, facts: dict, elapsed: float) -> str:
    """Return the Markdown lines above the table."""
    answers = ", ".join(f"{k}: {v:,}" for k, v in facts["answers"].items())
    return "\n".join(
        [
            f"# quizapp benchmark {datetime.now():%Y-%m-%d %H:%M}"
            + (" (quick)" if opts.quick else ""),
            "",
            "Command: `.venv/bin/python -m bench" + (" --quick`" if opts.quick else "`"),
            "",
            f"- machine: {os.cpu_count()} cores; {settings()}; SQLite in {facts['tmp']}",
            f"- wrk: {opts.threads} threads, {opts.connections} connections, {opts.seconds:g} s"
            f" per endpoint after {opts.warm:g} s warm-up; scale runs {opts.scale_seconds:g} s",
            f"- answers per database: {answers}",
            f"- CSV export: {facts['export']}",
            f"- run took {elapsed:.0f} s",
            "",
        ]
    )


def launch_only(opts: Options) -> int:
    """Build a small database and print the launch-against-sign-in rows alone."""
    import tempfile

    from bench import data, launch, report

    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-", dir=opts.db_dir) as tmp:
        db = Path(tmp) / "launch.sqlite3"
        data.create(db, 2 * launch.FLOWS + 10, log)
        print(report.table(launch.rows(launch.measure(db, log))))
    return 0


def main(argv=None) -> int:
    """Run the benchmark, print the table and write it under bench/results/."""
    args = parse_args(argv)
    opts = options(args)
    if args.launch_only:
        return launch_only(opts)
    started = time.perf_counter()
    table, notes, facts = run(opts, log=lambda m: print(m, file=sys.stderr, flush=True))
    text = header(opts, facts, time.perf_counter() - started) + "\n" + table + "\n"
    if notes:
        text += "\nNotes:\n\n" + "".join(f"- {n}\n" for n in notes)
    RESULTS.mkdir(exist_ok=True)
    names = ["quick.md"] if opts.quick else ["latest.md", f"{datetime.now():%Y-%m-%d-%H%M}.md"]
    for name in names:
        (RESULTS / name).write_text(text, encoding="utf-8")
    if not args.keep:
        shutil.rmtree(facts["tmp"], ignore_errors=True)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
