"""The dirty-tree guard and the commit in the audit trail, through the real CLI, for
every way a user can name the config directory."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from usercli import BUNDLED_CONFIG, UserShell

FITLIFE = "projects/fitlife.yaml"
REFUSED = "has uncommitted changes, so no commit describes what would be applied"


@dataclass(frozen=True)
class Layout:
    """Where the user stands (``cwd``, relative to the repository) and what they type."""

    cwd: str
    args: tuple[str, ...]
    config: str  # the config directory, relative to the repository


def _default(shell: UserShell) -> Layout:
    return Layout(".", (), "projects.d")


def _absolute(shell: UserShell) -> Layout:
    return Layout(".", ("--config-dir", str(shell.path("projects.d"))), "projects.d")


def _dot(shell: UserShell) -> Layout:
    return Layout("projects.d", ("--config-dir", "."), "projects.d")


def _subdirectory(shell: UserShell) -> Layout:
    shell.path("deploy").mkdir()
    shell.git("mv", "projects.d", "deploy/access")
    shell.commit_all("move the config")
    return Layout(".", ("--config-dir", "deploy/access"), "deploy/access")


def _repository_root(shell: UserShell) -> Layout:
    for item in sorted(shell.path("projects.d").iterdir()):
        shell.git("mv", f"projects.d/{item.name}", item.name)
    shell.commit_all("the config is the repository")
    return Layout(".", ("--config-dir", "."), ".")


def _symlink(shell: UserShell) -> Layout:
    (shell.cwd.parent / "cfg").symlink_to(shell.path("projects.d"))
    return Layout("..", ("--config-dir", "cfg"), "projects.d")


def _from_outside(shell: UserShell) -> Layout:
    (shell.cwd.parent / "elsewhere").mkdir()
    return Layout("../elsewhere", ("--config-dir", "../repo/projects.d"), "projects.d")


LAYOUTS: dict[str, Callable[[UserShell], Layout]] = {
    "relative (default)": _default,
    "absolute": _absolute,
    "dot (cwd is the config dir)": _dot,
    "subdirectory of the repository": _subdirectory,
    "the repository root": _repository_root,
    "symlink to the config dir": _symlink,
    "relative, from outside the repository": _from_outside,
}


def records(shell: UserShell, cwd: str = ".") -> list[dict[str, Any]]:
    log = shell.path(cwd) / ".reconciler" / "audit.jsonl"
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def edit_description(text: str) -> str:
    return text.replace("description: Membership", "description: Edited membership", 1)


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_the_guard_and_the_commit_hold_for_every_way_to_name_the_directory(
    user_repo: UserShell, name: str
) -> None:
    where = LAYOUTS[name](user_repo)
    apply = ("apply", "--auto-approve", "--git-notes", *where.args)
    written = user_repo.path(where.cwd) / ".reconciler"
    fitlife = f"{where.config}/{FITLIFE}"

    user_repo.edit(fitlife, edit_description)
    refused = user_repo.run(*apply, cwd=where.cwd)
    assert refused.returncode == 1, refused.stderr
    assert REFUSED in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not written.exists(), "nothing written: no sandbox, no cache, no audit record"

    user_repo.git("checkout", "--", ".")
    user_repo.write(f"{where.config}/projects/new-line.yaml", "# not committed yet\n")
    untracked = user_repo.run(*apply, cwd=where.cwd)
    assert untracked.returncode == 1, untracked.stderr
    assert REFUSED in untracked.stderr
    assert not written.exists()

    user_repo.path(f"{where.config}/projects/new-line.yaml").unlink()
    done = user_repo.run(*apply, cwd=where.cwd)
    assert done.returncode == 0, done.stderr
    head = user_repo.git("rev-parse", "HEAD")
    started = records(user_repo, where.cwd)[0]
    assert started["git"]["commit"] == head
    assert started["git"]["dirty"] is False
    assert "reconciler apply applied" in user_repo.git("notes", "--ref=reconciler", "show", head)


def test_allow_dirty_applies_and_records_dirty(user_repo: UserShell) -> None:
    user_repo.edit(f"projects.d/{FITLIFE}", edit_description)
    done = user_repo.run("apply", "--auto-approve", "--allow-dirty")
    assert done.returncode == 0, done.stderr
    started = records(user_repo)[0]
    assert started["git"]["dirty"] is True
    assert started["allow_dirty"] is True
    assert started["git"]["commit"] == user_repo.git("rev-parse", "HEAD")


def test_an_ignored_yaml_file_the_loader_reads_counts(user_repo: UserShell) -> None:
    user_repo.edit(".gitignore", lambda text: text + "*.local.yaml\n")
    user_repo.commit_all("ignore local overrides")
    user_repo.write("projects.d/projects/extra.local.yaml", "# read by the loader\n")
    refused = user_repo.run("apply", "--auto-approve")
    assert refused.returncode == 1
    assert REFUSED in refused.stderr


def test_outside_any_repository_the_record_names_no_commit(user_shell: UserShell) -> None:
    shutil.copytree(BUNDLED_CONFIG, user_shell.path("projects.d"))
    done = user_shell.run("apply", "--auto-approve")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("not in a git repository") == 1, done.stderr
    started = records(user_shell)[0]
    assert started["git"]["commit"] is None
    assert started["git"]["dirty"] is None


def test_a_repository_git_cannot_read_is_refused(user_repo: UserShell) -> None:
    user_repo.path(".git/HEAD").write_text("garbage\n", encoding="utf-8")
    refused = user_repo.run("apply", "--auto-approve")
    assert refused.returncode == 1
    assert "cannot tell whether projects.d has uncommitted changes" in refused.stderr
    assert not user_repo.path(".reconciler").exists()
    done = user_repo.run("apply", "--auto-approve", "--allow-dirty")
    assert done.returncode == 0, done.stderr
    assert records(user_repo)[0]["git"]["commit"] is None


def saved_commit(shell: UserShell, *args: str) -> tuple[str | None, str]:
    done = shell.run("plan", "--out", "plan.json", *args)
    assert done.returncode == 0, done.stderr
    saved = json.loads(shell.read("plan.json"))
    commit = saved["git_commit"]
    assert commit is None or isinstance(commit, str)
    return commit, done.stderr


def test_a_saved_plan_names_only_a_commit_that_holds_its_files(user_repo: UserShell) -> None:
    user_repo.edit(".gitignore", lambda text: text + "plan.json\n")
    head = user_repo.commit_all("ignore saved plans")
    assert saved_commit(user_repo)[0] == head
    user_repo.edit(f"projects.d/{FITLIFE}", edit_description)
    commit, stderr = saved_commit(user_repo)
    assert commit is None
    assert "projects.d: uncommitted changes, so the saved plan names no commit" in stderr


def test_a_saved_plan_outside_any_repository(user_shell: UserShell) -> None:
    shutil.copytree(BUNDLED_CONFIG, user_shell.path("projects.d"))
    commit, stderr = saved_commit(user_shell)
    assert commit is None
    assert stderr.count("not in a git repository") == 1
