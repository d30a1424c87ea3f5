"""One apply, end to end: the dirty-tree guard, the two audit records, the executor.

The audit log gets an ``apply_started`` record (every intended change, and the apply's
run id, which every write carries as ``X-Reconciler-Apply``) before the first write and
an ``apply_finished`` record (each change's outcome and the platform's change-log ids)
after the last, including after a failure, Ctrl-C or SIGTERM. A ``kill -9`` leaves a
started record without a finished one, which ``reconciler audit verify`` reports as an
interrupted apply; nothing the log claims was applied is ever missing from the platform.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reconciler.apply.executor import ApplyResult, Progress, Stop, execute
from reconciler.audit import (
    AuditLog,
    CiInfo,
    GitInfo,
    LogEntry,
    actor_label,
    apply_finished,
    apply_started,
    ci_metadata,
    utc_timestamp,
)
from reconciler.audit.git import locate
from reconciler.audit.notes import attach_git_note, format_note
from reconciler.errors import ApplyError, AuditError, UsageError, printable
from reconciler.live.protocol import LiveSystem, WriteMeta
from reconciler.plan.model import Plan


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where an apply comes from: the commit, the CI run or local user, the guard's verdict."""

    git: GitInfo
    ci: CiInfo
    actor: str
    allow_dirty: bool


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def provenance(
    config_dir: Path, *, allow_dirty: bool, notice: Callable[[str], None] = _stderr
) -> Provenance:
    """Git and CI metadata of the working tree holding ``config_dir``, however it is
    named; refuse uncommitted changes under it unless ``allow_dirty`` (which the audit
    record then carries). Outside any repository the record names no commit (``commit``
    and ``dirty`` null) and ``notice`` says so once; a repository git cannot read is
    refused like a dirty tree, since nobody can tell what the commit holds."""
    shown = printable(str(config_dir))  # every message here is one line
    if not config_dir.is_dir():
        raise UsageError(f"config directory not found: {shown}")
    checkout = locate(config_dir)
    git = checkout.metadata(dirty=True)
    if checkout.root is None and not checkout.unknown:
        why = printable(str(checkout.problem))
        notice(f"note: {shown}: {why}, so the audit record names no commit")
    elif git.dirty is None and not allow_dirty:
        raise ApplyError(
            f"refusing to apply: cannot tell whether {shown} has uncommitted changes "
            f"({printable(checkout.problem or 'git status failed')}); fix that, or pass "
            "--allow-dirty (recorded in the audit log)"
        )
    if git.dirty and not allow_dirty:
        _elsewhere, outside = checkout.linked()
        if outside:
            more = f" (and {len(outside) - 1} more)" if len(outside) > 1 else ""
            linked = printable(str(config_dir / outside[0]))
            raise ApplyError(
                f"refusing to apply: {linked}{more} is read through a "
                "symlink out of the repository, so no commit describes what it holds; move "
                "it into the repository, or pass --allow-dirty (recorded in the audit log)"
            )
        raise ApplyError(
            f"refusing to apply: {shown} has uncommitted changes, so no commit describes "
            "what would be applied; commit them, or pass --allow-dirty (recorded in the audit log)"
        )
    ci = ci_metadata()
    return Provenance(git=git, ci=ci, actor=actor_label(ci), allow_dirty=allow_dirty)


@dataclass(frozen=True, slots=True)
class Applied:
    result: ApplyResult
    started: LogEntry
    finished: LogEntry


async def apply_plan(
    plan: Plan,
    live: LiveSystem,
    *,
    origin: Provenance,
    target_label: str,
    audit: AuditLog,
    concurrency: int = 8,
    progress: Progress | None = None,
    stop: Stop | None = None,
) -> Applied:
    """Record, execute and record again. Never raises for a failed write: see the result.
    ``stop`` stops it early (see ``execute``)."""
    changes = [c.to_dict() for c in plan.changes]
    apply_id = uuid.uuid4().hex
    started = apply_started(
        time=utc_timestamp(),
        actor=origin.actor,
        target=target_label,
        plan_checksum=plan.checksum(),
        live_fingerprint=plan.live_fingerprint,
        desired_fingerprint=plan.desired_fingerprint,
        changes=changes,
        git=origin.git,
        ci=origin.ci,
        allow_dirty=origin.allow_dirty,
        allow_delete=plan.allow_delete,
        apply_id=apply_id,
        as_of=plan.as_of,
    )
    started_entry = audit.append(started)
    meta = WriteMeta(
        commit=origin.git.commit, plan=plan.checksum(), actor=origin.actor, apply=apply_id
    )
    result = await execute(
        plan.changes, live, meta, concurrency=concurrency, progress=progress, stop=stop
    )
    finished = apply_finished(
        started,
        started_entry.seq,
        time=utc_timestamp(),
        outcome=result.outcome,
        changes=[o.to_dict() for o in result.outcomes],
    )
    return Applied(result, started_entry, audit.append(finished))


def note_on_commit(config_dir: Path, origin: Provenance, applied: Applied) -> str | None:
    """Attach the apply summary to the commit as a git note; a warning text on failure."""
    if origin.git.commit is None:
        return "no git commit to attach a note to"
    try:
        attach_git_note(config_dir, origin.git.commit, format_note(applied.finished.data))
    except AuditError as exc:
        return str(exc)
    return None
