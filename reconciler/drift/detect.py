"""The edge of drift detection: files + target -> a ``DriftReport`` (and adopting it).

Plans with the shared session glue, reads the change log only when something differs,
recognises projects renamed by hand (and re-plans treating their live names as
previous names, so a rename reads as one rename rather than a create plus moves).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from reconciler.config.loaded import LoadedConfig
from reconciler.drift.adopt import AdoptResult, adopt
from reconciler.drift.attribution import hand_renames, live_names
from reconciler.drift.report import DriftReport, build_report
from reconciler.drift.unexpressed import expired_left_out
from reconciler.engine.declared import desired_of
from reconciler.engine.session import (
    Notice,
    Planned,
    PlanOptions,
    open_session,
    plan_settings,
    run_async,
)
from reconciler.errors import ReconcilerError
from reconciler.live.protocol import ChangeLogEntry, ChangeLogReader
from reconciler.plan.changes import Change, ProjectCreate, ProjectDelete
from reconciler.plan.model import Plan
from reconciler.plan.planner import plan as make_plan
from reconciler.render.describe import describe


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
    attributed = planned.settings.capabilities.change_log
    report = build_report(plan, entries, hand, attributed=attributed)
    return Detected(report, planned, plan, hand)


def detect(options: PlanOptions, *, since: str | None, notice: Notice) -> Detected:
    async def go() -> Detected:
        async with open_session(options, notice=notice) as session:
            planned = session.planned
            entries: list[ChangeLogEntry] = []
            client = session.client
            if planned.plan.changes and isinstance(client, ChangeLogReader):
                entries = await client.read_changelog(since=since)
        return explain(planned, entries)

    return run_async(go())


def adopt_and_check(detected: Detected, options: PlanOptions) -> AdoptResult:
    """Write live into the files; before anything is written, the adopted files must
    validate and plan, against the same live state, exactly the removals of the live
    memberships they leave out (``AdoptResult.left_out``)."""
    planned = detected.planned

    def check(loaded: LoadedConfig, result: AdoptResult) -> None:
        desired = desired_of(loaded)
        settings = plan_settings(desired, options, planned.identity, planned.settings.capabilities)
        after = make_plan(desired.snapshot, planned.live, settings)
        expected = {_identity(item.change()) for item in result.left_out}
        found = {_identity(c) for c in after.changes}
        if found != expected:
            unexpected = [
                describe(c).subject for c in after.changes if _identity(c) not in expected
            ]
            shown = "; ".join(unexpected[:5])
            raise ReconcilerError(
                "drift --adopt wrote nothing: the adopted files would plan "
                f"{len(after.changes)} change(s) against live, not the {len(expected)} "
                "removal(s) of what they leave out" + (f" (unexpected: {shown})" if shown else "")
            )

    expired = expired_left_out(detected.plan.changes, live_names(detected.plan.changes))
    return adopt(
        options.config_dir, planned.live, detected.hand_renames, check=check, expired=expired
    )


def _identity(change: Change) -> tuple[tuple[str, Any], ...]:
    """A change without its reason: what it does, not how it is explained."""
    return tuple(sorted((k, v) for k, v in change.to_dict().items() if k != "reason"))
