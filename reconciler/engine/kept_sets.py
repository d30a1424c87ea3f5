"""The encodings of the desired state's sets, kept beside its state cache entry.

A plan's fingerprints write the canonical JSON of every set of live and of the desired
state (``state.fingerprint``): sorting and encoding them is most of that work. The
desired state of the same files is the same every run, so its sets' encodings are kept:
replayed, none of the desired state's sets is sorted or encoded again, nor any live set
that is one of them (``state.snapshot.shared`` makes the sets live and the files agree
on one object). The fingerprints are the same bytes either way.

The desired state's own fingerprint is kept with them, so a replay writes live's
canonical JSON alone. The file is ``<state cache entry>.sets``, for the same key: a head
line (JSON: version and key), one line per encoding (ASCII JSON: no line break inside),
and a last line: the desired state's fingerprint after the sha256 of the lines between
and that fingerprint. It is read a line at a time as the fingerprints ask (all of it
held at once would add ~20 MB to a 10,000-project plan's peak) and checked at the end: a
file cut, damaged, of another key or of another length is found out then, and the
fingerprints are made again without it, recording a new one; so is a file that is not a
regular file (a FIFO, a symlink: never opened through), one over the cache's limit, or
one in a directory leading outside the cache dir. It is written as the fingerprints are
made, on any miss, replacing the file (never writing through it); a file that cannot be
written is skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Final

from reconciler.config.cache import DEFAULT_CACHE_LIMIT
from reconciler.fsutil import open_cache_file, replacing_cache_file
from reconciler.state.fingerprint import fingerprints
from reconciler.state.snapshot import Snapshot

#: Bump when the file's shape changes (its key changes with any edit of the code anyway).
SETS_VERSION: Final = 1

Fingerprints = tuple[str, str]
#: The last line: two sha256 in hex, ``sha256:``, a space and a line break.
_LAST = 64 + 1 + len("sha256:") + 64 + 1


def fingerprints_of(live: Snapshot, desired: Snapshot, kept: KeptSets | None) -> Fingerprints:
    """``fingerprints(live, desired)``, through ``kept`` when there is a state cache."""
    return (
        kept.fingerprints(live, desired) if kept is not None else _pair(fingerprints(live, desired))
    )


class _Unusable(Exception):
    """The kept file does not hold what is asked of it."""


class KeptSets:
    """The kept encodings at ``path``, of the desired state named by ``key``; its
    directory must stay inside ``root`` (default: that directory) and it may weigh up to
    ``limit`` bytes."""

    def __init__(
        self, path: Path, key: str, root: Path | None = None, limit: int = DEFAULT_CACHE_LIMIT
    ) -> None:
        self.path = path
        self.key = key
        self.root = root if root is not None else path.parent
        self.limit = limit

    def fingerprints(self, live: Snapshot, desired: Snapshot) -> Fingerprints:
        """``fingerprints(live, desired)``, from the kept encodings when they are there."""
        found = self._replayed(live, desired)
        return found if found is not None else self._recorded(live, desired)

    def _replayed(self, live: Snapshot, desired: Snapshot) -> Fingerprints | None:
        try:
            with open_cache_file(self.path, self.root, self.limit) as handle:
                if handle.readline() != self._head():
                    return None
                replay = _Replay(handle)
                (made,) = fingerprints(live, tape=replay, taped=desired)
                known = replay.fingerprint()
                return (made, known) if known is not None else None
        except (OSError, ValueError, _Unusable):
            return None

    def _recorded(self, live: Snapshot, desired: Snapshot) -> Fingerprints:
        made: Fingerprints | None = None
        try:
            with replacing_cache_file(self.path, self.root) as handle:
                record = _Record(handle, self._head())
                made = _pair(fingerprints(live, desired, tape=record, taped=desired))
                record.finish(made[1])  # a failed write: raises, nothing replaces the file
        except (OSError, _Unusable):
            pass
        return made if made is not None else _pair(fingerprints(live, desired))

    def _head(self) -> bytes:
        return json.dumps({"sets": SETS_VERSION, "key": self.key}).encode() + b"\n"


def _pair(made: tuple[str, ...]) -> Fingerprints:
    live, desired = made
    return live, desired


class _Replay:
    """A tape read from the file, each line hashed as it is read."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def __call__(self, encode: Callable[[], str]) -> str:
        line = self.handle.readline()
        if not line.endswith(b"\n"):
            raise _Unusable
        self.digest.update(line)
        return line[:-1].decode("ascii")

    def fingerprint(self) -> str | None:
        """The desired state's fingerprint, from the last line when its hash is that of
        the lines read and the fingerprint, and nothing follows; else ``None``."""
        last = self.handle.read(_LAST + 1)
        sha, _, known = last.decode("ascii").partition(" ")
        if len(last) != _LAST or not known.endswith("\n"):
            return None
        self.digest.update(known[:-1].encode())
        return known[:-1] if sha == self.digest.hexdigest() else None


class _Record:
    """A tape that writes each encoding as it is made; a write that fails stops the
    writing (``finish`` then says so), never the fingerprints."""

    def __init__(self, handle: BinaryIO, head: bytes) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.failed = False
        self._write(head)

    def __call__(self, encode: Callable[[], str]) -> str:
        text = encode()
        if not self.failed:
            self._write(text, hashed=True)
        return text

    def _write(self, text: str | bytes, *, hashed: bool = False) -> None:
        try:
            line = text if isinstance(text, bytes) else text.encode("ascii") + b"\n"
            if hashed:
                self.digest.update(line)
            self.handle.write(line)
        except (OSError, ValueError):  # ValueError: not ASCII, which no encoding is
            self.failed = True

    def finish(self, fingerprint: str) -> None:
        self.digest.update(fingerprint.encode())
        self._write(f"{self.digest.hexdigest()} {fingerprint}\n".encode())
        if self.failed:
            raise _Unusable
