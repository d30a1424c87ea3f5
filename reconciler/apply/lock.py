"""One apply at a time per target on this machine: an advisory lock file.

The projects API has no lock of its own, so ``reconciler apply`` takes an exclusive
lock (``reconciler.filelock``) on ``.reconciler/locks/apply-<hash>.lock`` in the working
directory, keyed by the target however it is spelled (``lock_key``: no secrets), once
the files are loaded and
before it reads the target, and holds it until the last audit record is written. The
file says who holds it (pid, host, since); the kernel releases the lock when the process
ends, however it ends, so a stale file never blocks anyone.

Two machines (two CI runners) do not share the file: the CI concurrency group of
``.github/workflows/apply.yml`` keeps their applies apart, and the change log's run ids
tell them apart when they overlap anyway.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from reconciler.audit.record import utc_timestamp
from reconciler.errors import ApplyError

LOCK_DIR: Final = Path(".reconciler/locks")
#: Seconds between two tries while waiting for a held lock.
POLL: Final = 0.2


def lock_path(target_label: str, directory: Path = LOCK_DIR) -> Path:
    digest = hashlib.sha256(target_label.encode("utf-8", "surrogatepass")).hexdigest()
    return directory / f"apply-{digest[:16]}.lock"


@contextmanager
def apply_lock(
    target_label: str,
    *,
    key: str | None = None,
    wait: float = 0.0,
    directory: Path = LOCK_DIR,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Path]:
    """Hold the apply lock of ``target_label`` (the file is named for ``key``, one for
    every spelling of the target: ``engine.targets.lock_key``; else for the label); wait
    up to ``wait`` seconds for it.

    Raises ``ApplyError`` naming the holder when it stays held, and when the lock file
    cannot be made."""
    path = lock_path(target_label if key is None else key, directory)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ApplyError(f"cannot create the apply lock {path}: {exc.strerror}") from exc
    try:
        deadline = clock() + wait
        while not _try_lock(fd):
            if clock() >= deadline:
                raise ApplyError(_held_message(target_label, path, fd, wait))
            sleep(POLL)
        _write_holder(fd, target_label)
        yield path
    finally:
        os.close(fd)  # closing releases the lock


def _try_lock(fd: int) -> bool:
    from reconciler.filelock import try_lock  # noqa: PLC0415 -- fcntl: only when locking

    try:
        return try_lock(fd)
    except OSError as exc:
        raise ApplyError(f"cannot take the apply lock: {exc.strerror}") from exc


def _write_holder(fd: int, target_label: str) -> None:
    holder = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": utc_timestamp(),
        "target": target_label,
    }
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, (json.dumps(holder, sort_keys=True) + "\n").encode())


def _held_message(target_label: str, path: Path, fd: int, wait: float) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        holder = json.loads(os.read(fd, 4096) or b"{}")
        who = f"pid {holder['pid']} on {holder['host']} since {holder['since']}"
    except (ValueError, KeyError, TypeError, OSError, RecursionError):
        who = "a process that has not yet said who it is"
    waited = f" (waited {wait:g} s)" if wait else ""
    return (
        f"another apply against {target_label} is running{waited}: {who} (lock {path}); "
        "nothing was applied. Let it finish, or pass --lock-timeout SECONDS to wait for it"
    )
