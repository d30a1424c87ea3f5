"""Two applies against one target (issue 16): a lock keeps them apart on one machine, and
when they overlap anyway (two CI runners, two clones) each claims only what it wrote.

The bundled projects.d/ (125 changes against the demo company: creates, moves, role
holders, contents) in a user's repository, and a sandbox served on a loopback port. An
apply is paused with SIGSTOP right after it began writing and resumed with SIGCONT, so
the overlap happens every time, at a known point.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
from typing import Any

import pytest
from apply_helpers import AUDIT, Platform, connect, wait_for
from usercli import TIMEOUT, UserShell, signal_group

from reconciler.audit import AuditLog
from reconciler.audit.record import OUTCOME_KEYS

SLOW = {"RECONCILER_RATE_LIMIT": "5"}


def records(shell: UserShell) -> list[dict[str, Any]]:
    path = shell.path(AUDIT)
    return [dict(e.data) for e in AuditLog(path).entries()] if path.exists() else []


def start_writing(shell: UserShell, platform: Platform) -> subprocess.Popen[str]:
    """A slow apply; answers once its started record is on disk and its first write
    reached the platform, paused (SIGSTOP to its process group)."""
    proc = shell.start("apply", "--auto-approve", "--concurrency", "1", env=SLOW)

    def writing() -> bool:
        found = records(shell)
        plan = found[-1]["plan_checksum"] if found else None
        return plan is not None and any(e["client"]["plan"] == plan for e in platform.changelog())

    try:
        wait_for("the apply to begin writing", writing, proc=proc)
    except BaseException:
        proc.kill()
        raise
    signal_group(proc, signal.SIGSTOP)
    return proc


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    signal_group(proc, signal.SIGCONT)
    _, err = proc.communicate(timeout=TIMEOUT)
    return proc.returncode, err


@pytest.fixture
def platform(user_repo: UserShell, served_sandbox: tuple[str, str]) -> Platform:
    return connect(user_repo, *served_sandbox)


def test_a_second_apply_while_one_runs_is_refused_and_writes_nothing(
    user_repo: UserShell, platform: Platform
) -> None:
    first = start_writing(user_repo, platform)
    waiting: subprocess.Popen[str] | None = None
    try:
        log_before = records(user_repo)
        plan = log_before[-1]["plan_checksum"]

        def not_the_first() -> list[dict[str, Any]]:
            return [e for e in platform.changelog() if e["client"]["plan"] != plan]

        platform_before = not_the_first()
        refused = user_repo.run("apply", "--auto-approve")
        assert refused.returncode == 1, refused.stderr
        (line,) = refused.stderr.splitlines()
        target = user_repo.env["RECONCILER_TARGET"]
        assert line.startswith(
            f"error: another apply against {target} is running: pid {first.pid} on "
            f"{socket.gethostname()} since 20"
        )
        assert "nothing was applied" in line and "--lock-timeout" in line
        assert records(user_repo) == log_before, "an audit record was written"
        assert not_the_first() == platform_before, "something was written"

        waiting = user_repo.start("apply", "--auto-approve", "--lock-timeout", "600")
        code, err = finish(first)
        assert code == 0, err
        out, err = waiting.communicate(timeout=TIMEOUT)
    finally:
        for proc in (first, waiting):
            if proc is not None and proc.poll() is None:
                proc.kill()
    # The waiting apply planned after the first one finished: nothing left to do.
    assert waiting.returncode == 0, err
    assert out == "No changes.\n"
    assert [r["type"] for r in records(user_repo)] == ["apply_started", "apply_finished"]


def key(change: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in change.items() if k not in OUTCOME_KEYS}, sort_keys=True)


def test_overlapping_applies_each_claim_only_their_own_writes(
    user_repo: UserShell, platform: Platform, tmp_path: Any
) -> None:
    """The second clone's apply starts, writes, and is paused; the first clone applies
    everything else; then, under injected timeouts, the second one resumes. Each change is
    claimed applied by exactly one of them, with exactly its own change-log entries; the
    other says which writer made it."""
    clone = UserShell(tmp_path / "clone", dict(user_repo.env))
    user_repo.git("clone", "-q", str(user_repo.cwd), str(clone.cwd))
    second = start_writing(clone, platform)
    try:
        first = user_repo.run("apply", "--auto-approve")
        assert first.returncode == 0, first.stderr
        platform.faults(timeout_rate=0.3, timeout_seconds=0.2, seed=16, methods=["POST"])
        code, err = finish(second)
    finally:
        if second.poll() is None:
            second.kill()
    platform.faults()
    assert code == 0, err
    assert "applied by other: " in err

    entries = platform.changelog()
    claims: dict[str, str] = {}
    for shell in (user_repo, clone):
        started, finished = records(shell)[-2:]
        run_id = started["apply_id"]
        own = {e["id"] for e in entries if e["client"]["apply"] == run_id}
        assert {i for c in finished["changes"] for i in c["change_ids"]} == own
        assert finished["outcome"] == "applied"
        for change in finished["changes"]:
            assert change["outcome"] in {"applied", "applied_by_other"}, change
            if change["outcome"] == "applied":
                assert change["change_ids"], change
                assert claims.setdefault(key(change), run_id) == run_id, "claimed twice"
            else:
                assert change["change_ids"] == [] and change["by"], change
    for shell in (user_repo, clone):
        started, finished = records(shell)[-2:]
        for change in finished["changes"]:
            if change["outcome"] == "applied_by_other":
                other = claims[key(change)]
                assert other != started["apply_id"], "its own change called another's"
                named = change["by"]
                assert other in named or not named.startswith("apply "), named
    planned = user_repo.run("plan", "--detailed-exitcode")
    assert planned.returncode == 0, planned.stdout
