"""What ``import --force`` keeps of the files it replaces: what live cannot tell.

The platform has no isolation policies and no access reviews, so a re-import would lose
every ``Policy`` and ``Review`` document, and with a policy the guard it sets. Files
holding only those kinds are kept as they are (and checked beside the imported files);
a file mixing them with kinds import writes is refused, as are files that do not load
(what they hold cannot be told). Time-limited entries keep their end dates.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from reconciler.config.loaded import LoadedDocument
from reconciler.config.loader import discover_files, load_config
from reconciler.errors import ReconcilerError, UsageError, printable
from reconciler.plan.settings import Expiry, Key
from reconciler.state.normalize import expiries

#: The kinds no live platform holds: import never writes them, --force keeps them.
KEPT_KINDS = frozenset({"Policy", "Review"})


@dataclass(frozen=True, slots=True)
class Kept:
    """End dates to carry over, and the files kept (path relative to the directory ->
    text)."""

    timed: dict[Key, Expiry] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)


def _by_file(documents: tuple[LoadedDocument, ...]) -> dict[str, list[LoadedDocument]]:
    grouped: dict[str, list[LoadedDocument]] = defaultdict(list)
    for document in documents:
        grouped[document.source.path].append(document)
    return grouped


def kept_from(out_dir: Path) -> Kept:
    """What a forced import into ``out_dir`` keeps; ``UsageError`` (nothing written)
    when the files do not load or a file mixes kept kinds with imported ones."""
    if not out_dir.is_dir() or not discover_files(out_dir):
        return Kept()
    try:
        loaded = load_config(out_dir, use_cache=False)
    except ReconcilerError as exc:
        raise UsageError(
            f"the files in {printable(str(out_dir))} do not load, so --force cannot keep "
            f"their Policy and Review documents and until dates:\n{exc}\nfix them, or import "
            "into a new directory"
        ) from exc
    files: dict[str, str] = {}
    for path, documents in _by_file(loaded.documents).items():
        kinds = {d.kind for d in documents}
        if not kinds <= KEPT_KINDS and kinds & KEPT_KINDS:
            kept = " and a ".join(sorted(kinds & KEPT_KINDS))
            raise UsageError(
                f"{printable(str(path))} holds a {kept} beside documents import writes: move the "
                f"{kept} into a file of its own, then import again"
            )
        if kinds <= KEPT_KINDS:
            relative = PurePath(os.path.relpath(path, out_dir)).as_posix()
            text = documents[0].source.file.text
            assert text is not None  # loaded without the cache: each file keeps its text
            files[relative] = text
    return Kept(expiries(loaded.projects, loaded.roles), files)
