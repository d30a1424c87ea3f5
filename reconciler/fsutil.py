"""Writing files so that a crash or a full disk never leaves one half-written; reading
and writing cache files that cannot hang a run nor lead it outside its directory."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Final

#: Opening a file to read never blocks (a FIFO) and never takes a terminal.
_OPEN: Final = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


class NotRegularFileError(OSError):
    """What was opened is a FIFO, a device, a directory: nothing was read from it."""


class TooLargeError(OSError):
    """The file weighs more than the limit it was opened with, or grew past it."""


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same directory
    and an atomic rename: readers see the old file or the new one, never a part.

    The file keeps the mode of the file it replaces; a new file gets the mode any new
    file gets (0666 less the umask). Raises ``OSError``; the temporary file is removed
    on failure."""
    with replacing(path) as handle:
        handle.write(text.encode("utf-8"))


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[BinaryIO]:
    """A new file, written (in binary) inside the block, that replaces ``path`` as
    ``write_text_atomic`` does once the block ends without an error."""
    directory = path.parent if str(path.parent) else Path()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            os.fchmod(handle.fileno(), _mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0o022)  # reading the umask means setting it; put it back at once
        os.umask(umask)
        return 0o666 & ~umask


def stays_inside(path: Path, root: Path) -> bool:
    """Whether ``path``, every symlink in it resolved (the part that does not exist yet
    taken as written), is ``root`` or below it (``root``'s own symlinks resolved too)."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))
    except (OSError, ValueError):
        return False


def open_regular(path: Path, limit: int, *, follow: bool = True) -> BinaryIO:
    """``path`` opened for reading, when it is a regular file of at most ``limit`` bytes
    (``NotRegularFileError``, ``TooLargeError`` before anything is read, else): opening
    never waits on a FIFO. Reading more than ``limit`` bytes from it (it grew) raises
    ``TooLargeError``. ``follow``: a symlink as the last component is followed (else
    ``OSError``)."""
    fd = os.open(path, _OPEN if follow else _OPEN | os.O_NOFOLLOW)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFileError(errno.EINVAL, "not a regular file", str(path))
        if info.st_size > limit:
            raise TooLargeError(errno.EFBIG, f"larger than {limit} bytes", str(path))
    except BaseException:
        os.close(fd)
        raise
    return io.BufferedReader(_Capped(fd, limit))


def open_cache_file(path: Path, root: Path, limit: int) -> BinaryIO:
    """``open_regular(path, limit)``, never through a symlink, and only in a directory
    that stays inside ``root`` (``stays_inside``). Raises ``OSError`` for anything else:
    to a cache, a miss."""
    if not stays_inside(path.parent, root):
        raise OSError(errno.EXDEV, "the cache directory leads outside its root", str(path))
    return open_regular(path, limit, follow=False)


@contextlib.contextmanager
def replacing_cache_file(path: Path, root: Path) -> Iterator[BinaryIO]:
    """``replacing(path)``, its directory made first, when that directory stays inside
    ``root`` (checked before it is made and again after): a FIFO or a symlink at
    ``path`` is replaced, never written through. Raises ``OSError`` else."""
    for make in (True, False):
        if not stays_inside(path.parent, root):
            raise OSError(errno.EXDEV, "the cache directory leads outside its root", str(path))
        if make:
            path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as handle:
        yield handle


class _Capped(io.RawIOBase):
    """The bytes of a file descriptor, at most ``limit`` of them: a read past the limit
    raises ``OSError``."""

    def __init__(self, fd: int, limit: int) -> None:
        super().__init__()
        self._fd = fd
        self._left = limit

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), self._left + 1)
        data = os.read(self._fd, want)
        if len(data) > self._left:
            raise TooLargeError(errno.EFBIG, "the file grew past its limit while read")
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                os.close(self._fd)
            finally:
                super().close()
