"""``reconciler offboard``: take leavers out of every file, keeping everything else as written.

Files are edited round-trip (``yamledit``, as ``drift --adopt`` does): comments, order,
quoting and flow or block style stay. Every entry naming a leaver goes, in either form
(``bank.anna`` or ``{login: bank.anna, until: ...}``), from the ``members.users`` of
every Project and the ``users`` of every Role (the built-in Admin included). The whole
resulting directory is checked with the loader and its rules before the first file is
written; a refusal writes nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.closenames import CloseNames
from reconciler.config.loader import discover_files, load_texts
from reconciler.drift.documents import kind_of
from reconciler.drift.yamledit import YamlFile, dump_file, entry_key, load_file
from reconciler.errors import ConfigError, ReconcilerError, printable
from reconciler.fsutil import write_text_atomic


@dataclass(frozen=True, slots=True)
class Removal:
    """One entry taken out: whose, from where (``project X`` or ``role Y``), at which line."""

    login: str
    place: str
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.login}: {self.place} ({self.path}:{self.line})"


@dataclass(slots=True)
class Offboarded:
    """What offboarding changes: the old and new text of each changed file."""

    config_dir: Path
    removals: list[Removal] = field(default_factory=list)
    before: dict[Path, str] = field(default_factory=dict)
    after: dict[Path, str] = field(default_factory=dict)
    #: logins no file lists, each with the closest listed logins
    not_found: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changed(self) -> list[Path]:
        return sorted(self.after)

    def diff(self) -> str:
        """A unified diff of every changed file (``a/PATH`` -> ``b/PATH``, each path
        escaped with ``printable``: a header is one line)."""
        out: list[str] = []
        for path in self.changed:
            out += difflib.unified_diff(
                self.before[path].splitlines(keepends=True),
                self.after[path].splitlines(keepends=True),
                fromfile=f"a/{printable(str(path))}",
                tofile=f"b/{printable(str(path))}",
            )
        return "".join(out)


def offboard(config_dir: Path, logins: Iterable[str], *, write: bool = True) -> Offboarded:
    """Remove ``logins`` from every project and role holding under ``config_dir``;
    with ``write`` false, only say what would change."""
    leavers = set(logins)
    result = Offboarded(config_dir)
    files = [load_file(config_dir / rel) for rel in discover_files(config_dir)]
    listed: set[str] = set()
    for file in files:
        for doc in file.documents:
            for place, seq in _user_lists(doc):
                listed |= {entry_key(item) for item in seq}
                file.changed |= _remove(seq, leavers, place, file.path, result)
    for file in files:
        if file.changed:
            result.before[file.path] = file.text
            result.after[file.path] = dump_file(file)
    result.removals.sort(key=lambda r: (r.login, str(r.path), r.line))
    names = CloseNames(listed)
    for login in sorted(leavers - listed):
        result.not_found[login] = names.close(login)
    _check(config_dir, files, result)
    if write:
        _write(result)
    return result


def _user_lists(doc: Any) -> Iterable[tuple[str, list[Any]]]:
    """``(place, list)`` for each list of logins in a document."""
    kind = kind_of(doc)
    if kind == "Project":
        members = doc.get("members")
        users = members.get("users") if isinstance(members, dict) else None
        if isinstance(users, list):
            yield f"project {doc.get('name')}", users
    elif kind == "Role" and isinstance(doc.get("users"), list):
        yield f"role {doc.get('name')}", doc["users"]


def _remove(seq: list[Any], leavers: set[str], place: str, path: Path, result: Offboarded) -> bool:
    changed = False
    for index in reversed(range(len(seq))):
        login = entry_key(seq[index])
        if login in leavers:
            result.removals.append(Removal(login, place, path, _line(seq, index)))
            del seq[index]
            changed = True
    return changed


def _line(seq: Any, index: int) -> int:
    """The 1-based line of ``seq[index]`` as loaded (0 when ruamel does not know it)."""
    try:
        return int(seq.lc.item(index)[0]) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return 0


def _check(config_dir: Path, files: Sequence[YamlFile], result: Offboarded) -> None:
    texts = {file.path: result.after.get(file.path, file.text) for file in files}
    relative = {p.relative_to(config_dir).as_posix(): t for p, t in texts.items()}
    try:
        load_texts(config_dir, relative)
    except ConfigError as exc:
        lines = "".join(f"\n  {p}" for p in exc.problems)
        raise ReconcilerError(
            f"offboard wrote nothing: the edited files would not validate:{lines}"
        ) from exc


def _write(result: Offboarded) -> None:
    try:
        for path, text in result.after.items():
            write_text_atomic(path, text)
    except OSError as exc:
        shown = printable(str(result.config_dir))
        raise ReconcilerError(f"cannot rewrite {shown}: {exc.strerror or exc}") from exc
