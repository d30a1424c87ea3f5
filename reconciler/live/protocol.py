"""What a live system offers the reconciler: the seam between plan/apply and a platform.

The planner and the executor see only this protocol, ``Snapshot`` and change values;
URL shapes and JSON belong to the adapter that implements it (``client.py`` for the
projects API v1). An adapter for another server implements the same four methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from reconciler.plan.changes import Change
from reconciler.state.snapshot import Snapshot


@dataclass(frozen=True, slots=True)
class Identity:
    """The user a token acts as, and what it may do."""

    login: str
    is_admin: bool
    permissions: frozenset[str]

    def has(self, permission: str) -> bool:
        return self.is_admin or permission in self.permissions


@dataclass(frozen=True, slots=True)
class WriteMeta:
    """Client metadata sent with every write (headers), linking it to git and the plan."""

    commit: str | None = None
    plan: str | None = None
    actor: str | None = None


@dataclass(frozen=True, slots=True)
class WriteResult:
    """The platform change-log ids a write produced."""

    change_ids: tuple[int, ...] = ()


class LiveSystem(Protocol):
    async def whoami(self) -> Identity:
        """The token's user and permissions."""
        ...

    async def fetch_snapshot(self) -> Snapshot:
        """The whole company, in a number of requests independent of the project count."""
        ...

    async def write(self, changes: Sequence[Change], meta: WriteMeta) -> WriteResult:
        """Carry out changes that share one ``batch_key`` in as few requests as the API
        allows (one per project for member/object adds and removes).

        Every write to a project carries ``If-Match`` with the version this client last
        saw for it (from ``fetch_snapshot`` or its own earlier writes); a mismatch raises
        ``ConflictError``. Concurrent calls that touch the same project are serialized
        inside the client, so callers may run independent batches concurrently.
        """
        ...

    async def aclose(self) -> None: ...
