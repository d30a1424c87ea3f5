"""The plan for a terminal: the headline first, then one section per project.

``render_text(plan, color=False)`` is pure: the same plan gives the same bytes. Colour
(``click.style``) is used only when the caller asks for it. The headline says what
changes, who gains and loses sight of what, the violations and what needs a second
look; then each project's changes (company-wide first), in the order apply makes them,
alike changes folded into one line with their names; then access impact by groups of
users with an identical change.
"""

from __future__ import annotations

from collections.abc import Iterable

import click

from reconciler.plan.model import Plan, Violation
from reconciler.render.access_groups import AccessGroup, what, who
from reconciler.render.describe import (
    clean,
    sight_label,
    summary_phrase,
    unplaced_headline,
    unplaced_line,
    users_see,
)
from reconciler.render.headline import headline
from reconciler.render.view import Entry, PlanView, RenderContext, Section, view

#: Groups of users listed in the access impact (and users named in each) before "...".
MAX_USERS = 50
#: Objects listed per group of users before "... and N more".
MAX_SIGHTS = 10
#: Folded names are wrapped to lines of this width.
WIDTH = 100

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
    context: RenderContext | None = None,
) -> str:
    """The whole plan as text, ending with a newline."""
    style = Style(color)
    shown = view(plan, context)
    blocks: list[list[str]] = []
    if plan.changes or not plan.applicable:  # else the footer's "No changes." says it all
        blocks.append(_headline(shown, style))
    for section in (
        _violations(plan.violations, style),
        _unplaced(shown, style, max_users),
        _changes(shown, style),
        _access(shown, style, max_users, max_sights),
        _unmanaged(plan),
        _notes(plan),
    ):
        if section:
            blocks.append(section)
    blocks.append(_footer(plan, style))
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


def _headline(shown: PlanView, style: Style) -> list[str]:
    top = headline(shown)
    lines = []
    if not shown.plan.applicable:
        lines.append(_banner(shown.plan, style))
    lines += [style(top.plan, bold=True), top.access, top.violations]
    if top.second_look:
        lines.append(style("Needs a second look:", fg="yellow", bold=True))
        lines += [style(f"  ! {item}", fg="yellow") for item in top.second_look]
    else:
        lines.append("Needs a second look: nothing (no deletion, no wider access, no Admin).")
    if top.narrowed:
        lines.append(top.narrowed)
    return lines


def _banner(plan: Plan, style: Style) -> str:
    count = sum(1 for v in plan.violations if v.blocking)
    noun = "violation" if count == 1 else "violations"
    return style(
        f"!! NOT APPLICABLE: {count} blocking {noun} (listed below); apply will refuse this plan.",
        fg="red",
        bold=True,
    )


def wrapped(first: str, names: Iterable[str], indent: str, width: int = WIDTH) -> list[str]:
    """``first`` followed by ``names`` joined with commas, in lines of ``width``."""
    lines: list[str] = []
    line = first
    for i, name in enumerate(names):
        piece = name if i == 0 else f", {name}"
        if i and len(line) + len(piece) + 1 > width:
            lines.append(line + ",")
            line = indent + name
        else:
            line += piece
    lines.append(line)
    return lines


def _changes(shown: PlanView, style: Style) -> list[str]:
    if not shown.sections:
        return []
    lines = [style("Changes by project (in each, the order apply makes them):", bold=True)]
    for section in shown.sections:
        lines.append("")
        lines.extend(_section(section, style))
    return lines


def _section(section: Section, style: Style) -> list[str]:
    lines = [style(f"{section.heading}: {section.counts}", bold=True)]
    for entry in section.entries:
        lines.extend(_entry(entry, style))
    return lines


def _entry(entry: Entry, style: Style) -> list[str]:
    colour = _COLORS.get(entry.symbol)
    if entry.names:
        head = wrapped(f"  {entry.symbol} {entry.subject}: ", entry.names, "      ")
        lines = [style(line, fg=colour) for line in head]
    else:
        lines = [style(f"  {entry.symbol} {entry.subject}", fg=colour)]
    if entry.reason:
        lines.append(style(f"      reason: {entry.reason}", dim=True))
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


def _access(shown: PlanView, style: Style, max_users: int, max_sights: int) -> list[str]:
    if not shown.access:
        return []
    alike = "" if len(shown.access) == len(shown.impact) else f", {len(shown.access):,} distinct"
    lines = [f"Access impact ({users_see(len(shown.impact))} different objects{alike}):"]
    for group in shown.access[:max_users]:
        lines.extend(_access_group(group, style, max_users, max_sights))
    if len(shown.access) > max_users:
        rest = len(shown.access) - max_users
        lines.append(f"  ... and {rest} more groups of users (see --format json)")
    return lines


def _access_group(group: AccessGroup, style: Style, max_users: int, max_sights: int) -> list[str]:
    lines = [f"  {who(group)}: {what(group)}"]
    if len(group.users) > 3:
        users = [clean(u) for u in group.users[:max_users]]
        if len(group.users) > max_users:
            users.append(f"... and {len(group.users) - max_users} more")
        lines += wrapped("    users: ", users, "      ")
    items = group.sights
    for symbol, sight in items[:max_sights]:
        lines.append(style(f"    {symbol} {sight_label(sight)}", fg=_COLORS[symbol]))
    if len(items) > max_sights:
        lines.append(f"    ... and {len(items) - max_sights} more")
    return lines


def _unplaced(shown: PlanView, style: Style, max_users: int) -> list[str]:
    if not shown.unplaced:
        return []
    lines = [style(f"{unplaced_headline(len(shown.unplaced))}:", fg="red", bold=True)]
    lines += [f"  {unplaced_line(u)}" for u in shown.unplaced[:max_users]]
    if len(shown.unplaced) > max_users:
        rest = len(shown.unplaced) - max_users
        lines.append(f"  ... and {rest} more users (see --format json)")
    return lines


def _unmanaged(plan: Plan) -> list[str]:
    if not plan.unmanaged_projects and not plan.unmanaged_roles:
        return []
    lines = ["Unmanaged (live, declared by no file; left untouched unless prune: true):"]
    lines += [f"  project {clean(name)}" for name in plan.unmanaged_projects]
    lines += [f"  role    {clean(name)}" for name in plan.unmanaged_roles]
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
