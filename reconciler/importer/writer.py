"""Write an imported ``projects.d/`` to disk: YAML text with the schema modeline."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from reconciler.config.loader import load_texts
from reconciler.errors import ConfigError, ReconcilerError, UsageError, printable
from reconciler.fsutil import write_text_atomic
from reconciler.importer.documents import FileSpec, layout
from reconciler.importer.emit import emit
from reconciler.importer.expressible import unwritable
from reconciler.importer.kept import Kept
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
        raise UsageError(f"{printable(str(out_dir))} exists and is not a directory")
    if not (out_dir.is_dir() and any(out_dir.iterdir())):
        return []
    if not force:
        raise UsageError(
            f"{printable(str(out_dir))} is not empty: choose an empty or new directory, or pass "
            "--force to replace the YAML files in it"
        )
    return _existing_yaml(out_dir)


def _rendered(snapshot: Snapshot, out_dir: Path, kept: Kept) -> dict[str, str]:
    """Every file's text (relative path -> text), checked as ``validate`` checks a
    directory, alone and beside the ``kept`` files; ``ReconcilerError`` naming what no
    file can hold (nothing is written)."""
    problems = unwritable(snapshot)
    if problems:
        lines = "".join(f"\n  {p}" for p in problems)
        raise ReconcilerError(
            f"import wrote nothing: live holds values no file can hold:{lines}\n"
            "change them live, then import again"
        )
    rendered = {spec.path.as_posix(): render_file(spec) for spec in layout(snapshot, kept.timed)}
    try:
        load_texts(out_dir, rendered)
    except ConfigError as exc:
        raise ReconcilerError(
            f"import wrote nothing: the files it would write do not validate ({exc}); "
            "please report this as a bug"
        ) from exc
    if kept.files:
        _check_kept(out_dir, rendered, kept.files)
    return rendered


def _check_kept(out_dir: Path, rendered: dict[str, str], kept: dict[str, str]) -> None:
    """The kept Policy and Review files checked beside the imported ones (``UsageError``,
    nothing written, when one sits at a path import writes or no longer validates)."""
    clash = sorted(set(rendered) & set(kept))
    if clash:
        raise UsageError(
            f"{printable(str(out_dir / clash[0]))} holds only Policy or Review documents at a "
            "path import writes: rename it, then import again"
        )
    try:
        load_texts(out_dir, {**rendered, **kept})
    except ConfigError as exc:
        raise UsageError(
            f"import wrote nothing: the kept Policy and Review files do not validate beside "
            f"the imported files (a project or role they name is gone or renamed live):\n{exc}"
            "\nedit them, then import again"
        ) from exc


def write_projects_dir(
    snapshot: Snapshot, out_dir: Path, *, force: bool = False, kept: Kept | None = None
) -> list[Path]:
    """Write a complete config directory for ``snapshot`` into ``out_dir``.

    Refuses a non-empty ``out_dir`` unless ``force``, which replaces every
    ``*.yaml``/``*.yml`` file under it so no stale document survives, but the ``kept``
    files (Policy and Review documents); memberships and holdings with an end date in
    ``kept`` keep it.
    Every file is rendered first and written atomically; a stale file is removed only
    once the new files are all written. Returns the files written, in order.
    """
    kept = kept or Kept()
    rendered = _rendered(snapshot, out_dir, kept)
    texts = {out_dir.joinpath(*PurePosixPath(rel).parts): text for rel, text in rendered.items()}
    try:
        stale = _prepare(out_dir, force)
        for target, text in texts.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(target, text)
        for path in stale:
            if path not in texts and path.relative_to(out_dir).as_posix() not in kept.files:
                path.unlink()
    except OSError as exc:
        shown = printable(str(out_dir))
        raise ReconcilerError(f"cannot write {shown}: {exc.strerror or exc}") from exc
    return list(texts)
