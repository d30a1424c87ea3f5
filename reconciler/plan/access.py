"""Who sees what: effective visibility of users, and how a plan changes it."""

from __future__ import annotations

from reconciler.plan.model import AccessDelta, Sight
from reconciler.state.snapshot import Snapshot

#: What a user who sees everything (Admin, view_all) sees.
EVERYTHING = Sight("*", "*", "*")


def visible(snapshot: Snapshot, user: str) -> set[Sight]:
    raise NotImplementedError


def access_impact(live: Snapshot, after: Snapshot) -> tuple[AccessDelta, ...]:
    raise NotImplementedError


def who_can_see(snapshot: Snapshot, kind: str, name: str) -> list[str]:
    raise NotImplementedError


def what_can_see(snapshot: Snapshot, user: str) -> list[Sight]:
    raise NotImplementedError
