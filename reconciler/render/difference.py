"""A ``PlanDifference`` (the reviewed plan against the plan made now) for people: lines
in the style of a diff, as text or as a markdown comment (a code block, where GitHub
links and mentions nothing)."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.plan.compare import PlanDifference
from reconciler.render.describe import clean
from reconciler.render.markdown import fenced, md


def difference_lines(diff: PlanDifference) -> list[str]:
    lines = [f"+ {clean(key)}    (not in the reviewed plan)" for key in diff.added]
    lines += [f"- {clean(key)}    (reviewed, no longer planned)" for key in diff.dropped]
    for item in diff.changed:
        lines.append(f"~ {clean(item.change)}")
        lines.append(f"-     {item.field}: {clean(repr(item.reviewed))}    (reviewed)")
        lines.append(f"+     {item.field}: {clean(repr(item.now))}    (now)")
    if diff.applicable != (True, True):
        reviewed, now = ("applicable" if a else "NOT applicable" for a in diff.applicable)
        lines.append(f"! the reviewed plan was {reviewed}; the plan made now is {now}")
    return lines or ["  (the same changes: only what they were planned from moved on)"]


def render_difference_text(diff: PlanDifference, reasons: Sequence[str]) -> str:
    head = ["The reviewed plan is not what apply would do now:"]
    head += [f"  {clean(reason)}" for reason in reasons]
    return "\n".join([*head, *difference_lines(diff)]) + "\n"


def render_difference_markdown(diff: PlanDifference, reasons: Sequence[str]) -> str:
    verdict = (
        "The plan made now only drops reviewed changes (a subset)."
        if diff.subset
        else "The plan made now holds changes nobody reviewed."
    )
    parts = [
        "## Reconciler apply: :x: the reviewed plan is stale",
        "",
        *[f"- {md(reason)}" for reason in reasons],
        "",
        f"{verdict} Difference, change by change and field by field:",
        "",
        fenced(difference_lines(diff)),
        "",
    ]
    return "\n".join(parts)
