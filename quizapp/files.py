"""Writing a file whole or not at all: never a short file under the name asked for."""

import os
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(target: Path):
    """Yield a path beside ``target`` to write; it becomes ``target`` only if the block succeeds.

    A write that fails half-way (disk full, a database unreachable) leaves no partial file and
    keeps whatever ``target`` held before. Errors about the partial file name ``target``.
    """
    target = Path(target)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        yield partial
        os.replace(partial, target)
    except OSError as exc:
        if exc.filename in (str(partial), partial):
            raise type(exc)(exc.errno, exc.strerror, str(target)) from exc
        raise
    finally:
        for leftover in (partial, partial.with_name(partial.name + "-journal")):
            leftover.unlink(missing_ok=True)
