"""The line plan starts with says what it compares, in words that read right."""

from __future__ import annotations

from usercli import UserShell


def test_the_planning_line_counts_live_projects(user_repo: UserShell) -> None:
    first = user_repo.run("plan")
    assert first.returncode == 0, first.stderr
    assert (
        "Planning 9 documents from projects.d against sandbox:.reconciler/sandbox.db "
        "(1 live project, as reconciler)"
    ) in first.stderr
    assert user_repo.run("apply", "--auto-approve").returncode == 0
    again = user_repo.run("plan")
    assert "(4 live projects, as reconciler)" in again.stderr
