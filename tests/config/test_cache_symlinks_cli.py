"""The caches (parse pack, state entry, kept sets) stay inside the working directory or
the git repository holding the config, as README promises, even when the repository
commits ``.reconciler``, ``.reconciler/cache`` or a directory below it as a symlink to
elsewhere: such a cache is no cache (nothing read there, nothing written), and a cache
file that is itself a symlink is never read through and is replaced, not written
through. Run as a user runs it: the real command in a clone of a real repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from usercli import UserShell

from reconciler.config.cache import LOADER_VERSION

CACHE = Path(".reconciler") / "cache"
PARSE = CACHE / f"parse-v{LOADER_VERSION}"
STATE = CACHE / "state-v1"
OK = "ok: 9 documents in 7 files"


def assert_valid(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stdout + done.stderr
    assert OK in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def everything(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def committed_and_cloned(user: UserShell, links: dict[str, Path]) -> UserShell:
    """``links`` (repository path -> target) committed as symlinks (``git add -f``: the
    repository ignores ``.reconciler/``), the repository cloned, a shell in the clone."""
    for name, target in links.items():
        user.path(name).parent.mkdir(parents=True, exist_ok=True)
        user.path(name).symlink_to(target)
        user.git("add", "-f", name)
    user.git("commit", "-q", "-m", "cache links")
    clone = user.cwd.parent / "clone"
    user.git("clone", "-q", str(user.cwd), str(clone))
    for name in links:
        assert (clone / name).is_symlink(), name
    return UserShell(clone, user.env)


@pytest.mark.parametrize(
    "link",
    [
        ".reconciler/cache",
        f".reconciler/cache/parse-v{LOADER_VERSION}",
        ".reconciler/cache/state-v1",
    ],
)
def test_a_cache_directory_linked_outside_is_not_used(
    user_repo: UserShell, tmp_path: Path, link: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    clone = committed_and_cloned(user_repo, {link: outside})
    for _ in range(2):  # a first run (a miss everywhere) and a second
        done = clone.run("validate")
        assert_valid(done)
        done = clone.run("plan", "--now", "2026-12-01")
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
    assert everything(outside) == []
    assert clone.git("status", "--porcelain") == ""  # the committed link is left as it is


def test_a_linked_reconciler_directory_is_not_used_for_the_cache(
    user_repo: UserShell, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    (outside / "cache").mkdir(parents=True)
    clone = committed_and_cloned(user_repo, {".reconciler": outside})
    for _ in range(2):
        done = clone.run("validate")
        assert_valid(done)
    assert everything(outside) == ["cache"]


def test_a_relative_link_leading_out_of_the_repository_is_not_used(user_repo: UserShell) -> None:
    outside = user_repo.cwd.parent / "outside"
    outside.mkdir()
    clone = committed_and_cloned(user_repo, {".reconciler/cache": Path("../../outside")})
    done = clone.run("validate")
    assert_valid(done)
    assert everything(outside) == []


def test_a_link_that_stays_inside_the_repository_is_used(user_repo: UserShell) -> None:
    clone = committed_and_cloned(user_repo, {".reconciler/cache": Path("../build-cache")})
    (clone.cwd / "build-cache").mkdir()
    done = clone.run("validate")
    assert_valid(done)
    assert [p.name for p in (clone.cwd / "build-cache").iterdir()] == [PARSE.name]


def test_a_pack_linked_to_a_file_outside_is_never_read_and_is_replaced(
    user_repo: UserShell, tmp_path: Path
) -> None:
    """The pack outside holds an entry for every file that turns its documents into ones
    of an unknown kind: read, it would make the files invalid."""
    done = user_repo.run("validate")
    assert_valid(done)
    (pack,) = user_repo.path(str(PARSE)).iterdir()
    poisoned = json.loads(pack.read_text(encoding="utf-8"))
    for documents, _marks in poisoned["entries"].values():
        for document in documents:
            document["kind"] = "Bogus"
    outside = tmp_path / "outside.json"
    text = json.dumps(poisoned)
    outside.write_text(text, encoding="utf-8")
    pack.unlink()
    pack.symlink_to(outside)
    done = user_repo.run("validate")
    assert_valid(done)
    assert not pack.is_symlink() and pack.is_file()
    assert outside.read_text(encoding="utf-8") == text
