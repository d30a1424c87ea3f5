"""The executor: the only part of the reconciler that writes to a live system.

Changes run in the plan's order, phase by phase. Within a phase, changes that share a
``batch_key`` travel together in one write (one request per project for membership and
object changes), and independent batches run concurrently, bounded by ``concurrency``.
The live client serializes writes touching the same project and sends ``If-Match`` with
the version it planned against, so a concurrent change elsewhere surfaces as a conflict.

When a batch fails (after the client's own retries), no new batch is started: batches in
flight finish, and every change is reported as applied, failed or not started.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Literal

from reconciler.errors import ReconcilerError
from reconciler.live.protocol import LiveSystem, WriteMeta
from reconciler.plan.changes import Change, batch_key

Status = Literal["applied", "failed", "not_started", "unknown"]


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    change: Change
    status: Status
    error: str | None = None
    change_ids: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, object]:
        data = self.change.to_dict()
        data.update(outcome=self.status, change_ids=list(self.change_ids))
        if self.error:
            data["error"] = self.error
        return data


@dataclass(frozen=True, slots=True)
class ApplyResult:
    outcomes: tuple[ChangeOutcome, ...] = field(default=())
    interrupted: bool = False

    def with_status(self, status: Status) -> list[ChangeOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def ok(self) -> bool:
        return all(o.status == "applied" for o in self.outcomes)

    @property
    def outcome(self) -> str:
        if self.ok:
            return "applied"
        if self.interrupted:
            return "interrupted"
        return "partial" if self.with_status("applied") else "failed"


Progress = Callable[[Sequence[ChangeOutcome]], None]


def batches(changes: Sequence[Change]) -> list[list[list[Change]]]:
    """Group changes into phases (in order) of batches (in order, by batch key)."""
    ordered = sorted(changes)
    phases: list[list[list[Change]]] = []
    for _, in_phase in groupby(ordered, key=lambda c: c.phase):
        by_key: dict[tuple[str, str], list[Change]] = {}
        for change in in_phase:
            by_key.setdefault(batch_key(change), []).append(change)
        phases.append([by_key[k] for k in sorted(by_key)])
    return phases


class _Run:
    """One apply: shared state of the workers."""

    def __init__(
        self, live: LiveSystem, meta: WriteMeta, concurrency: int, progress: Progress | None
    ) -> None:
        self.live, self.meta, self.progress = live, meta, progress
        self.gate = asyncio.Semaphore(max(1, concurrency))
        self.failed = False
        self.done: dict[Change, ChangeOutcome] = {}
        self.started: set[Change] = set()

    def record(self, batch: Sequence[Change], outcomes: list[ChangeOutcome]) -> None:
        for change, outcome in zip(batch, outcomes, strict=True):
            self.done[change] = outcome
        if self.progress is not None:
            self.progress(outcomes)

    async def run_batch(self, batch: list[Change]) -> None:
        async with self.gate:
            if self.failed:
                return
            self.started.update(batch)
            try:
                result = await self.live.write(batch, self.meta)
            except ReconcilerError as exc:
                self.failed = True
                self.record(batch, [ChangeOutcome(c, "failed", str(exc)) for c in batch])
                return
            ids = result.change_ids
            self.record(batch, [ChangeOutcome(c, "applied", None, ids) for c in batch])


async def execute(
    changes: Sequence[Change],
    live: LiveSystem,
    meta: WriteMeta,
    *,
    concurrency: int = 8,
    progress: Progress | None = None,
) -> ApplyResult:
    """Apply ``changes`` in phase order; never raises for a failed write (see ApplyResult).

    On cancellation (Ctrl-C), changes whose write was in flight are reported ``unknown``:
    the platform may or may not have applied them; ``plan`` afterwards shows the truth.
    """
    run = _Run(live, meta, concurrency, progress)
    try:
        for phase in batches(changes):
            if run.failed:
                break
            await asyncio.gather(*(run.run_batch(b) for b in phase))
    except asyncio.CancelledError:
        # Handled here (the caller records the interrupted apply), so the task is no
        # longer being cancelled: later timeouts and task groups in it work normally.
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        return _result(changes, run, interrupted=True)
    return _result(changes, run, interrupted=False)


def _result(changes: Sequence[Change], run: _Run, *, interrupted: bool) -> ApplyResult:
    outcomes = []
    for change in sorted(changes):
        outcome = run.done.get(change)
        if outcome is None:
            status: Status = "unknown" if change in run.started else "not_started"
            outcome = ChangeOutcome(change, status)
        outcomes.append(outcome)
    return ApplyResult(tuple(outcomes), interrupted=interrupted)
