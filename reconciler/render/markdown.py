"""The plan as a pull-request comment (GitHub-flavoured markdown).

The title with the applicable status and the headline (counts, who gains and loses
sight, violations, what needs a second look) come first; then a table of contents
(from 4 sections on), a mermaid picture of what moves between projects (when it is
small enough to read), one collapsible ``<details>`` per project with alike changes
folded, access impact folded per group of users with an identical change, and the rest.

GitHub refuses comments over 65,536 characters: when the full rendering exceeds
``budget`` (UTF-8 bytes, so never more characters), the counts are rendered instead
(``markdown_summary``), pointing to where the whole plan is: ``--markdown-full FILE``
writes it with ``FULL_BUDGET``, under the 1 MiB of a GitHub job summary. Escaping:
``markdown_escape``.
"""

from __future__ import annotations

from reconciler.plan.model import Plan
from reconciler.render.access_groups import AccessGroup, what, who
from reconciler.render.describe import sight_label
from reconciler.render.markdown_escape import ZERO_WIDTH, defuse, fenced, in_html, md
from reconciler.render.markdown_parts import (
    access_intro,
    anchor,
    footer,
    headline_block,
    join,
    moves,
    section_label,
    title,
    unmanaged,
    unplaced,
    violations,
)
from reconciler.render.markdown_summary import summarised
from reconciler.render.view import Entry, PlanView, RenderContext, view

__all__ = ["BUDGET", "FULL_BUDGET", "ZERO_WIDTH", "defuse", "fenced", "in_html", "md"]

#: Bytes a comment may have, with room to spare under GitHub's 65,536 characters.
BUDGET = 60_000
#: Bytes of ``--markdown-full`` (a GitHub job summary holds 1 MiB).
FULL_BUDGET = 1_000_000
#: Objects listed per group of users in the access impact before "... and N more".
MAX_SIGHTS = 20
#: Groups of users in the access impact (and users named in each) before "... and N more".
MAX_GROUPS = 100
#: The fewest bytes one change or sight takes in the full rendering ("+ user x\n").
_MIN_LINE = 8
#: Sections from which on a table of contents leads the changes.
TOC_FROM = 4
#: Folded names are wrapped to lines of this width inside code blocks.
WIDTH = 100


def render_markdown(
    plan: Plan, *, budget: int = BUDGET, context: RenderContext | None = None
) -> str:
    """The plan as markdown of at most ``budget`` UTF-8 bytes (ends with a newline)."""
    shown = view(plan, context)
    lines = len(shown.changes) + sum(len(d.gained) + len(d.lost) for d in shown.impact)
    if lines * _MIN_LINE < budget:  # else the full rendering cannot fit: skip making it
        full = join(
            [
                title(plan),
                headline_block(shown),
                _toc(shown),
                moves(shown),
                violations(plan.violations, len(plan.violations)),
                unplaced(shown, len(shown.unplaced)),
                _changes(shown),
                _access(shown),
                unmanaged(plan),
                _notes(plan),
                footer(plan),
            ]
        )
        if len(full.encode()) <= budget:
            return full
    return summarised(shown, budget)


def _toc(shown: PlanView) -> str:
    if len(shown.sections) < TOC_FROM:
        return ""
    rows = [
        f"| [{section_label(s)}](#{anchor(i)}) | {len(s.changes)} | {s.counts} |"
        for i, s in enumerate(shown.sections)
    ]
    head = ["### Contents", "", "| project | changes | actions |", "|---|---:|---|"]
    return "\n".join([*head, *rows])


def _entry_lines(entry: Entry) -> list[str]:
    if not entry.names:
        lines = [f"{entry.symbol} {entry.subject}"]
    else:
        lines, line = [], f"{entry.symbol} {entry.subject}: "
        for i, name in enumerate(entry.names):
            piece = name if i == 0 else f", {name}"
            if i and len(line) + len(piece) + 1 > WIDTH:
                lines.append(line + ",")
                line = "    " + name
            else:
                line += piece
        lines.append(line)
    if entry.reason:
        lines.append(f"    reason: {entry.reason}")
    return lines


def _changes(shown: PlanView) -> str:
    if not shown.sections:
        return ""
    parts = ["### Changes by project"]
    for index, section in enumerate(shown.sections):
        label = "Company-wide" if section.scope is None else f"<b>{in_html(section.scope)}</b>"
        body = [line for entry in section.entries for line in _entry_lines(entry)]
        parts.append(
            f'<a name="{anchor(index)}"></a>\n'
            f"<details><summary>{label}: {section.counts}</summary>\n\n"
            f"{fenced(body)}\n\n</details>"
        )
    return "\n\n".join(parts)


def _access(shown: PlanView) -> str:
    if not shown.access:
        return ""
    parts = ["### Access impact", access_intro(shown)]
    parts += [_access_group(g) for g in shown.access[:MAX_GROUPS]]
    if len(shown.access) > MAX_GROUPS:
        rest = len(shown.access) - MAX_GROUPS
        parts.append(f"... and {rest:,} more groups of users (`reconciler plan --format json`).")
    return "\n\n".join(parts)


def _access_group(group: AccessGroup) -> str:
    items = group.sights
    if not items and len(group.users) <= 3:
        return f"- {md(who(group))}: {md(what(group))}"
    lines = [f"{symbol} {sight_label(sight)}" for symbol, sight in items[:MAX_SIGHTS]]
    if len(items) > MAX_SIGHTS:
        lines.append(f"# ... and {len(items) - MAX_SIGHTS} more")
    users = ""
    if len(group.users) > 3:
        named = [md(u) for u in group.users[:MAX_GROUPS]]
        more = len(group.users) - len(named)
        users = "Users: " + ", ".join(named) + (f" and {more:,} more" if more > 0 else "") + "\n\n"
    return (
        f"<details><summary>{in_html(who(group))}: {in_html(what(group))}</summary>\n\n"
        f"{users}{fenced(lines)}\n\n</details>"
    )


def _notes(plan: Plan) -> str:
    if not plan.notes:
        return ""
    return "\n".join(["### Notes", "", *(f"- {md(n)}" for n in plan.notes)])
