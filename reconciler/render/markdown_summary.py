"""The markdown plan when the whole does not fit its budget: the headline, the
violations, the access groups' headlines, what moves, and per-project counts, as many
rows as fit, pointing to where the whole plan is."""

from __future__ import annotations

from reconciler.render.access_groups import what, who
from reconciler.render.describe import ordered_counts
from reconciler.render.markdown_escape import md
from reconciler.render.markdown_parts import (
    access_intro,
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
from reconciler.render.view import PlanView

#: Violations, users left in no project and groups of users listed in a summary.
MAX_LISTED = 20

TOO_LARGE = (
    "> [!NOTE]\n> This plan is too large for one comment ({changes:,} changes), so only "
    "counts are shown here. The whole plan: the job summary and artifact of the CI run "
    "(`reconciler plan --format markdown --markdown-full FILE`), the text plan "
    "(`reconciler plan`), or the JSON plan (`--format json`, or the file saved with "
    "`--out`)."
)


def summarised(shown: PlanView, budget: int) -> str:
    """Counts only, with as many per-project rows as fit in ``budget`` bytes."""
    plan = shown.plan
    head = [
        title(plan),
        TOO_LARGE.format(changes=len(shown.changes)),
        headline_block(shown),
        violations(plan.violations, MAX_LISTED),
        unplaced(shown, MAX_LISTED),
        _access(shown),
        moves(shown),
        unmanaged(plan) if len(plan.unmanaged_projects) <= MAX_LISTED else _unmanaged_count(shown),
    ]
    tail = footer(plan)
    fixed = len(join([*head, "", tail]).encode())
    table = _project_table(shown, budget - fixed - 2)
    return join([*head, table, tail])


def _unmanaged_count(shown: PlanView) -> str:
    plan = shown.plan
    return (
        f"{len(plan.unmanaged_projects):,} unmanaged projects and "
        f"{len(plan.unmanaged_roles):,} unmanaged roles are left untouched."
    )


def _access(shown: PlanView) -> str:
    if not shown.access:
        return ""
    lines = ["### Access impact", "", access_intro(shown), ""]
    lines += [f"- {md(who(g))}: {md(what(g))}" for g in shown.access[:MAX_LISTED]]
    if len(shown.access) > MAX_LISTED:
        lines.append(f"- ... and {len(shown.access) - MAX_LISTED:,} more groups of users")
    return "\n".join(lines)


def _project_table(shown: PlanView, room: int) -> str:
    actions = [a for a, _ in ordered_counts(shown.changes)]
    if not actions:
        return ""
    lines = [
        "### Changes by project",
        "",
        "| project | " + " | ".join(actions) + " |",
        "|---|" + "---:|" * len(actions),
    ]
    used = sum(len(line.encode()) + 1 for line in lines)
    reserve = 80  # the "... and N more projects" line
    rows: list[str] = []
    for section in shown.sections:
        counts = dict.fromkeys(actions, 0)
        for change in section.changes:
            counts[change.action] += 1
        row = f"| {section_label(section)} | " + " | ".join(str(counts[a]) for a in actions) + " |"
        size = len(row.encode()) + 1
        if used + size + reserve > room:
            break
        rows.append(row)
        used += size
    rest = len(shown.sections) - len(rows)
    more = f"... and {rest:,} more {'section' if rest == 1 else 'sections'}." if rest else ""
    if not rows:
        return "\n".join([lines[0], "", more])
    return "\n".join([*lines, *rows, *(["", more] if more else [])])
