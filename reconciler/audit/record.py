"""The audit record: what one apply intended and what happened, linked to its commit.

An apply is recorded in two phases, so that killing the process mid-apply loses nothing
the log claims:

* ``apply_started`` is appended (and fsynced) *before the first write*: who, where
  from, which plan, and every intended change with outcome ``not_started``;
* ``apply_finished`` is appended after the last write, referencing the started record's
  ``seq``, with the apply's outcome and every change's outcome, error and the
  platform's change-log ids.

A started record with no finished record is an interrupted apply: its changes may or
may not have reached the platform (``reconciler plan`` and the platform's change log,
whose entries carry the commit and plan checksum, tell which).

Building records is pure: the time, git and CI metadata are passed in (the clock and
``git`` live at the edges: ``utc_timestamp``, ``git_metadata``, ``ci_metadata``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final, Literal, cast, get_args

from reconciler.audit.git import CiInfo, GitInfo, strip_credentials
from reconciler.errors import AuditError

RecordType = Literal["apply_started", "apply_finished"]
ApplyOutcome = Literal["applied", "partial", "failed", "interrupted"]
ChangeStatus = Literal["applied", "applied_by_other", "failed", "not_started", "unknown"]

RECORD_TYPES: Final[tuple[str, ...]] = get_args(RecordType)
APPLY_OUTCOMES: Final[tuple[str, ...]] = get_args(ApplyOutcome)
CHANGE_STATUSES: Final[tuple[str, ...]] = get_args(ChangeStatus)

#: Keys of a change entry that are about its outcome, not the change itself.
OUTCOME_KEYS: Final = frozenset({"outcome", "error", "change_ids", "by"})


def utc_timestamp(moment: datetime | None = None) -> str:
    """``2026-05-01T10:00:00.123456Z``: the record time format (the clock is read here)."""
    moment = datetime.now(UTC) if moment is None else moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


def target_label(target: str) -> str:
    """A target as recorded: URLs lose credentials and query strings."""
    return strip_credentials(target)


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    """One change (``Change.to_dict()``) and what became of it (``by``: the other writer
    who made it, for ``applied_by_other``)."""

    change: Mapping[str, Any]
    outcome: ChangeStatus = "not_started"
    error: str | None = None
    change_ids: tuple[int, ...] = ()
    by: str | None = None

    @property
    def type(self) -> str:
        return str(self.change.get("type", ""))

    def to_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.change.items() if k not in OUTCOME_KEYS}
        data["outcome"] = self.outcome
        data["change_ids"] = list(self.change_ids)
        if self.error:
            data["error"] = self.error
        if self.by:
            data["by"] = self.by
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ChangeEntry:
        """From ``Change.to_dict()`` plus optional ``outcome``, ``error``, ``change_ids``
        (the shape of the executor's ``ChangeOutcome.to_dict()``)."""
        if not isinstance(data, Mapping) or not isinstance(data.get("type"), str):
            raise AuditError(f"a change entry needs a 'type': {data!r:.200}")
        outcome = data.get("outcome", "not_started")
        if outcome not in CHANGE_STATUSES:
            raise AuditError(f"change outcome {outcome!r} is not one of {CHANGE_STATUSES}")
        ids = data.get("change_ids") or ()
        if not isinstance(ids, list | tuple) or not all(isinstance(i, int) for i in ids):
            raise AuditError(f"change_ids must be a list of integers, not {ids!r:.200}")
        error, by = data.get("error"), data.get("by")
        return cls(
            change={k: v for k, v in data.items() if k not in OUTCOME_KEYS},
            outcome=cast(ChangeStatus, outcome),
            error=str(error) if error else None,
            change_ids=tuple(ids),
            by=str(by) if by else None,
        )


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One line of the audit log, before the log adds ``seq``, ``prev_hash`` and ``hash``."""

    type: RecordType
    time: str
    actor: str
    target: str
    plan_checksum: str
    live_fingerprint: str
    desired_fingerprint: str
    git: GitInfo = field(default_factory=GitInfo)
    ci: CiInfo = field(default_factory=CiInfo)
    allow_dirty: bool = False
    #: projects whose deletion ``--allow-delete`` acknowledged (the plan's ``allow_delete``)
    allow_delete: tuple[str, ...] = ()
    changes: tuple[ChangeEntry, ...] = ()
    outcome: ApplyOutcome | None = None
    started_seq: int | None = None
    apply_id: str | None = None
    #: the UTC day the applied plan was made for (its ``as_of``: expiries use it)
    as_of: str | None = None

    @property
    def pr_number(self) -> int | None:
        """The pull request: as CI tells it, else as the commit message names it."""
        return self.ci.pr_number if self.ci.pr_number is not None else self.git.pr_number

    @property
    def branch(self) -> str | None:
        return self.git.branch or self.ci.branch

    def to_data(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "time": self.time,
            "actor": self.actor,
            "target": self.target,
            "plan_checksum": self.plan_checksum,
            "live_fingerprint": self.live_fingerprint,
            "desired_fingerprint": self.desired_fingerprint,
            "git": self.git.to_data(),
            "ci": self.ci.to_data(),
            "pr_number": self.pr_number,
            "allow_dirty": self.allow_dirty,
            "allow_delete": list(self.allow_delete),
            "outcome": self.outcome,
            "started_seq": self.started_seq,
            "apply_id": self.apply_id,
            "as_of": self.as_of,
            "changes": [c.to_data() for c in self.changes],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AuditRecord:
        """From a log line's JSON object (extra keys such as ``seq`` are ignored)."""
        try:
            kind = data["type"]
            if kind not in RECORD_TYPES:
                raise AuditError(f"unknown record type {kind!r}")
            outcome = data.get("outcome")
            if outcome is not None and outcome not in APPLY_OUTCOMES:
                raise AuditError(f"unknown apply outcome {outcome!r}")
            return cls(
                type=kind,
                time=str(data["time"]),
                actor=str(data["actor"]),
                target=str(data["target"]),
                plan_checksum=str(data["plan_checksum"]),
                live_fingerprint=str(data["live_fingerprint"]),
                desired_fingerprint=str(data["desired_fingerprint"]),
                git=GitInfo.from_data(data.get("git") or {}),
                ci=CiInfo.from_data(data.get("ci") or {}),
                allow_dirty=bool(data.get("allow_dirty", False)),
                allow_delete=tuple(map(str, data.get("allow_delete") or ())),
                changes=tuple(ChangeEntry.from_data(c) for c in data.get("changes") or ()),
                outcome=outcome,
                started_seq=data.get("started_seq"),
                apply_id=data.get("apply_id"),
                as_of=None if data.get("as_of") is None else str(data["as_of"]),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise AuditError(f"malformed audit record: missing or bad field {exc}") from exc


def apply_started(
    *,
    time: str,
    actor: str,
    target: str,
    plan_checksum: str,
    live_fingerprint: str,
    desired_fingerprint: str,
    changes: Sequence[Mapping[str, Any]],
    git: GitInfo | None = None,
    ci: CiInfo | None = None,
    allow_dirty: bool = False,
    allow_delete: Sequence[str] = (),
    apply_id: str | None = None,
    as_of: str | None = None,
) -> AuditRecord:
    """The record appended before the first write: every change as ``not_started``.

    ``target`` is passed through ``target_label`` so a URL's credentials never land in it.
    ``apply_id`` is the run id every write of this apply carries (``X-Reconciler-Apply``).
    """
    entries = tuple(
        ChangeEntry({k: v for k, v in c.items() if k not in OUTCOME_KEYS}) for c in changes
    )
    return AuditRecord(
        type="apply_started",
        time=time,
        actor=actor,
        target=target_label(target),
        plan_checksum=plan_checksum,
        live_fingerprint=live_fingerprint,
        desired_fingerprint=desired_fingerprint,
        git=git or GitInfo(),
        ci=ci or CiInfo(),
        allow_dirty=allow_dirty,
        allow_delete=tuple(allow_delete),
        changes=entries,
        apply_id=apply_id,
        as_of=as_of,
    )


def apply_finished(
    started: AuditRecord,
    started_seq: int,
    *,
    time: str,
    outcome: ApplyOutcome | str,
    changes: Sequence[Mapping[str, Any]],
) -> AuditRecord:
    """The record appended after the last write: the started record's context, the
    apply's ``outcome`` and each change with ``outcome``/``error``/``change_ids``
    (e.g. ``result.outcome`` and ``[o.to_dict() for o in result.outcomes]`` from the
    executor's ``ApplyResult``). An ``outcome`` outside ``APPLY_OUTCOMES`` raises."""
    if outcome not in APPLY_OUTCOMES:
        raise AuditError(f"apply outcome {outcome!r} is not one of {APPLY_OUTCOMES}")
    return replace(
        started,
        type="apply_finished",
        time=time,
        outcome=cast(ApplyOutcome, outcome),
        started_seq=started_seq,
        changes=tuple(ChangeEntry.from_data(c) for c in changes),
    )
