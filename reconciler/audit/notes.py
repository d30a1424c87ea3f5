"""Git notes: the apply summary attached to the commit it applied (``apply --git-notes``).

Notes live under ``refs/notes/reconciler`` (shown by ``git log --notes=reconciler``);
each apply appends a paragraph, so a commit applied twice keeps both summaries. Notes
are local until pushed: ``git push origin refs/notes/reconciler``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from reconciler.audit.git import GIT_TIMEOUT_SECONDS
from reconciler.errors import AuditError, printable

NOTES_REF: Final = "reconciler"

#: Used only when git has no committer identity configured (common on CI runners).
_FALLBACK_IDENTITY: Final = {
    "GIT_AUTHOR_NAME": "reconciler",
    "GIT_AUTHOR_EMAIL": "reconciler@localhost",
    "GIT_COMMITTER_NAME": "reconciler",
    "GIT_COMMITTER_EMAIL": "reconciler@localhost",
}


def _run(
    repo_dir: Path, args: list[str], env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-C", str(repo_dir), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            env=dict(env),
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise AuditError(f"cannot run git to attach a note: {exc}") from exc


def _env(repo_dir: Path) -> dict[str, str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    if _run(repo_dir, ["config", "user.email"], env).returncode != 0:
        env = {**_FALLBACK_IDENTITY, **env}
    return env


def attach_git_note(repo_dir: Path, commit: str, text: str) -> None:
    """Append ``text`` to the note of ``commit`` under ``refs/notes/reconciler``.

    Raises ``AuditError`` (with git's own message) when git fails: the caller decides
    whether that fails the apply (it should not: the audit log already holds the truth).
    """
    if not commit or commit.startswith("-"):
        raise AuditError(f"not a commit to attach a note to: {commit!r}")
    env = _env(repo_dir)
    known = _run(repo_dir, ["rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}"], env)
    if known.returncode != 0:
        raise AuditError(f"git notes: no commit {commit[:12]} in {printable(str(repo_dir))}")
    args = ["notes", f"--ref={NOTES_REF}", "append", "-m", text, commit]
    done = _run(repo_dir, args, env)
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1:] or ["unknown error"]
        raise AuditError(f"git notes failed for commit {commit[:12]}: {reason[0]}")


def read_git_note(repo_dir: Path, commit: str) -> str | None:
    """The reconciler note of ``commit``, or None when it has none."""
    done = _run(repo_dir, ["notes", f"--ref={NOTES_REF}", "show", commit], _env(repo_dir))
    return done.stdout if done.returncode == 0 else None


def format_note(entry: Mapping[str, Any]) -> str:
    """The note text for a stored ``apply_finished`` record (a ``LogEntry.data``):
    outcome, target, plan, counts per change outcome, and the record's place in the
    audit chain, so the note anchors the log's hash."""
    changes = entry.get("changes") or []
    counts: dict[str, int] = {}
    for change in changes:
        counts[str(change.get("outcome"))] = counts.get(str(change.get("outcome")), 0) + 1
    tally = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no changes"
    return "\n".join(
        [
            f"reconciler apply {entry.get('outcome')}: {tally}",
            f"time: {entry.get('time')}",
            f"actor: {entry.get('actor')}",
            f"target: {entry.get('target')}",
            f"plan: {entry.get('plan_checksum')}",
            f"audit: seq {entry.get('seq')} hash {entry.get('hash')}",
        ]
    )
