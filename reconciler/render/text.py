"""The plan for a terminal: terraform-like, grouped by phase then project.

``render_text(plan, color=False)`` is pure: the same plan gives the same bytes. Colour
(``click.style``) is used only when the caller asks for it.
"""

from __future__ import annotations

import click

from reconciler.plan.model import AccessDelta, Plan, Violation
from reconciler.render.describe import (
    PHASE_TITLES,
    Group,
    clean,
    describe,
    grouped,
    sight_label,
    summary_phrase,
    unplaced_headline,
    unplaced_line,
    users_see,
)

#: Users listed in the access impact before "... and N more users".
MAX_USERS = 50
#: Objects listed per user before "... and N more".
MAX_SIGHTS = 10

_COLORS = {"+": "green", "-": "red", "~": "yellow", ">": "cyan"}


class Style:
    """``click.style`` when colour is on; the text unchanged otherwise."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(
        self,
        text: str,
        *,
        fg: str | None = None,
        bold: bool | None = None,
        dim: bool | None = None,
    ) -> str:
        return click.style(text, fg=fg, bold=bold, dim=dim) if self.color else text


def render_text(
    plan: Plan,
    *,
    color: bool = False,
    max_users: int = MAX_USERS,
    max_sights: int = MAX_SIGHTS,
) -> str:
    """The whole plan as text, ending with a newline."""
    style = Style(color)
    blocks: list[list[str]] = []
    if not plan.applicable:
        blocks.append([_banner(plan, style)])
    if plan.changes:
        blocks.append(_changes(plan, style))
    for section in (
        _unmanaged(plan),
        _violations(plan.violations, style),
        _unplaced(plan, style, max_users),
        _access(plan.access_impact, style, max_users, max_sights),
        _notes(plan),
    ):
        if section:
            blocks.append(section)
    blocks.append(_footer(plan, style))
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


def _banner(plan: Plan, style: Style) -> str:
    count = sum(1 for v in plan.violations if v.blocking)
    noun = "violation" if count == 1 else "violations"
    return style(
        f"!! NOT APPLICABLE: {count} blocking {noun} (listed below); apply will refuse this plan.",
        fg="red",
        bold=True,
    )


def _changes(plan: Plan, style: Style) -> list[str]:
    lines = [style("Changes, in the order apply makes them:", bold=True)]
    phase = None
    for group in grouped(plan):
        if group.phase != phase:
            phase = group.phase
            lines.append("")
            lines.append(style(f"Phase {int(phase)}: {PHASE_TITLES[phase]}", bold=True))
        lines.extend(_group(group, style))
    return lines


def _group(group: Group, style: Style) -> list[str]:
    lines = [f"  {group.heading}"]
    for change in group.changes:
        line = describe(change)
        lines.append(style(f"    {line.symbol} {line.subject}", fg=_COLORS.get(line.symbol)))
        if line.reason:
            lines.append(style(f"        reason: {line.reason}", dim=True))
    return lines


def _unmanaged(plan: Plan) -> list[str]:
    if not plan.unmanaged_projects and not plan.unmanaged_roles:
        return []
    lines = ["Unmanaged (live, declared by no file; left untouched unless prune: true):"]
    lines += [f"  project {clean(name)}" for name in plan.unmanaged_projects]
    lines += [f"  role    {clean(name)}" for name in plan.unmanaged_roles]
    return lines


def _violations(violations: tuple[Violation, ...], style: Style) -> list[str]:
    if not violations:
        return []
    lines = ["Violations:"]
    for v in sorted(violations, key=lambda v: (not v.blocking, v.code, v.message)):
        where = f"{clean(str(v.position))}: " if v.position else ""
        level = "error" if v.blocking else "warning"
        text = f"  {level}: {where}{clean(v.message)} [{v.code}]"
        lines.append(style(text, fg="red" if v.blocking else "yellow"))
    return lines


def _access(
    deltas: tuple[AccessDelta, ...], style: Style, max_users: int, max_sights: int
) -> list[str]:
    if not deltas:
        return []
    lines = [f"Access impact ({users_see(len(deltas))} different objects):"]
    for delta in deltas[:max_users]:
        lines.append(f"  {clean(delta.user)}: +{len(delta.gained)} -{len(delta.lost)}")
        items = [("+", s) for s in delta.gained] + [("-", s) for s in delta.lost]
        for symbol, sight in items[:max_sights]:
            lines.append(style(f"    {symbol} {sight_label(sight)}", fg=_COLORS[symbol]))
        if len(items) > max_sights:
            lines.append(f"    ... and {len(items) - max_sights} more")
    if len(deltas) > max_users:
        lines.append(f"  ... and {len(deltas) - max_users} more users (see --format json)")
    return lines


def _unplaced(plan: Plan, style: Style, max_users: int) -> list[str]:
    if not plan.unplaced:
        return []
    lines = [style(f"{unplaced_headline(len(plan.unplaced))}:", fg="red", bold=True)]
    lines += [f"  {unplaced_line(u)}" for u in plan.unplaced[:max_users]]
    if len(plan.unplaced) > max_users:
        lines.append(f"  ... and {len(plan.unplaced) - max_users} more users (see --format json)")
    return lines


def _notes(plan: Plan) -> list[str]:
    if not plan.notes:
        return []
    return ["Notes:", *(f"  - {clean(note)}" for note in plan.notes)]


def _footer(plan: Plan, style: Style) -> list[str]:
    lines = [style(summary_phrase(plan), bold=True)]
    if plan.changes:
        lines.append(f"Checksum: {plan.checksum()}")
    if not plan.applicable:
        lines.append(style("This plan is NOT APPLICABLE.", fg="red", bold=True))
    return lines
