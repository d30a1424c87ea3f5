"""Exclusive locks on an open file: ``flock`` on POSIX, ``msvcrt.locking`` on Windows.

Imported only where a file is locked (``apply``'s lock, the audit log's append), never
at the import of a module ``validate`` or ``plan`` needs, so those two run on a machine
without ``fcntl``. On Windows the lock covers the file's first byte; a lock ends when
its file descriptor is closed, on both.
"""

from __future__ import annotations

import errno
import os
import sys
import time

#: Seconds between two tries of a blocking lock on Windows (msvcrt cannot wait forever).
_RETRY = 0.1
_HELD = frozenset({errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES, errno.EDEADLK})


def try_lock(fd: int) -> bool:
    """Take the exclusive lock of ``fd`` if it is free; False when another holds it."""
    try:
        _lock(fd, blocking=False)
    except OSError as exc:
        if exc.errno in _HELD:
            return False
        raise
    return True


def lock(fd: int) -> None:
    """Wait for and take the exclusive lock of ``fd``."""
    if sys.platform != "win32":
        _lock(fd, blocking=True)
        return
    while not try_lock(fd):  # pragma: no cover -- Windows
        time.sleep(_RETRY)


if sys.platform == "win32":  # pragma: no cover -- tested where it runs
    import msvcrt

    def _lock(fd: int, *, blocking: bool) -> None:
        del blocking  # one non-blocking try; ``lock`` loops
        where = os.lseek(fd, 0, os.SEEK_CUR)
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        finally:
            os.lseek(fd, where, os.SEEK_SET)

else:
    import fcntl

    def _lock(fd: int, *, blocking: bool) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
