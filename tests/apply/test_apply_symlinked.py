"""The dirty guard follows the symlinks the loader follows: a file read through a link
to elsewhere in the repository is checked there, and a file read from outside the
repository is one no commit holds (refused unless --allow-dirty)."""

from __future__ import annotations

import json
from pathlib import Path

from usercli import UserShell

EXTRA = (
    "apiVersion: reconciler/v1\nkind: Project\nname: Shared Line\n"
    "description: declared in a file shared between repositories\n"
)


def applied(shell: UserShell, *args: str) -> dict[str, object]:
    done = shell.run("apply", "--auto-approve", *args)
    assert done.returncode == 0, done.stderr
    log = shell.path(".reconciler/audit.jsonl").read_text(encoding="utf-8").splitlines()
    return dict(json.loads(log[-1])["git"])


def test_a_file_linked_from_outside_the_repository_is_refused(
    user_repo: UserShell, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere" / "shared.yaml"
    outside.parent.mkdir()
    outside.write_text(EXTRA, encoding="utf-8")
    user_repo.path("projects.d/projects/shared.yaml").symlink_to(outside)
    user_repo.commit_all("Link a shared project")
    done = user_repo.run("apply", "--auto-approve")
    assert done.returncode == 1
    assert (
        "refusing to apply: projects.d/projects/shared.yaml is read through a symlink out of "
        "the repository"
    ) in done.stderr
    assert not user_repo.path(".reconciler/audit.jsonl").exists()
    git = applied(user_repo, "--allow-dirty")
    assert git["dirty"] is True


def test_a_change_behind_a_link_inside_the_repository_is_dirty(user_repo: UserShell) -> None:
    user_repo.write("shared/line.yaml", EXTRA)
    user_repo.path("projects.d/projects/line.yaml").symlink_to("../../shared/line.yaml")
    user_repo.commit_all("Link a project kept beside the config")
    assert applied(user_repo)["dirty"] is False
    user_repo.edit("shared/line.yaml", lambda t: t.replace("shared between", "shared by"))
    done = user_repo.run("apply", "--auto-approve")
    assert done.returncode == 1
    assert "projects.d has uncommitted changes" in done.stderr
    plan = user_repo.run("plan", "--out", "plan.json")
    assert "uncommitted changes, so the saved plan names no commit" in plan.stderr
