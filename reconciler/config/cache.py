"""A content-hash cache of parsed files, so a second run re-parses only what changed.

An entry holds the plain values a file's YAML parsed to, as JSON, under
``<parent of the config dir>/.reconciler/cache/parse-v<N>/<sha256 of the bytes>.json``
(``./.reconciler/cache/`` for the default ``./projects.d``). Only files that parsed with
no problem are stored. The key is the file's content hash plus :data:`LOADER_VERSION`,
and only parsing is cached: schema validation and the static rules run on every load,
so an entry can never turn an invalid file valid. An unreadable, corrupt or foreign
entry is a miss, never an error; a cache that cannot be written is silently skipped.
JSON rather than pickle or marshal: loading an entry can never run code or crash.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Final

#: Bump when the reader's output for the same bytes could change.
LOADER_VERSION: Final = 1

ENV_NO_CACHE: Final = "RECONCILER_NO_CACHE"


def default_cache_dir(config_dir: Path) -> Path:
    return config_dir.absolute().parent / ".reconciler" / "cache"


def cache_disabled_by_env() -> bool:
    return os.environ.get(ENV_NO_CACHE, "").strip().lower() not in ("", "0", "false", "no")


class ParseCache:
    """Parsed documents of files, keyed by the sha256 of their bytes."""

    def __init__(self, root: Path) -> None:
        self.directory = root / f"parse-v{LOADER_VERSION}"
        self._writable = True

    def get(self, digest: str) -> list[object] | None:
        try:
            with open(self.directory / f"{digest}.json", "rb") as handle:
                entry = json.loads(handle.read())
        except (OSError, ValueError, RecursionError):
            return None
        if (
            not isinstance(entry, dict)
            or entry.get("loader") != LOADER_VERSION
            or entry.get("sha256") != digest
            or not isinstance(entry.get("documents"), list)
        ):
            return None
        documents: list[object] = entry["documents"]
        return documents

    def put(self, digest: str, documents: list[object]) -> None:
        if not self._writable:
            return
        entry = {"loader": LOADER_VERSION, "sha256": digest, "documents": documents}
        try:
            data = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(tmp, self.directory / f"{digest}.json")
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except (OSError, ValueError, TypeError, RecursionError):
            self._writable = False
