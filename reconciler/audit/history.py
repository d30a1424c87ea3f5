"""What the last applied configuration protected: the audit trail plus git.

``applied_history`` answers the planner's ``AppliedHistory`` (``reconciler.plan.settings``):

1. the audit log (verified end to end) names the last successful apply to the target:
   the last ``apply_finished`` record with outcome ``applied`` and that target;
2. that record names its commit (refused when it has none, or ran from uncommitted
   files: then the commit does not say what was applied);
3. git holds the files at that commit: every ``*.yaml``/``*.yml`` under the config
   directory's path in the repository (hidden ones skipped, as the loader does), read in
   one ``git cat-file --batch`` and parsed with the config reader (the parse cache answers
   files unchanged since), each Project document validated with the config models.

It never raises: whatever it cannot tell (no audit log, a broken chain, no git, a
commit missing from a shallow clone, an unreadable file) becomes ``unknown``, a sentence
saying what is missing and what to do, which the planner shows in its refusal.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Final

from pydantic import ValidationError

from reconciler.audit.git import git_bytes
from reconciler.audit.log import AuditLog
from reconciler.audit.record import target_label
from reconciler.config.cache import ParseCache, cache_disabled_by_env, default_cache_dir, pack_name
from reconciler.config.discover import SUFFIXES
from reconciler.config.models import DOCUMENT_ADAPTER, Project
from reconciler.config.positions import SourceDocument, SourceFile
from reconciler.config.reading import MAX_FILE_BYTES
from reconciler.config.yamlread import parse_text
from reconciler.errors import AuditError, Position, printable
from reconciler.plan.settings import AppliedHistory

_REGULAR: Final = ("100644", "100755")


def applied_history(
    config_dir: Path, audit_log: Path, target: str, *, use_cache: bool = True
) -> AppliedHistory:
    """The projects the last successful apply to ``target`` declared and protected."""
    try:
        commit, where = _last_applied(Path(audit_log), target_label(target))
        return _at_commit(Path(config_dir), commit, where, use_cache=use_cache)
    except AuditError as exc:
        return AppliedHistory(unknown=str(exc))


def applied_already(audit_log: Path, target: str, commit: str | None) -> bool:
    """Whether the last successful apply to ``target`` was of ``commit`` (so an apply
    with nothing to change has nothing new to record)."""
    if commit is None:
        return False
    try:
        last, _ = _last_applied(Path(audit_log), target_label(target))
    except AuditError:
        return False
    return last == commit


def _last_applied(path: Path, target: str) -> tuple[str, str]:
    """``(commit, "audit record #N in LOG")`` of the last successful apply to ``target``."""
    shown = printable(str(path))
    if not path.is_file():
        raise AuditError(
            f"there is no audit log at {shown} (--audit-log or RECONCILER_AUDIT_LOG name "
            "another; a CI job must restore it first)"
        )
    log = AuditLog(path)
    checked = log.verify()
    if checked.problem is not None:
        raise AuditError(f"the audit log {shown} does not verify ({checked.problem})")
    last, wanted = None, ("apply_finished", "applied", target)
    for entry in log.entries():
        data = entry.data
        if (data.get("type"), data.get("outcome"), data.get("target")) == wanted:
            last = entry
    if last is None:
        raise AuditError(
            f"the audit log {shown} records no successful apply to {printable(target)}"
        )
    where = f"audit record #{last.seq} in {shown}"
    git = last.record.git
    if git.commit is None:
        raise AuditError(f"the last successful apply ({where}) was not made from a git commit")
    if git.dirty:
        raise AuditError(
            f"the last successful apply ({where}) ran from uncommitted files "
            f"(--allow-dirty), so commit {git.commit[:12]} does not say what was applied"
        )
    return git.commit, where


def _at_commit(config_dir: Path, commit: str, where: str, *, use_cache: bool) -> AppliedHistory:
    short = commit[:12]
    top = _git(config_dir, "rev-parse", "--show-toplevel")
    prefix = _git(config_dir, "rev-parse", "--show-prefix")
    if top is None or prefix is None:
        raise AuditError(
            f"{printable(str(config_dir))} is not inside a git repository (or git is not "
            f"installed), so what commit {short} ({where}) declared cannot be read"
        )
    root = Path(os.fsdecode(top.rstrip(b"\n")))
    if _git(root, "cat-file", "-e", f"{commit}^{{commit}}") is None:
        raise AuditError(
            f"commit {short} of the last successful apply ({where}) is not in this clone "
            "(a shallow checkout? fetch the history: `git fetch --unshallow`, or "
            "actions/checkout with fetch-depth: 0)"
        )
    files = _yaml_files(root, commit, os.fsdecode(prefix.rstrip(b"\n")))
    cache = None
    where_cached = default_cache_dir(config_dir)
    if use_cache and where_cached is not None and not cache_disabled_by_env():
        cache = ParseCache(where_cached, pack_name(config_dir))
    declared: set[str] = set()
    protected: dict[str, Position] = {}
    for path, data in zip(files, _blobs(root, list(files.values())), strict=True):
        display = f"{short}:{path}"  # what `git show` takes
        for index, project in _projects(display, data, cache):
            declared.add(project.name)
            if project.protected:
                source = SourceDocument(SourceFile(display, text=_text(display, data)), index)
                protected[project.name] = source.position(("protected",))
    return AppliedHistory(f"commit {short}, {where}", frozenset(declared), protected, None)


def _yaml_files(root: Path, commit: str, prefix: str) -> dict[str, str]:
    """``{repository path: blob id}`` of the config files at ``commit``."""
    listing = _git(root, "ls-tree", "-r", "-z", commit, "--", *([prefix] if prefix else []))
    if listing is None:
        raise AuditError(f"git cannot list the files of commit {commit[:12]}")
    files: dict[str, str] = {}
    for line in listing.split(b"\0"):
        meta, _, raw = line.partition(b"\t")
        path = os.fsdecode(raw)
        parts = path[len(prefix) :].split("/")
        if not path.endswith(SUFFIXES) or any(p.startswith(".") for p in parts):
            continue
        mode, kind, blob = meta.decode().split()
        if kind != "blob" or mode not in _REGULAR:
            shown = f"{commit[:12]}:{printable(path)}"
            raise AuditError(f"{shown} is not a regular file in git ({mode})")
        files[path] = blob
    if not files:
        raise AuditError(
            f"commit {commit[:12]} has no YAML files under "
            f"{printable(prefix) or 'the repository root'} "
            "(was the config directory elsewhere then?)"
        )
    return files


def _blobs(root: Path, ids: list[str]) -> list[bytes]:
    """The contents of blobs ``ids``, in order, from one ``git cat-file --batch``."""
    out = _git(root, "cat-file", "--batch", stdin="".join(f"{i}\n" for i in ids).encode())
    if out is None:
        raise AuditError("git cannot read the files of the last applied commit")
    found, pos = [], 0
    for blob in ids:
        end = out.find(b"\n", pos)
        header = out[pos:end].split()
        if end < 0 or len(header) != 3:
            raise AuditError(f"git cannot read blob {blob} of the last applied commit")
        size = int(header[2])
        found.append(out[end + 1 : end + 1 + size])
        pos = end + 1 + size + 1
    return found


def _text(display: str, data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise AuditError(f"{printable(display)} is larger than {limit} MiB")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise AuditError(f"{printable(display)} is not valid UTF-8") from exc


def _projects(display: str, data: bytes, cache: ParseCache | None) -> list[tuple[int, Project]]:
    """``(document index, Project)`` for every Project document of one file."""
    values = cache.get(hashlib.sha256(data).hexdigest()) if cache is not None else None
    if values is None:
        parsed = parse_text(_text(display, data))
        if parsed.problems:
            line, column, message = parsed.problems[0]
            raise AuditError(f"{Position(display, line, column)} cannot be read: {message}")
        values = [d.value for d in parsed.documents]
    found = []
    for index, value in enumerate(values):
        if not isinstance(value, dict) or value.get("kind") != "Project":
            continue
        try:
            model = DOCUMENT_ADAPTER.validate_python(value)
        except ValidationError as exc:
            raise AuditError(
                f"{printable(display)}: document {index + 1} is not a valid Project "
                f"({exc.error_count()} problem(s))"
            ) from exc
        if isinstance(model, Project):
            found.append((index, model))
    return found


def _git(repo: Path, *args: str, stdin: bytes = b"") -> bytes | None:
    """stdout of ``git -C repo args`` as bytes, or None on any failure."""
    return git_bytes(repo, *args, stdin=stdin)
