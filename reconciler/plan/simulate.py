"""The executor's semantics simulated on a Snapshot (for tests and previews)."""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.plan.changes import Change
from reconciler.state.snapshot import Snapshot


def apply_in_memory(live: Snapshot, changes: Iterable[Change]) -> Snapshot:
    raise NotImplementedError
