"""Reading a config directory: every YAML file found, read with a size cap and hashed.

The first half of a load (:func:`read_config`): nothing here parses YAML or knows the
documents' models, so a command whose files are in the state cache
(``engine.declared``) imports neither; ``ConfigFiles.load`` goes on with ``loader``.
``files_digest`` names the exact files read (every path and the sha256 of its bytes):
a saved plan is bound to it, and the state cache is keyed by it.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

from reconciler.config.cache import (
    ParseCache,
    cache_disabled_by_env,
    cache_limit,
    default_cache_dir,
    pack_name,
)
from reconciler.config.discover import discover, not_regular
from reconciler.errors import Position, Problem, UsageError, printable
from reconciler.gcpause import paused_gc

if TYPE_CHECKING:
    from reconciler.config.loaded import LoadedConfig

MAX_FILE_BYTES: Final = 5 * 1024 * 1024
#: YAML files one config directory may hold (env ``RECONCILER_MAX_FILES``); ten times as
#: many directory entries may be walked.
MAX_FILES: Final = 20_000
ENV_MAX_FILES: Final = "RECONCILER_MAX_FILES"
#: Never block opening a file (a FIFO swapped in after the walk), never take a terminal.
_OPEN_FLAGS: Final = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


def read_config(
    config_dir: Path,
    *,
    use_cache: bool = True,
    cache_dir: Path | None = None,
    with_marks: bool = False,
) -> ConfigFiles:
    """The files of ``config_dir`` found, read and hashed, not parsed yet: the first half
    of ``loader.load_config`` (same arguments and errors), which ``ConfigFiles.load``
    finishes. Between the two, ``files_digest`` already names the exact files."""
    if not config_dir.is_dir():
        raise UsageError(f"config directory not found: {printable(str(config_dir))}")
    max_files = max_files_from_env()
    root = None
    if use_cache and not cache_disabled_by_env():
        root = cache_dir or default_cache_dir(config_dir)
    cache = ParseCache(root, pack_name(config_dir)) if root is not None else None
    reading = Reading(config_dir, cache, with_marks or cache is not None, max_files)
    with paused_gc():
        reading.read_all()
    if cache is not None:
        cache.limit = cache_limit(reading.input_bytes())
    return ConfigFiles(reading, root)


class ConfigFiles:
    """The YAML files of a config directory as read: bytes and their hashes.

    ``cache_root`` is where caches of this directory live (``None``: caching is off or
    there is nowhere to put one); a cache file larger than ``cache_limit`` is a miss.
    ``files_digest`` is ``None`` when a file could not be read or none was found:
    ``load`` then raises the ``ConfigError`` naming it."""

    def __init__(self, reading: Reading, cache_root: Path | None) -> None:
        self._reading = reading
        self.cache_root = cache_root
        self.cache_limit = cache_limit(reading.input_bytes())
        self.files_digest: str | None = None
        if reading.read and not reading.problems:
            self.files_digest = files_digest((r.relative, r.sha256) for r in reading.read)

    def load(self) -> LoadedConfig:
        """Parse (or take from the parse cache), validate and check every file
        (``loader``: the parser and the models are imported only here). Once: what was
        read is let go of (the loaded config holds what it needs)."""
        from reconciler.config.loader import finish  # noqa: PLC0415 -- see the docstring

        reading, self._reading = self._reading, Reading(self._reading.config_dir, None, False)
        return finish(reading, self.files_digest)


def max_files_from_env() -> int:
    """``RECONCILER_MAX_FILES`` (a whole number of 1 or more), else :data:`MAX_FILES`."""
    raw = os.environ.get(ENV_MAX_FILES, "").strip()
    if not raw:
        return MAX_FILES
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise UsageError(
            f"{ENV_MAX_FILES} must be a whole number of 1 or more, not {printable(repr(raw))}"
        )
    return int(raw)


def files_digest(files: Iterator[tuple[str, str]] | list[tuple[str, str]]) -> str:
    """sha256 over ``(relative POSIX path, sha256 hex of the bytes)`` pairs, sorted by path
    (a name that is not UTF-8 as its bytes)."""
    outer = hashlib.sha256()
    for relative, sha in sorted(files):
        outer.update(f"{relative}\0{sha}\n".encode("utf-8", "surrogateescape"))
    return outer.hexdigest()


@dataclass
class FileBytes:
    """A file read, not yet parsed nor looked up in the parse cache."""

    relative: str
    sha256: str
    data: bytes = field(repr=False)


@dataclass
class Reading:
    """The files of one directory as read, and the problems met reading them."""

    config_dir: Path
    cache: ParseCache | None
    #: files parsed are read with their marks (else they keep their texts)
    with_marks: bool
    max_files: int = MAX_FILES
    read: list[FileBytes] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def read_all(self) -> None:
        """Find and read every file (its bytes and their sha256); nothing is parsed."""
        found = discover(str(self.config_dir), self.max_files)
        for relative, message in found.problems:
            self.problem(relative, message)
        for relative in found.files:
            data = self._read(relative)
            if data is not None:
                self.read.append(FileBytes(relative, hashlib.sha256(data).hexdigest(), data))

    def input_bytes(self) -> int:
        """What the files read weigh, together."""
        return sum(len(f.data) for f in self.read)

    def display(self, relative: str) -> str:
        return os.path.join(str(self.config_dir), relative) if relative else str(self.config_dir)

    def problem(self, relative: str, message: str, line: int = 0, column: int = 0) -> None:
        self.problems.append(Problem(Position(self.display(relative), line, column), message))

    def _read(self, relative: str) -> bytes | None:
        """The file's bytes; ``None`` (a problem recorded) when it cannot be read."""
        try:
            data = _read_capped(self.display(relative))
        except IsADirectoryError:
            self.problem(relative, "is a directory, not a YAML file")
            return None
        except _NotRegular as exc:
            self.problem(relative, not_regular(exc.mode))
            return None
        except OSError as exc:
            self.problem(relative, f"cannot read file: {exc.strerror or exc}")
            return None
        if len(data) > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // (1024 * 1024)
            self.problem(relative, f"file is larger than {limit} MiB; split it into smaller files")
            return None
        return data


class _NotRegular(OSError):
    def __init__(self, mode: int) -> None:
        super().__init__("not a regular file")
        self.mode = mode


def _read_capped(path: str) -> bytes:
    """The file's bytes, or its first ``MAX_FILE_BYTES + 1`` when it is larger.

    The walk let only regular files through; should one have been swapped for a FIFO
    since, ``O_NONBLOCK`` keeps the open from waiting and the ``fstat`` refuses it."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(info.st_mode):
            raise _NotRegular(info.st_mode)
        size = info.st_size
        first = os.read(fd, min(size, MAX_FILE_BYTES) + 1)
        if len(first) <= size:  # the whole file, as fstat said (the usual case)
            return first
        chunks, total = [first], len(first)
        while chunks[-1] and total <= MAX_FILE_BYTES:
            chunks.append(os.read(fd, 1 << 16))
            total += len(chunks[-1])
        return b"".join(chunks)
    finally:
        os.close(fd)
