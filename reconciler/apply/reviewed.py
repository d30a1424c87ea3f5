"""Applying a saved plan: what was reviewed, or nothing.

``apply PLAN_FILE`` plans again through the same session, then compares: the saved plan
is applied only when nothing it was made from moved on (target, live, files) and the
plan made now holds exactly its changes. Else the saved plan is **stale**: the
difference, change by change and field by field (``reconciler.plan.compare``), is
raised with the reasons, and nothing is applied; with ``replan_if_subset`` the plan made
now is applied instead when it only drops reviewed changes (say, another pull request
already applied some). A file can be written by anyone who can upload it, so trusting
its changes rests on this comparison, not on its checksum.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.engine.session import Planned
from reconciler.errors import StalePlanError
from reconciler.plan.compare import PlanDifference, compare_plans
from reconciler.plan.model import Plan
from reconciler.plan.saved import SavedPlan, redact_target, staleness
from reconciler.render.difference import render_difference_text


class ReviewedPlanStaleError(StalePlanError):
    """The saved plan is not what apply would do now; carries the difference."""

    def __init__(self, reasons: Sequence[str], difference: PlanDifference) -> None:
        self.reasons = tuple(reasons)
        self.difference = difference
        super().__init__(
            render_difference_text(difference, reasons).rstrip("\n")
            + "\nnothing applied: review the plan made now (`reconciler plan`)"
        )


def choose_plan(
    saved: SavedPlan, planned: Planned, *, target: str, replan_if_subset: bool = False
) -> tuple[Plan, str | None]:
    """The plan to apply, and a note when it is the plan made now (a subset of the
    reviewed one). Raises ``StalePlanError`` for another target (never re-planned) and
    ``ReviewedPlanStaleError`` for a stale plan."""
    if redact_target(target) != saved.target:
        raise StalePlanError(
            f"saved plan is stale: it was made for target {saved.target}, not "
            f"{redact_target(target)}; nothing applied"
        )
    reasons = staleness(
        saved, live_fingerprint=planned.live.fingerprint(), files_digest=planned.files_digest
    )
    now = planned.plan
    difference = compare_plans(saved.plan, now)
    if not difference.empty and not reasons and saved.plan.as_of != now.as_of:
        reasons.append(
            f"the plan was made as of {saved.plan.as_of}, it is {now.as_of} now (access "
            "that expires in between; `--now` sets the day)"
        )
    if not difference.empty and not reasons:
        reasons.append(
            "the plan made now differs from it (other options, or the history of applies "
            "moved on, or the file was not written by `reconciler plan`)"
        )
    if not reasons:
        return saved.plan, None
    if replan_if_subset and difference.subset:
        dropped = len(difference.dropped)
        return now, (
            f"the reviewed plan is stale ({'; '.join(reasons)}); applying the plan made now, "
            f"which holds {len(now.changes)} of its changes and nothing else "
            f"({dropped} no longer needed)"
        )
    raise ReviewedPlanStaleError(reasons, difference)
