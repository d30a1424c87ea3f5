"""The embedded sandbox is created on first use only inside the current directory: a
``.reconciler`` that is a symlink leading elsewhere (committed in a clone, say) is one
usage error, and nothing is created where it leads."""

from __future__ import annotations

import os

from usercli import UserShell


def test_no_sandbox_is_created_through_a_symlink_leading_outside(user_repo: UserShell) -> None:
    outside = user_repo.cwd.parent / "outside"
    outside.mkdir()
    os.symlink(outside, user_repo.cwd / ".reconciler")
    done = user_repo.run("plan")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("Error: refusing to create the embedded sandbox .reconciler/sandbox.db")
    assert "Traceback" not in done.stderr
    assert list(outside.iterdir()) == []


def test_a_symlink_staying_inside_is_followed(user_repo: UserShell) -> None:
    (user_repo.cwd / "state").mkdir()
    os.symlink("state", user_repo.cwd / ".reconciler")
    done = user_repo.run("plan")
    assert done.returncode == 0, done.stderr
    assert (user_repo.cwd / "state" / "sandbox.db").is_file()
