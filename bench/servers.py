"""Gunicorn on loopback with the same settings for the hello-world app and the real app."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 2
WORKER_CLASS = "sync"


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settings() -> str:
    """Describe the gunicorn settings every server in the run shares."""
    return f"gunicorn {WORKERS} {WORKER_CLASS} workers, 1 thread each, loopback"


class Server:
    """One gunicorn master and its workers, started with ``with``."""

    def __init__(self, target: str, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, **env)
        self.args = [
            sys.executable,
            "-m",
            "gunicorn",
            f"--workers={WORKERS}",
            f"--worker-class={WORKER_CLASS}",
            f"--bind=127.0.0.1:{self.port}",
            "--backlog=2048",
            "--graceful-timeout=2",
            "--log-level=warning",
            target,
        ]
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        self.proc = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, start_new_session=True, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start in 30 s")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
