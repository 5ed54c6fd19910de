"""CSV export: `quizapp export scores --format long` timed, with its peak RSS from wait4."""

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.data import env
from bench.servers import ROOT


def run_export(db: Path, output: Path) -> tuple[float, float]:
    """Export every answer as CSV; return (wall seconds, peak RSS in MB) of that process."""
    exe = Path(sys.executable).with_name("quizapp")
    args = [str(exe), "export", "scores", "--format", "long", "-o", str(output)]
    started = time.perf_counter()
    proc = subprocess.Popen(
        args,
        cwd=ROOT,
        env=dict(os.environ, **env(db)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"export failed with {proc.returncode}")
    output.unlink(missing_ok=True)
    return seconds, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux
