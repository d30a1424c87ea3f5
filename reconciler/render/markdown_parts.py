"""Pieces both the whole markdown plan and its summary are made of."""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.plan.model import Plan, Violation
from reconciler.render.describe import unplaced_headline, unplaced_line
from reconciler.render.diagram import flows, moves_mermaid
from reconciler.render.headline import headline
from reconciler.render.markdown_escape import fenced, md
from reconciler.render.view import PlanView, Section


def join(parts: Iterable[str]) -> str:
    return "\n\n".join(p for p in parts if p) + "\n"


def title(plan: Plan) -> str:
    if not plan.applicable:
        count = sum(1 for v in plan.violations if v.blocking)
        noun = "violation" if count == 1 else "violations"
        return f"## Reconciler plan: :x: NOT APPLICABLE ({count} blocking {noun})"
    if plan.empty:
        return "## Reconciler plan: :white_check_mark: no changes"
    return "## Reconciler plan: :white_check_mark: applicable"


def headline_block(shown: PlanView) -> str:
    top = headline(shown)
    lines = [f"**{md(top.plan)}**", "", f"- {md(top.access)}", f"- {md(top.violations)}"]
    if top.second_look:
        lines.append("- :warning: **Needs a second look:**")
        lines += [f"  - {md(item)}" for item in top.second_look]
    else:
        lines.append("- Needs a second look: nothing (no deletion, no wider access, no Admin).")
    if top.narrowed:
        lines.append(f"- {md(top.narrowed)}")
    return "\n".join(lines)


def anchor(index: int) -> str:
    """The in-page anchor of section ``index`` (GitHub keeps ``name`` on ``<a>``)."""
    return f"rc-{index}"


def section_label(section: Section) -> str:
    return "company-wide" if section.scope is None else md(section.scope)


def moves(shown: PlanView) -> str:
    diagram = moves_mermaid(flows(shown.changes))
    if not diagram:
        return ""
    return f"### What moves between projects\n\n{fenced([diagram], 'mermaid')}"


def access_intro(shown: PlanView) -> str:
    count = len(shown.impact)
    users = "1 user sees" if count == 1 else f"{count:,} users see"
    groups = len(shown.access)
    alike = f", in {groups:,} groups with an identical change" if groups != count else ""
    return f"{users} different objects{alike}."


def _violation(v: Violation) -> str:
    level = ":x: **error**" if v.blocking else ":warning: **warning**"
    where = f"{md(str(v.position))}: " if v.position else ""
    return f"- {level} {where}{md(v.message)} ({md(v.code)})"


def violations(found: tuple[Violation, ...], limit: int) -> str:
    if not found:
        return ""
    ordered = sorted(found, key=lambda v: (not v.blocking, v.code, v.message))
    lines = ["### Violations", "", *(_violation(v) for v in ordered[:limit])]
    if len(ordered) > limit:
        lines.append(f"- ... and {len(ordered) - limit} more")
    return "\n".join(lines)


def unplaced(shown: PlanView, limit: int) -> str:
    if not shown.unplaced:
        return ""
    lines = [f"### :warning: {unplaced_headline(len(shown.unplaced))}", ""]
    lines += [f"- {md(unplaced_line(u))}" for u in shown.unplaced[:limit]]
    if len(shown.unplaced) > limit:
        lines.append(f"- ... and {len(shown.unplaced) - limit} more")
    return "\n".join(lines)


def unmanaged(plan: Plan) -> str:
    if not plan.unmanaged_projects and not plan.unmanaged_roles:
        return ""
    lines = ["### Unmanaged (live, declared by no file; untouched unless `prune: true`)", ""]
    lines += [f"- project {md(n)}" for n in plan.unmanaged_projects]
    lines += [f"- role {md(n)}" for n in plan.unmanaged_roles]
    return "\n".join(lines)


def footer(plan: Plan) -> str:
    return f"<sub>checksum `{plan.checksum()}`</sub>"
