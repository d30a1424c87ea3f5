"""Where an apply comes from: git commit metadata and the CI (or local) identity.

Everything here reads the outside world (``git`` subprocesses, the environment) and
never fails: outside a git repository, without ``git`` installed, or on a repository
with no commit yet, the fields it cannot learn are ``None``. ``git`` runs with its
arguments as a list (no shell), a timeout, no terminal prompts and ``LC_ALL=C``.

Remote URLs lose any credentials (``https://user:token@host/x.git`` becomes
``https://host/x.git``) before they leave this module, so a token configured in a
remote never reaches an audit record, a log or an error message.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from reconciler.config.discover import SUFFIXES, discover
from reconciler.config.reading import MAX_FILES

GIT_TIMEOUT_SECONDS = 10.0

_PR_REF = re.compile(r"^refs/pull/(\d+)/")
_PR_SUBJECTS = (
    re.compile(r"^Merge pull request #(\d+)\b"),  # GitHub merge commit
    re.compile(r"\(#(\d+)\)\s*$"),  # GitHub squash merge: "Subject (#123)"
    re.compile(r"See merge request [^\s!]+!(\d+)"),  # GitLab merge commit body
)


@dataclass(frozen=True, slots=True)
class GitInfo:
    """The commit an apply runs from. ``dirty`` is ``None`` when not asked or unknown."""

    commit: str | None = None
    branch: str | None = None
    author_name: str | None = None
    author_email: str | None = None
    remote_url: str | None = None
    subject: str | None = None
    dirty: bool | None = None

    @property
    def pr_number(self) -> int | None:
        """A pull/merge request number named by the commit message (merge or squash)."""
        return pr_from_message(self.subject or "")

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> GitInfo:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True, slots=True)
class CiInfo:
    """Who runs the apply, as the CI system tells it (``system`` is None when local)."""

    system: str | None = None
    actor: str | None = None
    pr_number: int | None = None
    run_id: str | None = None
    run_url: str | None = None
    branch: str | None = None

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> CiInfo:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


def strip_credentials(url: str) -> str:
    """A URL without user, password or query (``https://u:t@h/p?x=1`` -> ``https://h/p``).

    scp-like remotes (``git@host:org/repo.git``) carry no secret and are kept as they are.
    """
    if "://" not in url:
        return url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<unparseable URL>"
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _git_env() -> dict[str, str]:
    """Never prompt, C messages, and read-only: without optional locks ``git status``
    does not rewrite the index."""
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}


def _run_git(directory: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    """``git -C directory args``, or None when git cannot be run at all."""
    return _run(directory, args, text=True)


def git_bytes(
    directory: Path, *args: str, stdin: bytes = b"", timeout: float = GIT_TIMEOUT_SECONDS
) -> bytes | None:
    """stdout of ``git -C directory args`` as bytes (fed ``stdin``), or None when git
    cannot be run or exits non-zero."""
    done = _run(directory, args, text=False, stdin=stdin, timeout=timeout)
    return bytes(done.stdout) if done is not None and done.returncode == 0 else None


def _run(
    directory: Path,
    args: tuple[str, ...],
    *,
    text: bool,
    stdin: bytes | None = None,
    timeout: float = GIT_TIMEOUT_SECONDS,
) -> subprocess.CompletedProcess[Any] | None:
    """The one way git is run: ``git -C directory args`` with the environment of
    ``_git_env``, output captured; None when it cannot be run at all. Text is UTF-8, a
    byte that is not (a file name's) kept as Python keeps it in a path (surrogateescape)."""
    try:
        return subprocess.run(
            ["git", "-C", str(directory), *args],
            input=stdin,
            capture_output=True,
            encoding="utf-8" if text else None,
            errors="surrogateescape" if text else None,
            timeout=timeout,
            env=_git_env(),
            check=False,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def _git(repo_dir: Path, *args: str) -> str | None:
    """stdout of ``git -C repo_dir args`` (stripped), or None on any failure."""
    done = _run_git(repo_dir, *args)
    if done is None or done.returncode != 0:
        return None
    return done.stdout.strip()


def _remote_url(repo_dir: Path) -> str | None:
    url = _git(repo_dir, "remote", "get-url", "origin")
    if url is None:
        remotes = (_git(repo_dir, "remote") or "").split()
        url = _git(repo_dir, "remote", "get-url", remotes[0]) if remotes else None
    return strip_credentials(url) if url else None


@dataclass(frozen=True, slots=True)
class Checkout:
    """Where a directory sits in git, however it was named (relative, absolute, ``.``,
    through a symlink): the top of the working tree holding it and its path in there.

    ``root`` is None outside any working tree; ``problem`` then says why, and
    ``unknown`` is true when git could not tell (a repository git refuses to read, e.g.
    one owned by another user) rather than there being no repository at all.
    """

    directory: Path
    root: Path | None = None
    problem: str | None = None
    unknown: bool = False

    @property
    def pathspec(self) -> str:
        """The directory relative to ``root`` (POSIX, ``.`` for the root itself)."""
        assert self.root is not None
        return self.directory.relative_to(self.root).as_posix() or "."

    def linked(self) -> tuple[list[str], list[str]]:
        """Where the files the loader reads through a symlink really are: repository
        paths outside the directory (git must be asked about them too), and the files
        (relative to the directory) that lead out of the repository, which no commit
        holds."""
        assert self.root is not None
        elsewhere: list[str] = []
        outside: list[str] = []
        for relative in discover(str(self.directory), MAX_FILES).files:
            real = (self.directory / relative).resolve()
            if real.is_relative_to(self.directory):
                continue
            if real.is_relative_to(self.root):
                elsewhere.append(real.relative_to(self.root).as_posix())
            else:
                outside.append(relative)
        return elsewhere, outside

    def is_dirty(self) -> bool | None:
        """Whether anything the loader reads under the directory differs from HEAD:
        modified, staged, deleted, untracked, or an ignored file the loader would read
        (a non-hidden ``*.yaml``/``*.yml``), also behind a symlink to elsewhere in the
        repository; a file behind a symlink out of the repository counts as dirty. None
        when unknown (no working tree, git failing)."""
        if self.root is None:
            return None
        elsewhere, outside = self.linked()
        if outside:
            return True
        done = _run_git(
            self.root,
            "status",
            "--porcelain",
            "-z",
            "--untracked-files=all",
            "--ignored=traditional",
            "--",
            self.pathspec,
            *elsewhere,
        )
        if done is None or done.returncode != 0:
            return None
        entries = [entry for entry in done.stdout.split("\0") if entry]
        return any(self._counts(entry, frozenset(elsewhere)) for entry in entries)

    def _counts(self, entry: str, elsewhere: frozenset[str]) -> bool:
        if not entry.startswith("!! "):
            return True  # a change, or the source path of a rename: either way dirty
        path = PurePosixPath(entry[3:])
        if not path.is_relative_to(self.pathspec):
            return path.as_posix() in elsewhere  # a file read through a symlink, ignored
        inside = path.relative_to(PurePosixPath(self.pathspec))
        read = inside.name.endswith(SUFFIXES)
        return read and not any(part.startswith(".") for part in inside.parts)

    def metadata(self, *, dirty: bool = False) -> GitInfo:
        """Commit, branch, commit author, credential-free remote URL and subject of
        HEAD; with ``dirty``, also whether the directory has uncommitted changes."""
        if self.root is None:
            return GitInfo()
        head = _git(self.root, "log", "-1", "--format=%H%x00%an%x00%ae%x00%s")
        commit, name, email, subject = [*(head or "").split("\x00"), "", "", ""][:4]
        return GitInfo(
            commit=commit or None,
            branch=_git(self.root, "symbolic-ref", "--short", "-q", "HEAD") or None,
            author_name=name or None,
            author_email=email or None,
            remote_url=_remote_url(self.root),
            subject=subject or None,
            dirty=self.is_dirty() if dirty else None,
        )


def locate(directory: Path | str) -> Checkout:
    """The ``Checkout`` holding ``directory`` (symlinks resolved). Never raises."""
    resolved = Path(directory).resolve()
    if not resolved.is_dir():
        return Checkout(resolved, problem="not a directory")
    done = _run_git(resolved, "rev-parse", "--show-toplevel")
    if done is None:
        return Checkout(resolved, problem="git is not installed")
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        holder = next((d for d in (resolved, *resolved.parents) if (d / ".git").exists()), None)
        if holder is None and "not a git repository" in reason:
            return Checkout(resolved, problem="not in a git repository")
        return Checkout(resolved, problem=f"git cannot read its repository: {reason}", unknown=True)
    root = Path(done.stdout.strip()).resolve()
    if not resolved.is_relative_to(root):  # pragma: no cover -- git answers a parent
        return Checkout(resolved, problem=f"git names {root} as its top", unknown=True)
    return Checkout(resolved, root=root)


def is_dirty(directory: Path | str) -> bool | None:
    """Whether ``directory`` has uncommitted changes (see ``Checkout.is_dirty``)."""
    return locate(directory).is_dirty()


def git_metadata(directory: Path | str, *, dirty: bool = False) -> GitInfo:
    """HEAD of the working tree holding ``directory`` (see ``Checkout.metadata``); all
    None outside one. Never raises."""
    return locate(directory).metadata(dirty=dirty)


def pr_from_message(message: str) -> int | None:
    for pattern in _PR_SUBJECTS:
        match = pattern.search(message)
        if match:
            return int(match.group(1))
    return None


def _int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _github_pr(env: Mapping[str, str]) -> int | None:
    event_path = env.get("GITHUB_EVENT_PATH")
    if event_path:
        try:
            event = json.loads(Path(event_path).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            event = None
        if isinstance(event, dict) and isinstance(event.get("pull_request"), dict):
            number = _int(event["pull_request"].get("number"))
            if number is not None:
                return number
    match = _PR_REF.match(env.get("GITHUB_REF", ""))
    return int(match.group(1)) if match else None


def _github(env: Mapping[str, str]) -> CiInfo:
    run_id = env.get("GITHUB_RUN_ID") or None
    server, repo = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
    run_url = None
    if run_id and server and repo:
        run_url = f"{strip_credentials(server).rstrip('/')}/{repo}/actions/runs/{run_id}"
    return CiInfo(
        system="github",
        actor=env.get("GITHUB_TRIGGERING_ACTOR") or env.get("GITHUB_ACTOR") or None,
        pr_number=_github_pr(env),
        run_id=run_id,
        run_url=run_url,
        branch=env.get("GITHUB_HEAD_REF") or env.get("GITHUB_REF_NAME") or None,
    )


def _gitlab(env: Mapping[str, str]) -> CiInfo:
    url = env.get("CI_PIPELINE_URL")
    return CiInfo(
        system="gitlab",
        actor=env.get("GITLAB_USER_LOGIN") or None,
        pr_number=_int(env.get("CI_MERGE_REQUEST_IID", "")),
        run_id=env.get("CI_PIPELINE_ID") or None,
        run_url=strip_credentials(url) if url else None,
        branch=env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")
        or env.get("CI_COMMIT_REF_NAME")
        or None,
    )


def _generic(env: Mapping[str, str]) -> CiInfo:
    url = env.get("BUILD_URL")
    return CiInfo(
        system="ci",
        actor=env.get("BUILD_USER_ID") or env.get("CI_ACTOR") or None,
        pr_number=_int(env.get("CHANGE_ID", "")),
        run_id=env.get("BUILD_ID") or env.get("CI_BUILD_ID") or None,
        run_url=strip_credentials(url) if url else None,
        branch=env.get("BRANCH_NAME") or env.get("CI_BRANCH") or None,
    )


def ci_metadata(env: Mapping[str, str] | None = None) -> CiInfo:
    """The CI identity from the environment: GitHub Actions, GitLab CI, or a generic CI
    (``CI`` set; Jenkins variables understood). ``CiInfo()`` when run locally."""
    env = os.environ if env is None else env
    if env.get("GITHUB_ACTIONS") == "true":
        return _github(env)
    if env.get("GITLAB_CI"):
        return _gitlab(env)
    if env.get("CI", "").lower() in ("true", "1", "yes") or env.get("JENKINS_URL"):
        return _generic(env)
    return CiInfo()


def local_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"


def actor_label(ci: CiInfo, user: str | None = None) -> str:
    """Who ran the apply, as recorded and sent to the platform: ``github:alice``,
    ``gitlab:bob``, ``ci:jenkins-user`` (``ci`` alone when the CI names nobody), or
    ``local:carol`` for a person at their terminal."""
    if ci.system is not None:
        return f"{ci.system}:{ci.actor}" if ci.actor else ci.system
    return f"local:{user if user is not None else local_user()}"
