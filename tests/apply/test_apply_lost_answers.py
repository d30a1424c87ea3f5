"""Lost answers (issue 16): the audit record says what happened to a write whose answer
never arrived, after checking the platform, with the platform's change-log ids.

A user's repository (the bundled projects.d/, committed) is applied to a sandbox served
on a loopback port; then one project gains a user and loses another, and that apply
runs while the sandbox's faults make writes lose their answers (``lost_answer_rate``:
the write commits, its answer is held back longer than the client waits), hang without
running (``timeout_rate`` on POST), or land just before the platform goes away.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apply_helpers import AUDIT, Platform, connect, serving, wait_for
from usercli import UserShell

from reconciler.audit import AuditLog
from reconciler.sandbox.demo import init_company

FITLIFE = "projects.d/projects/fitlife.yaml"
DEFAULT = "projects.d/projects/default.yaml"
#: Each attempt waits 0.5 s for an answer; a held or hung answer takes 3 s.
IMPATIENT = {
    "RECONCILER_READ_TIMEOUT": "0.5",
    "RECONCILER_MAX_ATTEMPTS": "2",
    "RECONCILER_RATE_LIMIT": "0",
}
#: The changes the edit plans: (type, project, user).
EDIT = {
    ("member_add", "FitLife Clubs", "trainee.zoe"),
    ("member_remove", "FitLife Clubs", "fit.mark"),
}


def converge_then_edit(shell: UserShell) -> None:
    """Apply the bundled files, then commit an edit: Zoe moves from Default to FitLife,
    Mark leaves FitLife (three writes: FitLife's add, then FitLife's and Default's
    removals)."""
    first = shell.run("apply", "--auto-approve")
    assert first.returncode == 0, first.stderr
    shell.edit(DEFAULT, lambda t: t.replace("    - trainee.zoe", "    # - trainee.zoe"))
    shell.edit(
        FITLIFE,
        lambda t: t.replace("    - fit.mark\n", "").replace(
            "    - sv.fit\n", "    - sv.fit\n    - trainee.zoe\n"
        ),
    )
    shell.commit_all("FitLife: Zoe joins, Mark leaves")


def last_apply(shell: UserShell) -> tuple[dict[str, Any], dict[str, Any]]:
    started, finished = [dict(e.data) for e in AuditLog(shell.path(AUDIT)).entries()][-2:]
    assert (started["type"], finished["type"]) == ("apply_started", "apply_finished")
    return started, finished


def edited(changes: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """The EDIT triples of these changes (members of FitLife only)."""
    return {
        (c["type"], c["project"], c["member"])
        for c in changes
        if c["type"].startswith("member_") and c["project"] == "FitLife Clubs"
    }


def plan_json(shell: UserShell) -> dict[str, Any]:
    planned = shell.run("plan", "--format", "json")
    assert planned.returncode == 0, planned.stderr
    return dict(json.loads(planned.stdout))


@pytest.fixture
def platform(user_repo: UserShell, served_sandbox: tuple[str, str]) -> Platform:
    return connect(user_repo, *served_sandbox)


#: Seed 436 draws 0.38, 0.78, 0.23, 0.83, 0.24, 0.65: at a rate of 0.5, each of the three
#: writes (one at a time) loses its first answer and has its retry answered (412).
@pytest.mark.parametrize(
    "faults",
    [{"lost_answer_rate": 1.0}, {"lost_answer_rate": 0.5, "seed": 436}],
    ids=["every-answer-lost", "first-answer-lost-then-412"],
)
def test_writes_whose_answers_were_lost_are_recorded_applied_with_their_ids(
    user_repo: UserShell, platform: Platform, faults: dict[str, Any]
) -> None:
    """Every write commits and its answer is lost; then the retries' answers (412: the
    version moved on) are lost too, or arrive. Each write is checked, found in the
    change log under this apply's run id, and recorded applied with the platform's ids."""
    converge_then_edit(user_repo)
    platform.faults(**faults, timeout_seconds=3)
    done = user_repo.run("apply", "--auto-approve", "--concurrency", "1", env=IMPATIENT)
    platform.faults()
    assert done.returncode == 0, done.stderr
    assert "Apply complete:" in done.stdout

    started, finished = last_apply(user_repo)
    assert edited(started["changes"]) == EDIT
    assert finished["outcome"] == "applied"
    assert {c["outcome"] for c in finished["changes"]} == {"applied"}
    assert all(c["change_ids"] for c in finished["changes"]), "ids missing"
    ours = [e for e in platform.changelog() if e["client"]["apply"] == started["apply_id"]]
    claimed = {i for c in finished["changes"] for i in c["change_ids"]}
    assert claimed == {e["id"] for e in ours}
    # The live state holds the edit: nothing left to plan.
    assert plan_json(user_repo)["changes"] == []
    assert user_repo.run("audit", "verify").returncode == 0


def test_writes_that_hung_without_running_are_recorded_failed_after_checking(
    user_repo: UserShell, platform: Platform
) -> None:
    converge_then_edit(user_repo)
    platform.faults(timeout_rate=1.0, timeout_seconds=3, methods=["POST"])
    done = user_repo.run("apply", "--auto-approve", env=IMPATIENT)
    platform.faults()
    assert done.returncode == 1, done.stderr
    assert "checked: it did not land" in done.stderr

    started, finished = last_apply(user_repo)
    outcomes = {c["outcome"] for c in finished["changes"]}
    assert finished["outcome"] == "failed" and outcomes <= {"failed", "not_started"}
    (failed,) = [c for c in finished["changes"] if c["outcome"] == "failed"]
    assert failed["error"].endswith("(after 2 attempts); checked: it did not land")
    assert not [e for e in platform.changelog() if e["client"]["apply"] == started["apply_id"]]
    assert edited(plan_json(user_repo)["changes"]) == EDIT


@pytest.fixture
def served_process(user_repo: UserShell, tmp_path: Path) -> Iterator[tuple[Path, Any, Platform]]:
    """The demo company served by ``reconciler sandbox serve`` in a process of its own."""
    db = tmp_path / "platform.db"
    token = init_company(db, demo=True)
    with serving(db, tmp_path) as served:
        yield db, served.proc, connect(user_repo, served.url, token)


def test_a_write_that_cannot_be_checked_is_recorded_unknown_and_says_so(
    user_repo: UserShell, served_process: tuple[Path, subprocess.Popen[bytes], Platform]
) -> None:
    """The write commits, its answer is held, and the platform goes away (kill -9) before
    anything can be checked: the record says unknown and why, never failed."""
    db, server, platform = served_process
    converge_then_edit(user_repo)
    platform.faults(lost_answer_rate=1.0, timeout_seconds=60)
    before = len(list(AuditLog(user_repo.path(AUDIT)).entries()))
    proc = user_repo.start(
        "apply", "--auto-approve", env={**IMPATIENT, "RECONCILER_READ_TIMEOUT": "60"}
    )
    try:

        def landed() -> bool:
            found = [dict(e.data) for e in AuditLog(user_repo.path(AUDIT)).entries()]
            if len(found) <= before:
                return False
            run_id = found[before]["apply_id"]
            return any(e["client"]["apply"] == run_id for e in platform.changelog())

        wait_for("the first write to land", landed, proc=proc)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == 1, err
    assert "the write may have landed, and checking whether it did failed" in err

    started, finished = last_apply(user_repo)
    (unknown,) = [c for c in finished["changes"] if c["outcome"] == "unknown"]
    assert "may have landed" in unknown["error"] and unknown["change_ids"] == []
    assert {c["outcome"] for c in finished["changes"]} == {"unknown", "not_started"}
    # It did land: the platform's own database holds it, under this apply's run id.
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT resource FROM changelog WHERE client_apply = ?", (started["apply_id"],)
        ).fetchall()
    assert rows == [("project_contents",)]
