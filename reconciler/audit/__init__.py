"""The audit trail: who applied what, from which commit, and what happened.

    git.py     provenance: ``git_metadata``, ``is_dirty``, ``ci_metadata``, ``actor_label``
    record.py  ``AuditRecord`` values: ``apply_started`` / ``apply_finished`` (pure)
    chain.py   canonical JSON, record hashes, ``verify_lines``
    log.py     ``AuditLog``: locked, fsynced appends; ``verify``; ``repair`` of a torn tail
    query.py   ``find_changes``: "which commit gave alice access to Bank, and when"
    notes.py   ``attach_git_note`` under ``refs/notes/reconciler``

How the executor records an apply (two phases, so a kill -9 loses nothing claimed)::

    log = AuditLog(path)
    started = apply_started(time=utc_timestamp(), actor=..., changes=[c.to_dict() ...], ...)
    entry = log.append(started)                      # before the first write
    result = await execute(...)
    log.append(apply_finished(started, entry.seq, time=utc_timestamp(),
                              outcome=result.outcome,
                              changes=[o.to_dict() for o in result.outcomes]))
"""

from reconciler.audit.git import CiInfo, GitInfo, actor_label, ci_metadata, git_metadata, is_dirty
from reconciler.audit.log import DEFAULT_LOG_PATH, AuditLog, LogEntry
from reconciler.audit.record import AuditRecord, apply_finished, apply_started, utc_timestamp

__all__ = [
    "DEFAULT_LOG_PATH",
    "AuditLog",
    "AuditRecord",
    "CiInfo",
    "GitInfo",
    "LogEntry",
    "actor_label",
    "apply_finished",
    "apply_started",
    "ci_metadata",
    "git_metadata",
    "is_dirty",
    "utc_timestamp",
]
