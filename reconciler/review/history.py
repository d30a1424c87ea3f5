"""Which commit granted each access the files declare: the git history of the config.

The first-parent history of ``HEAD`` (the main line: merges of pull requests, squashed
or direct commits) is walked oldest first with ``git log --first-parent -m``, so each
main-line commit is compared with the one before it. Every version of a changed file is
read in one ``git cat-file --batch`` and parsed; an access (a project's user or group,
a role's holder, a ``Review`` record) is *granted* by the main-line commit from which on
the files have declared it without a break. For a merge, the commit on the merged side
that first declared it is its author's commit. This follows an entry across files,
reformatting and flow or block lists, as ``git blame`` on its line would not.

Everything here reads git (subprocesses with arguments as a list, a timeout, no prompt)
and never fails: without git or outside a repository the answer is empty with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from reconciler.audit.git import git_bytes, locate, pr_from_message
from reconciler.config.discover import SUFFIXES
from reconciler.config.yamlread import YamlProblem, parse_text

Key = tuple[str, ...]
GIT_TIMEOUT_SECONDS = 60.0
_FORMAT = "%x1e%H%x1f%P%x1f%an <%ae>%x1f%aI%x1f%s"


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author: str
    date: str
    subject: str

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def pr_number(self) -> int | None:
        return pr_from_message(self.subject)


@dataclass(frozen=True, slots=True)
class Granted:
    """The main-line commit from which on the files declare an access (``landed``) and
    the commit that wrote it (``authored``: the same commit unless ``landed`` is a merge)."""

    landed: Commit
    authored: Commit

    @property
    def merged_by(self) -> str | None:
        """Who merged it, as git tells it: the author of a merge commit."""
        return self.landed.author if self.landed.is_merge else None


@dataclass(slots=True)
class GitGrants:
    grants: dict[Key, Granted] = field(default_factory=dict)
    #: why there is no history (no git, not a repository, no commit), else None
    problem: str | None = None


def git_grants(config_dir: Path) -> GitGrants:
    """The commit that granted every access declared under ``config_dir`` at HEAD."""
    checkout = locate(config_dir)
    if checkout.root is None:
        return GitGrants(problem=checkout.problem)
    reader = _Reader(checkout.root, checkout.pathspec)
    main = reader.log("--first-parent", "HEAD")
    if not main:
        return GitGrants(problem="no commit yet")
    found: dict[Key, Granted] = {}
    state = _State()
    for commit, paths in main:
        added = state.advance(reader, commit, paths)
        authored = _authors(reader, commit, added) if commit.is_merge and added else {}
        for key in added:
            found[key] = Granted(commit, authored.get(key, commit))
    return GitGrants({k: v for k, v in found.items() if state.count.get(k)})


def _authors(reader: _Reader, merge: Commit, keys: set[Key]) -> dict[Key, Commit]:
    """For keys a merge brought in: the first commit of the merged side declaring each."""
    side = reader.log("--first-parent", f"{merge.parents[0]}..{merge.parents[1]}")
    wanted, found = set(keys), {}
    for commit, paths in side:
        for path in paths:
            for key in reader.keys(commit.sha, path) & wanted:
                found[key] = commit
                wanted.discard(key)
        if not wanted:
            break
    return found


@dataclass(slots=True)
class _State:
    """What the files declare after each main-line commit: keys per file, and in how
    many files each key is declared."""

    files: dict[str, frozenset[Key]] = field(default_factory=dict)
    count: dict[Key, int] = field(default_factory=dict)

    def advance(self, reader: _Reader, commit: Commit, paths: Iterable[str]) -> set[Key]:
        """Take in ``commit``; answers the keys it declares that were not declared (an
        entry moved from one file to another in the commit is not new)."""
        touched: set[Key] = set()
        before: dict[Key, int] = {}
        for path in paths:
            new, old = reader.keys(commit.sha, path), self.files.get(path, frozenset())
            for key in new ^ old:
                before.setdefault(key, self.count.get(key, 0))
                self.count[key] = self.count.get(key, 0) + (1 if key in new else -1)
                touched.add(key)
            self.files[path] = new
        for key in touched:
            if self.count[key] <= 0:
                del self.count[key]
        return {k for k in touched if not before[k] and self.count.get(k)}


class _Reader:
    """git log and file contents of one repository, each file version parsed once."""

    def __init__(self, root: Path, pathspec: str) -> None:
        self.root, self.pathspec = root, pathspec
        self._keys: dict[tuple[str, str], frozenset[Key]] = {}

    def log(self, *revisions: str) -> list[tuple[Commit, list[str]]]:
        out = _git(
            self.root,
            "log",
            "-m",
            "--reverse",
            "--no-renames",
            "--name-only",
            f"--format={_FORMAT}",
            *revisions,
            "--",
            self.pathspec,
        )
        commits = [_commit(chunk) for chunk in (out or "").split("\x1e") if chunk.strip()]
        self._fetch([(c.sha, p) for c, paths in commits for p in paths])
        return commits

    def keys(self, sha: str, path: str) -> frozenset[Key]:
        return self._keys.get((sha, path), frozenset())

    def _fetch(self, wanted: list[tuple[str, str]]) -> None:
        todo = [w for w in dict.fromkeys(wanted) if w not in self._keys]
        if not todo:
            return
        batch = "".join(f"{sha}:{path}\n" for sha, path in todo).encode()
        done = git_bytes(self.root, "cat-file", "--batch", stdin=batch, timeout=GIT_TIMEOUT_SECONDS)
        for item, text in zip(todo, _blobs(done or b"", len(todo)), strict=True):
            self._keys[item] = declared(text) if text is not None else frozenset()


def _commit(chunk: str) -> tuple[Commit, list[str]]:
    head, _, rest = chunk.partition("\n")
    sha, parents, author, date, subject = [*head.split("\x1f"), "", "", "", ""][:5]
    paths = [p for p in rest.splitlines() if _is_config(p)]
    return Commit(sha, tuple(parents.split()), author, date, subject), paths


def _is_config(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return bool(parts) and path.endswith(SUFFIXES) and not any(p.startswith(".") for p in parts)


def _blobs(data: bytes, count: int) -> Iterator[str | None]:
    """The contents ``git cat-file --batch`` answered, in order (None: missing)."""
    at = 0
    for _ in range(count):
        end = data.find(b"\n", at)
        if end < 0:
            yield None
            continue
        header = data[at:end].split()
        at = end + 1
        if len(header) != 3 or header[1] != b"blob":
            yield None
            continue
        size = int(header[2])
        yield data[at : at + size].decode("utf-8", "replace")
        at += size + 1


def declared(text: str) -> frozenset[Key]:
    """Every access one file declares (raw documents, valid or not): project members,
    role holders and review records."""
    try:
        parsed = parse_text(text)
    except YamlProblem:
        return frozenset()
    keys: set[Key] = set()
    for document in parsed.documents:
        if isinstance(document.value, Mapping):
            keys |= _keys_of(document.value)
    return frozenset(keys)


def _keys_of(doc: Mapping[str, Any]) -> set[Key]:
    kind, name = doc.get("kind"), str(doc.get("name"))
    if kind == "Project":
        found = doc.get("members")
        members: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        return {
            ("project", name, key, entry)
            for key in ("users", "groups")
            for entry in _entries(members.get(key))
        }
    if kind == "Role":
        return {("role", name, "users", entry) for entry in _entries(doc.get("users"))}
    if kind == "Review":
        return {review_key(doc)}
    return set()


def review_key(doc: Mapping[str, Any]) -> Key:
    """A review record's identity: its day, reviewer and what it names."""
    projects = "\x1f".join(map(str, doc.get("projects") or ()))
    roles = "\x1f".join(map(str, doc.get("roles") or ()))
    return ("review", str(doc.get("reviewed_on")), str(doc.get("reviewer")), projects, roles)


def _entries(value: object) -> Iterator[str]:
    for item in value if isinstance(value, list) else ():
        name = item.get("login", item.get("name")) if isinstance(item, Mapping) else item
        if isinstance(name, str):
            yield name


def _git(root: Path, *args: str) -> str | None:
    out = git_bytes(root, *args, timeout=GIT_TIMEOUT_SECONDS)
    return out.decode("utf-8", "replace") if out is not None else None
