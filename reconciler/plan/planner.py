"""The pure planner: ``plan(desired, live, settings) -> Plan``."""

from __future__ import annotations

from reconciler.plan.model import Plan
from reconciler.plan.settings import PlanSettings
from reconciler.state.snapshot import Snapshot


def plan(desired: Snapshot, live: Snapshot, settings: PlanSettings | None = None) -> Plan:
    """The changes that take ``live`` to ``desired``, checked and explained (pure)."""
    raise NotImplementedError
