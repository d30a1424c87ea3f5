"""Write an imported ``projects.d/`` to disk: YAML text with the schema modeline."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from reconciler.errors import ReconcilerError, UsageError
from reconciler.fsutil import write_text_atomic
from reconciler.importer.documents import FileSpec, layout
from reconciler.importer.emit import emit
from reconciler.state.snapshot import Snapshot

#: Where the JSON Schema of the documents lives, relative to the repository root.
SCHEMA_PATH = PurePosixPath("schemas/projects.schema.json")
HEADER = "# Written by `reconciler import` from the live platform; edit freely.\n"


def modeline(path: PurePosixPath) -> str:
    """The yaml-language-server modeline for a file at ``path`` inside a config
    directory that sits at the repository root (next to ``schemas/``)."""
    up = "../" * (len(path.parts))
    return f"# yaml-language-server: $schema={up}{SCHEMA_PATH}\n"


def render_file(spec: FileSpec) -> str:
    """The text of one file: modeline, header, documents separated by ``---``."""
    parts = [
        emit(doc, spec.comments if index == 0 else None) for index, doc in enumerate(spec.documents)
    ]
    return modeline(spec.path) + HEADER + "---\n".join(parts)


def _existing_yaml(out_dir: Path) -> list[Path]:
    return sorted(p for p in out_dir.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))


def _prepare(out_dir: Path, force: bool) -> list[Path]:
    """Check ``out_dir`` may be written; answers the YAML files ``force`` will replace."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} exists and is not a directory")
    if not (out_dir.is_dir() and any(out_dir.iterdir())):
        return []
    if not force:
        raise UsageError(
            f"{out_dir} is not empty: choose an empty or new directory, or pass "
            "--force to replace the YAML files in it"
        )
    return _existing_yaml(out_dir)


def write_projects_dir(snapshot: Snapshot, out_dir: Path, *, force: bool = False) -> list[Path]:
    """Write a complete config directory for ``snapshot`` into ``out_dir``.

    Refuses a non-empty ``out_dir`` unless ``force``, which replaces every
    ``*.yaml``/``*.yml`` file under it so no stale document survives. Every file is
    rendered first and written atomically; a stale file is removed only once the new
    files are all written. Returns the files written, in order.
    """
    texts = {out_dir.joinpath(*spec.path.parts): render_file(spec) for spec in layout(snapshot)}
    try:
        stale = _prepare(out_dir, force)
        for target, text in texts.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(target, text)
        for path in stale:
            if path not in texts:
                path.unlink()
    except OSError as exc:
        raise ReconcilerError(f"cannot write {out_dir}: {exc.strerror or exc}") from exc
    return list(texts)
