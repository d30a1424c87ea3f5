"""Helpers shared by the audit tests: a git runner and sample audit records."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from reconciler.audit.git import CiInfo, GitInfo
from reconciler.audit.record import AuditRecord, apply_finished, apply_started

SECRET = "ghp_s3cr3tT0kenValue"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def started(changes: list[dict[str, Any]] | None = None, commit: str = "a" * 40) -> AuditRecord:
    return apply_started(
        time="2026-05-01T10:00:00Z",
        actor="github:alice",
        target="https://calls.example.com/api/v1",
        plan_checksum="sha256:" + "1" * 64,
        live_fingerprint="sha256:" + "2" * 64,
        desired_fingerprint="sha256:" + "3" * 64,
        changes=changes if changes is not None else [member_add("Bank", "alice")],
        git=GitInfo(
            commit=commit,
            branch="main",
            author_name="Alice Doe",
            author_email="alice@example.com",
            subject="Give alice access (#42)",
        ),
        ci=CiInfo(system="github", actor="alice", run_id="7"),
    )


def finished(record: AuditRecord, seq: int, ids: int = 100) -> AuditRecord:
    outcomes = [
        {**c.to_data(), "outcome": "applied", "change_ids": [ids + i]}
        for i, c in enumerate(record.changes)
    ]
    return apply_finished(
        record, seq, time="2026-05-01T10:00:05Z", outcome="applied", changes=outcomes
    )


def member_add(project: str, member: str, member_type: str = "user") -> dict[str, Any]:
    return {
        "type": "member_add",
        "action": "add",
        "project": project,
        "member_type": member_type,
        "member": member,
    }
