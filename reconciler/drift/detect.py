"""The edge of drift detection: files + target -> a ``DriftReport`` (and adopting it).

Plans with the shared session glue, reads the change log only when something differs,
recognises projects renamed by hand (and re-plans treating their live names as
previous names, so a rename reads as one rename rather than a create plus moves).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from reconciler.cli.session import (
    Notice,
    Planned,
    PlanOptions,
    load_desired,
    open_session,
    run_async,
)
from reconciler.drift.adopt import AdoptResult, adopt
from reconciler.drift.attribution import hand_renames
from reconciler.drift.report import DriftReport, build_report
from reconciler.errors import ReconcilerError
from reconciler.live.protocol import ChangeLogEntry
from reconciler.plan.changes import ProjectCreate, ProjectDelete
from reconciler.plan.model import Plan
from reconciler.plan.planner import plan as make_plan


@dataclass(frozen=True, slots=True)
class Detected:
    report: DriftReport
    planned: Planned
    plan: Plan
    hand_renames: Mapping[str, str]


def replan_with_renames(planned: Planned, hand: Mapping[str, str]) -> Plan:
    """The plan again, with each hand-renamed project's live name as a previous name."""
    if not hand:
        return planned.plan
    renames = dict(planned.settings.renames)
    for declared, live_name in hand.items():
        renames[declared] = (*renames.get(declared, ()), live_name)
    settings = replace(planned.settings, renames=renames)
    return make_plan(planned.desired.snapshot, planned.live, settings)


def explain(planned: Planned, entries: list[ChangeLogEntry]) -> Detected:
    """Pure: the report for a finished plan and the change log."""
    changes = planned.plan.changes
    missing = [c.name for c in changes if isinstance(c, ProjectCreate)]
    undeclared = {*planned.plan.unmanaged_projects}
    undeclared |= {c.name for c in changes if isinstance(c, ProjectDelete)}
    hand = hand_renames(missing, undeclared, entries)
    plan = replan_with_renames(planned, hand)
    return Detected(build_report(plan, entries, hand), planned, plan, hand)


def detect(options: PlanOptions, *, since: str | None, notice: Notice) -> Detected:
    async def go() -> Detected:
        async with open_session(options, notice=notice) as session:
            planned = session.planned
            entries: list[ChangeLogEntry] = []
            if planned.plan.changes:
                entries = await session.client.read_changelog(since=since)
        return explain(planned, entries)

    return run_async(go())


def adopt_and_check(detected: Detected, options: PlanOptions) -> AdoptResult:
    """Write live into the files, then plan again from the files: must be empty."""
    planned = detected.planned
    result = adopt(options.config_dir, planned.live, detected.hand_renames)
    _, desired = load_desired(options.config_dir, use_cache=False)
    settings = replace(
        planned.settings,
        prune=desired.settings.prune,
        default_project=desired.settings.default_project,
        remove_placed_members=desired.settings.remove_placed_members,
        renames=desired.settings.renames,
        protected=desired.settings.protected,
        policies=desired.settings.policies,
        locate=desired.settings.locate,
    )
    after = make_plan(desired.snapshot, planned.live, settings)
    if after.changes:
        shown = ", ".join(c.type for c in after.changes[:5])
        raise ReconcilerError(
            f"adopted files still differ from live in {len(after.changes)} change(s) "
            f"({shown}); check the rewritten files under {options.config_dir}"
        )
    return result
