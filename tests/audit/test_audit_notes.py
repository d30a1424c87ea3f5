"""Git notes under refs/notes/reconciler, on real repositories."""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_helpers import finished, git, started

from reconciler.audit.log import AuditLog
from reconciler.audit.notes import attach_git_note, format_note, read_git_note
from reconciler.errors import AuditError


def test_notes_append_under_the_reconciler_ref(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    attach_git_note(repo, head, "first apply")
    attach_git_note(repo, head, "second apply")
    assert read_git_note(repo, head) == "first apply\n\nsecond apply\n"
    assert git(repo, "notes", "--ref=reconciler", "list", head)
    assert git(repo, "notes", "list") == "", "the default notes ref is untouched"
    assert "second apply" in git(repo, "log", "-1", "--notes=reconciler")


def test_notes_work_without_a_configured_identity(repo: Path) -> None:
    git(repo, "config", "--unset", "user.email")
    git(repo, "config", "--unset", "user.name")
    head = git(repo, "rev-parse", "HEAD")
    attach_git_note(repo, head, "from CI")
    assert read_git_note(repo, head) == "from CI\n"
    assert "reconciler@localhost" in git(repo, "log", "-1", "--format=%ce", "refs/notes/reconciler")


def test_note_failures_are_audit_errors(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(AuditError, match="no commit 000000000000 in"):
        attach_git_note(repo, "0" * 40, "x")
    with pytest.raises(AuditError, match="no commit"):
        attach_git_note(tmp_path, "HEAD", "x")
    with pytest.raises(AuditError, match="not a commit"):
        attach_git_note(repo, "--help", "x")
    assert read_git_note(tmp_path, "HEAD") is None


def test_note_text_anchors_the_audit_record(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    begun = started()
    entry = log.append(finished(begun, log.append(begun).seq))
    text = format_note(entry.data)
    assert text.splitlines() == [
        "reconciler apply applied: 1 applied",
        "time: 2026-05-01T10:00:05Z",
        "actor: github:alice",
        "target: https://calls.example.com/api/v1",
        f"plan: sha256:{'1' * 64}",
        f"audit: seq 2 hash {entry.hash}",
    ]
