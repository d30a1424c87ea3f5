"""README's quick start, typed as a user types it: in a fresh git repository holding
the bundled projects.d/, with the default config directory and the default target."""

from __future__ import annotations

import json

from usercli import UserShell


def test_quick_start_walkthrough(user_repo: UserShell) -> None:
    first = user_repo.run("plan")
    assert first.returncode == 0, first.stderr
    assert "Created the embedded sandbox .reconciler/sandbox.db" in first.stderr
    assert "Plan: " in first.stdout

    applied = user_repo.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete" in applied.stdout

    again = user_repo.run("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes." in again.stdout

    verified = user_repo.run("audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("ok: 2 records")

    drift = user_repo.run("drift")
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert "No drift" in drift.stdout

    records = [json.loads(line) for line in user_repo.read(".reconciler/audit.jsonl").splitlines()]
    head = user_repo.git("rev-parse", "HEAD")
    assert records[0]["git"]["commit"] == head
    assert records[0]["git"]["dirty"] is False
