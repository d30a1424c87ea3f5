"""A content-hash cache of parsed files, so a second run re-parses only what changed.

The plain values each file's YAML parsed to are kept with their positions (the marks of
:mod:`reconciler.config.positions`, as one JSON text: a file read from the cache is
neither parsed nor kept in memory for its positions), keyed by the sha256 of the file's
bytes, in one JSON pack per config directory:
``<cache dir>/parse-v<N>/<name>-<hash of its path>.json``. The cache dir
(:func:`default_cache_dir`) is never outside the working directory or the git work tree
holding the config: ``./.reconciler/cache/`` when the config directory is inside the
working directory (the default ``./projects.d``), else ``.reconciler/cache/`` at the root
of the git work tree holding the config directory, else none: no cache. Symlinks count:
a cache dir whose real path leaves that directory (``.reconciler`` or its ``cache``
committed as a symlink to elsewhere) is none, and so is a directory below it that does
(``fsutil.open_cache_file``). One file rather than one per entry: writing a thousand
small files cost more than parsing them. The pack holds the entries of the last run
only, so it never grows with old versions of files.

Only files that parsed with no problem are stored, and only parsing is cached: schema
validation and the static rules run on every load, so an entry can never turn an invalid
file valid. An unreadable, corrupt or foreign pack or entry is a miss, never an error, and
so is one that is not a regular file (a FIFO is never waited on, a symlink never followed)
or is larger than :func:`cache_limit`; a cache that cannot be written is silently
skipped. A pack is replaced, never written through. JSON rather than pickle or marshal:
loading the pack can never run code or crash.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Final

from reconciler.fsutil import open_cache_file, replacing_cache_file, stays_inside

#: Bump when the reader's output for the same bytes, or the pack's shape, could change.
#: 5: an empty document's position is its ``---``.
LOADER_VERSION: Final = 5

ENV_NO_CACHE: Final = "RECONCILER_NO_CACHE"
CACHE_DIR: Final = Path(".reconciler") / "cache"
#: A cache file (parse pack, state entry, kept sets) larger than ``cache_limit`` of the
#: YAML read is a miss: an entry is about 1.3 times the YAML it was made of (aliases can
#: make it more, and a miss is only slower).
CACHE_FLOOR_BYTES: Final = 64 * 1024 * 1024
CACHE_BYTES_PER_INPUT_BYTE: Final = 16
#: The limit of a pack read when what the YAML weighs is not known.
DEFAULT_CACHE_LIMIT: Final = 256 * 1024 * 1024


def cache_limit(input_bytes: int) -> int:
    """The size past which a cache file made of ``input_bytes`` of YAML is a miss."""
    return CACHE_FLOOR_BYTES + CACHE_BYTES_PER_INPUT_BYTE * input_bytes


def default_cache_dir(config_dir: Path, cwd: Path | None = None) -> Path | None:
    """``.reconciler/cache`` in ``cwd`` (default: the working directory) when
    ``config_dir`` is inside it; else at the root of the git work tree holding
    ``config_dir``; else ``None``: no cache, so nothing is written elsewhere. ``None``
    too when that ``.reconciler/cache``, its symlinks resolved, is not inside the
    directory it is in (a symlink committed to the repository)."""
    try:
        here = Path(os.path.abspath(cwd if cwd is not None else Path.cwd()))
    except OSError:  # the working directory was removed: write nothing
        return None
    config = Path(os.path.abspath(here / config_dir))
    if config.is_relative_to(here) or config.resolve().is_relative_to(here.resolve()):
        base: Path | None = here
    else:
        base = _work_tree_root(config.resolve())
    if base is None or not stays_inside(base / CACHE_DIR, base):
        return None
    return base / CACHE_DIR


def _work_tree_root(directory: Path) -> Path | None:
    """The nearest of ``directory`` and its parents holding ``.git`` (a directory, or the
    file of a linked worktree or submodule)."""
    for candidate in (directory, *directory.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    return None


def cache_disabled_by_env() -> bool:
    return os.environ.get(ENV_NO_CACHE, "").strip().lower() not in ("", "0", "false", "no")


def pack_name(config_dir: Path) -> str:
    """The pack of one config directory: its name plus a hash of its absolute path."""
    where = str(config_dir.absolute()).encode("utf-8", "surrogateescape")
    return f"{config_dir.absolute().name}-{hashlib.sha256(where).hexdigest()[:12]}.json"


class ParseCache:
    """Parsed documents of files and their encoded marks, keyed by the sha256 of their
    bytes.

    ``get``, ``entry`` and ``put`` work in memory; ``save`` writes the entries this run
    used (hits and new ones) back to the pack, only when they differ from what was read.
    """

    def __init__(
        self, root: Path, name: str = "default.json", limit: int = DEFAULT_CACHE_LIMIT
    ) -> None:
        self.root = root
        self.path = root / f"parse-v{LOADER_VERSION}" / name
        #: a pack larger than this is a miss (``cache_limit``)
        self.limit = limit
        self._stored: dict[str, object] | None = None
        self._used: dict[str, list[object]] = {}  # digest -> [documents, marks]

    def _pack(self) -> dict[str, object]:
        if self._stored is None:
            self._stored = {}
            try:
                with open_cache_file(self.path, self.root, self.limit) as handle:
                    pack = json.loads(handle.read())
            except (OSError, ValueError, RecursionError):
                return self._stored
            if (
                isinstance(pack, dict)
                and pack.get("loader") == LOADER_VERSION
                and isinstance(pack.get("entries"), dict)
            ):
                self._stored = pack["entries"]
        return self._stored

    def get(self, digest: str) -> list[object] | None:
        """The documents of the file whose bytes hash to ``digest``, if stored."""
        found = self.entry(digest)
        return found[0] if found is not None else None

    def entry(self, digest: str) -> tuple[list[object], str] | None:
        """The documents and the encoded marks of the file whose bytes hash to ``digest``."""
        found = self._pack().get(digest)
        if not (isinstance(found, list) and len(found) == 2):
            return None
        documents, marks = found
        if not (isinstance(documents, list) and isinstance(marks, str)):
            return None
        self._used[digest] = found
        return documents, marks

    def put(self, digest: str, documents: list[object], marks: str) -> None:
        self._used[digest] = [documents, marks]

    def save(self) -> None:
        if self._used.keys() == self._pack().keys():
            return  # every entry was a hit and none is stale: nothing to write
        pack = {"loader": LOADER_VERSION, "entries": self._used}
        try:
            text = json.dumps(pack, ensure_ascii=False, separators=(",", ":"))
            with replacing_cache_file(self.path, self.root) as handle:
                handle.write(text.encode("utf-8"))
        except (OSError, ValueError, TypeError, RecursionError):
            return
        self._stored = dict(self._used)
