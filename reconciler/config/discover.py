"""Which files under a config directory are read, without opening anything else.

:func:`discover` walks the directory (names starting with ``.`` skipped) and keeps the
regular files named ``*.yaml``/``*.yml``. It never opens an entry to learn what it is:
the directory listing's type or ``lstat``, and ``stat`` through a symlink, decide.

- A FIFO, socket or device named ``*.yaml`` (or a symlink to one) is an error at its
  path, never opened (a FIFO would block the reader forever).
- A symlink to a regular file is read as that file, under the link's name.
- A symlink to a directory is walked, under the link's name, after every real directory,
  unless it leads to a directory already walked (a loop, or the same files twice): then
  it is an error at the link. A broken symlink or a symlink loop named ``*.yaml`` is an
  error; under another name it is ignored like any other file.
- Past ``max_files`` YAML files, or ten times as many directory entries of any name, the
  walk stops with one error at the directory, before any file is read.
"""

from __future__ import annotations

import errno
import os
import stat
from collections import deque
from dataclasses import dataclass, field
from typing import Final

SUFFIXES: Final = (".yaml", ".yml")
#: Directory entries walked per YAML file allowed.
ENTRIES_PER_FILE: Final = 10
_NOT_REGULAR: Final = "not a regular file; only regular files are read (remove it or rename it)"
_PROCEED: Final = (
    "point --config-dir at the directory that holds only the config, or raise the limit "
    "with RECONCILER_MAX_FILES"
)


@dataclass
class Found:
    """What a walk found: relative POSIX paths of the files to read, and the problems
    (relative path, ``""`` for the directory itself; message)."""

    files: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)


def discover(root: str, max_files: int) -> Found:
    """The YAML files under ``root``, sorted (see the module docstring)."""
    walk = _Walk(root, max_files)
    walk.run()
    walk.found.files.sort()
    return walk.found


def special_file(mode: int) -> str:
    """``"a named pipe (FIFO)"`` and so on, for what ``mode`` says is not a regular file."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "a special file"


def not_regular(mode: int, *, through_link: bool = False) -> str:
    link = "a symlink to " if through_link else ""
    return f"is {link}{special_file(mode)}, {_NOT_REGULAR}"


def _unreachable(exc: OSError) -> str:
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "is a broken symlink (its target does not exist)"
    if exc.errno == errno.ELOOP:
        return "is a symlink loop"
    return f"cannot read file: {exc.strerror or exc}"


class _Stop(Exception):
    """The walk passed a limit; the problem is recorded."""


@dataclass
class _Walk:
    root: str
    max_files: int
    found: Found = field(default_factory=Found)
    entries: int = 0
    #: (st_dev, st_ino) of every directory walked -> its relative path
    walked: dict[tuple[int, int], str] = field(default_factory=dict)
    #: symlinks to directories, walked once every real directory is
    links: deque[tuple[str, os.stat_result]] = field(default_factory=deque)

    def run(self) -> None:
        try:
            self._tree("", os.stat(self.root))
            while self.links:
                relative, target = self.links.popleft()
                where = self.walked.get((target.st_dev, target.st_ino))
                if where is None:
                    self._tree(relative, target)
                    continue
                self._problem(
                    relative,
                    f"is a symlink to {self._shown(where)}, which is already read; "
                    "remove the link (a loop, or the same files twice)",
                )
        except _Stop:
            self.found.files.clear()

    def _tree(self, start: str, start_stat: os.stat_result) -> None:
        """Walk ``start`` and every real directory under it (iteratively)."""
        pending = [(start, start_stat)]
        while pending:
            relative, info = pending.pop()
            where = self.walked.setdefault((info.st_dev, info.st_ino), relative)
            if where != relative:  # under a symlinked directory, reached again for real
                self._problem(
                    relative,
                    f"is the directory {self._shown(where)} already read through a symlink; "
                    "remove that link (the same files twice)",
                )
                continue
            for entry in self._list(relative):
                child = f"{relative}/{entry.name}" if relative else entry.name
                directory = self._entry(child, entry)
                if directory is not None:
                    pending.append((child, directory))

    def _list(self, relative: str) -> list[os.DirEntry[str]]:
        path = os.path.join(self.root, relative) if relative else self.root
        kept = []
        try:
            with os.scandir(path) as listing:
                for entry in listing:
                    self.entries += 1
                    if self.entries > self.max_files * ENTRIES_PER_FILE:
                        self._stop(
                            f"more than {self.max_files * ENTRIES_PER_FILE:,} directory "
                            f"entries under this directory (stopped walking); {_PROCEED} "
                            f"(entries: {ENTRIES_PER_FILE} times it)"
                        )
                    if not entry.name.startswith("."):
                        kept.append(entry)
        except OSError as exc:
            self._problem(relative, f"cannot read directory: {exc.strerror or exc}")
        return sorted(kept, key=lambda e: e.name)

    def _entry(self, relative: str, entry: os.DirEntry[str]) -> os.stat_result | None:
        """Record one entry; a directory to walk now is answered with its stat."""
        is_yaml = entry.name.endswith(SUFFIXES)
        if entry.is_symlink():
            self._link(relative, entry.path, is_yaml)
            return None
        if entry.is_dir(follow_symlinks=False):
            if is_yaml:
                self._problem(relative, "is a directory, not a YAML file")
                return None
            return self._lstat(relative, entry)
        if not is_yaml:
            return None
        if entry.is_file(follow_symlinks=False):
            self._file(relative)
        elif (info := self._lstat(relative, entry)) is not None:
            self._problem(relative, not_regular(info.st_mode))
        return None

    def _lstat(self, relative: str, entry: os.DirEntry[str]) -> os.stat_result | None:
        try:
            return entry.stat(follow_symlinks=False)
        except OSError as exc:  # gone since the listing
            self._problem(relative, f"cannot read: {exc.strerror or exc}")
            return None

    def _link(self, relative: str, path: str, is_yaml: bool) -> None:
        """A symlink: its target decides (a directory is walked later, see ``run``)."""
        try:
            target = os.stat(path)
        except OSError as exc:
            if is_yaml:
                self._problem(relative, _unreachable(exc))
            return
        if stat.S_ISDIR(target.st_mode):
            if is_yaml:
                self._problem(relative, "is a symlink to a directory, not a YAML file")
            else:
                self.links.append((relative, target))
        elif is_yaml and stat.S_ISREG(target.st_mode):
            self._file(relative)
        elif is_yaml:
            self._problem(relative, not_regular(target.st_mode, through_link=True))

    def _file(self, relative: str) -> None:
        self.found.files.append(relative)
        if len(self.found.files) > self.max_files:
            self._stop(
                f"more than {self.max_files:,} YAML files under this directory "
                f"(stopped before reading any); {_PROCEED}"
            )

    def _shown(self, relative: str) -> str:
        return os.path.join(self.root, relative) if relative else self.root

    def _problem(self, relative: str, message: str) -> None:
        self.found.problems.append((relative, message))

    def _stop(self, message: str) -> None:
        self.found.problems[:] = [("", message)]
        raise _Stop
