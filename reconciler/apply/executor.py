"""The executor: the only part of the reconciler that writes to a live system.

Changes run in the plan's order, phase by phase. Within a phase, changes that share a
``batch_key`` travel together in one write (one request per project for membership and
object changes), and independent batches run concurrently, bounded by ``concurrency``.
The live client serializes writes touching the same project and sends ``If-Match`` with
the version it planned against, so a concurrent change elsewhere surfaces as a conflict.

When a batch fails (after the client's own retries), or ``stop`` is set (SIGINT,
SIGTERM), no new batch is started: batches in flight finish, and every change is reported
as applied, applied by another writer, failed, unknown or not started. A write the client
could not settle (its answer lost, and checking could not tell) is ``unknown``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Literal

from reconciler.errors import ReconcilerError, UncertainWriteError
from reconciler.live.protocol import LiveSystem, WriteMeta
from reconciler.plan.changes import Change, batch_key

Status = Literal["applied", "applied_by_other", "failed", "not_started", "unknown"]
#: Why a change abandoned in flight is unknown.
IN_FLIGHT = "in flight when the apply stopped: it may have landed (`reconciler plan` shows)"
#: Statuses of a change that is in place on the platform.
DONE: frozenset[Status] = frozenset({"applied", "applied_by_other"})


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    change: Change
    status: Status
    error: str | None = None
    change_ids: tuple[int, ...] = ()
    by: str | None = None

    def to_dict(self) -> dict[str, object]:
        data = self.change.to_dict()
        data.update(outcome=self.status, change_ids=list(self.change_ids))
        if self.error:
            data["error"] = self.error
        if self.by:
            data["by"] = self.by
        return data


@dataclass(frozen=True, slots=True)
class ApplyResult:
    outcomes: tuple[ChangeOutcome, ...] = field(default=())
    interrupted: bool = False

    def with_status(self, status: Status) -> list[ChangeOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def ok(self) -> bool:
        """Every change is in place (made by this apply or, named, by another writer)."""
        return all(o.status in DONE for o in self.outcomes)

    @property
    def outcome(self) -> str:
        if self.ok:
            return "applied"
        if self.interrupted:
            return "interrupted"
        return "partial" if any(o.status in DONE for o in self.outcomes) else "failed"


Progress = Callable[[Sequence[ChangeOutcome]], None]


@dataclass(frozen=True, slots=True)
class Stop:
    """How an apply is asked to stop (a signal): ``requested`` no batch starts any more,
    those in flight finish; ``urgent`` those in flight are abandoned too (``unknown``)."""

    requested: asyncio.Event = field(default_factory=asyncio.Event)
    urgent: asyncio.Event = field(default_factory=asyncio.Event)

    def escalate(self) -> None:
        """The first call requests a stop; any later one makes it urgent."""
        (self.urgent if self.requested.is_set() else self.requested).set()


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
        self,
        live: LiveSystem,
        meta: WriteMeta,
        concurrency: int,
        progress: Progress | None,
        stop: Stop,
    ) -> None:
        self.live, self.meta, self.progress, self.stop = live, meta, progress, stop
        self.gate = asyncio.Semaphore(max(1, concurrency))
        self.failed = False
        self.done: dict[Change, ChangeOutcome] = {}
        self.started: set[Change] = set()

    def record(self, batch: Sequence[Change], outcomes: list[ChangeOutcome]) -> None:
        for change, outcome in zip(batch, outcomes, strict=True):
            self.done[change] = outcome
        if self.progress is not None:
            self.progress(outcomes)

    @property
    def halted(self) -> bool:
        return self.failed or self.stop.requested.is_set()

    async def run_batch(self, batch: list[Change]) -> None:
        async with self.gate:
            if self.halted:
                return
            self.started.update(batch)
            try:
                result = await self.live.write(batch, self.meta)
            except ReconcilerError as exc:
                self.failed = True
                status: Status = "unknown" if isinstance(exc, UncertainWriteError) else "failed"
                self.record(batch, [ChangeOutcome(c, status, str(exc)) for c in batch])
                return
            ids, by = result.change_ids, result.by
            status = "applied_by_other" if by else "applied"
            self.record(batch, [ChangeOutcome(c, status, None, ids, by) for c in batch])


async def execute(
    changes: Sequence[Change],
    live: LiveSystem,
    meta: WriteMeta,
    *,
    concurrency: int = 8,
    progress: Progress | None = None,
    stop: Stop | None = None,
) -> ApplyResult:
    """Apply ``changes`` in phase order; never raises for a failed write (see ApplyResult).

    Once ``stop`` is requested no new batch starts; those in flight finish, and the
    result is interrupted. When it becomes urgent, or on cancellation, the writes in
    flight are abandoned and their changes reported ``unknown``: the platform may or may
    not have applied them; ``plan`` afterwards shows the truth.
    """
    run = _Run(live, meta, concurrency, progress, stop or Stop())
    try:
        for phase in batches(changes):
            if run.halted:
                break
            work = asyncio.gather(*(run.run_batch(b) for b in phase))
            if not await _unless_urgent(work, run.stop.urgent):
                return _result(changes, run, interrupted=True)
    except asyncio.CancelledError:
        # Handled here (the caller records the interrupted apply), so the task is no
        # longer being cancelled: later timeouts and task groups in it work normally.
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        return _result(changes, run, interrupted=True)
    return _result(changes, run, interrupted=run.stop.requested.is_set())


async def _unless_urgent(work: asyncio.Future[list[None]], urgent: asyncio.Event) -> bool:
    """Wait for ``work``; False (``work`` cancelled) when ``urgent`` is set first."""
    alarm = asyncio.ensure_future(urgent.wait())
    either: list[asyncio.Future[Any]] = [work, alarm]
    try:
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    finally:
        alarm.cancel()
    if work.done():
        work.result()
        return True
    work.cancel()
    with suppress(asyncio.CancelledError):
        await work
    return False


def _result(changes: Sequence[Change], run: _Run, *, interrupted: bool) -> ApplyResult:
    outcomes = []
    for change in sorted(changes):
        outcome = run.done.get(change)
        if outcome is None:
            if change in run.started:
                outcome = ChangeOutcome(change, "unknown", IN_FLIGHT)
            else:
                outcome = ChangeOutcome(change, "not_started")
        outcomes.append(outcome)
    return ApplyResult(tuple(outcomes), interrupted=interrupted)
