"""The plan as a pull-request comment (GitHub-flavoured markdown).

A title with the applicable status, a summary table, one collapsible ``<details>`` per
project, the access impact and the violations. GitHub refuses comments over 65,536
characters: when the full rendering exceeds ``budget``, a summary (per-project counts,
truncated to fit) is rendered instead, pointing to the job log and the JSON plan.

Names come from users, so every name is escaped for where it lands: HTML entities in
``<summary>`` tags, backslash escapes plus entities in markdown text, and code fences
longer than any backtick run inside them. Outside code, ``defuse`` also keeps GitHub from
turning a name into a mention (``@team``), an issue or commit link (``#12``, ``GH-12``, a
hex run like ``deadbeef1``) or an autolink (``https://...``, ``www.x``, ``a@b.c``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from reconciler.plan.changes import Change
from reconciler.plan.model import AccessDelta, Plan, Violation
from reconciler.render.describe import (
    change_order as _order,
)
from reconciler.render.describe import (
    clean,
    count_phrase,
    describe,
    ordered_counts,
    sight_label,
    summary_phrase,
    unplaced_headline,
    unplaced_line,
    users_see,
)

#: Characters a comment may have, with room to spare under GitHub's 65,536.
BUDGET = 60_000
#: Objects listed per user in the access impact before "... and N more".
MAX_SIGHTS = 20
#: The fewest characters one change or sight takes in the full rendering ("+ user x\n").
_MIN_LINE = 8
#: Violations listed in a summarised comment.
MAX_SUMMARY_VIOLATIONS = 20

_MD_SPECIAL = re.compile(r"([\\`*_\[\]!|~$])")
#: A zero-width space: written after the character that would start a mention or a link,
#: it keeps the visible text and breaks the pattern (an HTML entity such as ``&#64;``
#: would not: GitHub decodes it before it looks for mentions, as markdown-it does).
ZERO_WIDTH = "\u200b"
_LINK_STARTS = re.compile(
    r"[@#]"  # @user, @org/team, a@b.c; #12, org/repo#12
    r"|(?<=:)(?=//)"  # scheme://
    r"|(?i:www)(?=\.)"  # www.example.com
    r"|(?i:(?<!\w)gh)(?=-\d)"  # GH-12
)
_HEX_RUN = re.compile(r"(?<!\w)[0-9a-fA-F]{7,}(?!\w)")
_TOO_LARGE = (
    "> [!NOTE]\n> This plan is too large for one comment ({changes:,} changes), so only "
    "counts are shown. The full plan is in the job log and in the JSON plan "
    "(`reconciler plan --format json`, or the artifact saved with `--out`)."
)


def defuse(text: str) -> str:
    """``text`` with a zero-width space where GitHub (or a chat) would start a mention,
    an issue, commit or URL link: the same visible text, nothing linked or notified."""
    text = _LINK_STARTS.sub(lambda m: m.group() + ZERO_WIDTH, text)
    return _HEX_RUN.sub(lambda m: _chunked(m.group()), text)


def _chunked(run: str) -> str:
    """A hex run cut into pieces of 6 (GitHub links 7 to 40 hex digits to a commit)."""
    return ZERO_WIDTH.join(run[i : i + 6] for i in range(0, len(run), 6))


def _entities(text: str) -> str:
    """The zero-width spaces as ``&#8203;``, so the raw comment shows where they are."""
    return text.replace(ZERO_WIDTH, "&#8203;")


def md(text: str) -> str:
    """``text`` safe as inline markdown (also inside a table cell): no markup, no HTML,
    no mention or link."""
    escaped = _MD_SPECIAL.sub(r"\\\1", defuse(clean(text)))
    return _entities(html.escape(escaped, quote=True))


def in_html(text: str) -> str:
    """``text`` safe inside an HTML element such as ``<summary>``."""
    return _entities(html.escape(defuse(clean(text)), quote=True))


def fenced(lines: Iterable[str], info: str = "diff") -> str:
    """A code block whose fence no backtick run in ``lines`` can close."""
    body = list(lines)
    longest = max((len(run) for line in body for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return "\n".join([fence + info, *body, fence])


def render_markdown(plan: Plan, *, budget: int = BUDGET) -> str:
    """The plan as a PR comment of at most ``budget`` characters (ends with a newline)."""
    lines = len(plan.changes) + sum(len(d.gained) + len(d.lost) for d in plan.access_impact)
    if lines * _MIN_LINE < budget:  # else the full rendering cannot fit: skip making it
        full = _join([_title(plan), _summary(plan), *_full_sections(plan), _footer(plan)])
        if len(full) <= budget:
            return full
    return _summarised(plan, budget)


def _join(parts: Iterable[str]) -> str:
    return "\n\n".join(p for p in parts if p) + "\n"


def _title(plan: Plan) -> str:
    if not plan.applicable:
        count = sum(1 for v in plan.violations if v.blocking)
        noun = "violation" if count == 1 else "violations"
        return f"## Reconciler plan: :x: NOT APPLICABLE ({count} blocking {noun})"
    if plan.empty:
        return "## Reconciler plan: :white_check_mark: no changes"
    return "## Reconciler plan: :white_check_mark: applicable"


def _summary(plan: Plan) -> str:
    rows = ordered_counts(plan.changes)
    if not rows:
        return "No changes."
    table = ["| action | count |", "|---|---:|", *(f"| {a} | {n} |" for a, n in rows)]
    return f"**{summary_phrase(plan)}**\n\n" + "\n".join(table)


def _full_sections(plan: Plan) -> list[str]:
    return [
        _violations(plan.violations, len(plan.violations)),
        _unplaced(plan, len(plan.unplaced)),
        _changes(plan),
        _access(plan.access_impact),
        _unmanaged(plan),
        _notes(plan),
    ]


def _by_scope(plan: Plan) -> list[tuple[str | None, list[Change]]]:
    buckets: dict[tuple[int, str], list[Change]] = {}
    for change in sorted(plan.changes, key=_order):
        scope = change.scope
        buckets.setdefault((0 if scope is None else 1, scope or ""), []).append(change)
    return [(name if rank else None, changes) for (rank, name), changes in sorted(buckets.items())]


def _changes(plan: Plan) -> str:
    if not plan.changes:
        return ""
    parts = ["### Changes by project"]
    for scope, changes in _by_scope(plan):
        label = "Company-wide" if scope is None else f"<b>{in_html(scope)}</b>"
        lines = []
        for change in changes:
            line = describe(change)
            reason = f"   (reason: {line.reason})" if line.reason else ""
            lines.append(f"{line.symbol} {line.subject}{reason}")
        parts.append(
            f"<details><summary>{label}: {count_phrase(changes)}</summary>\n\n"
            f"{fenced(lines)}\n\n</details>"
        )
    return "\n\n".join(parts)


def _access(deltas: tuple[AccessDelta, ...]) -> str:
    if not deltas:
        return ""
    lines: list[str] = []
    for delta in deltas:
        lines.append(f"# {clean(delta.user)}: +{len(delta.gained)} -{len(delta.lost)}")
        items = [("+", s) for s in delta.gained] + [("-", s) for s in delta.lost]
        lines += [f"{sym} {sight_label(s)}" for sym, s in items[:MAX_SIGHTS]]
        if len(items) > MAX_SIGHTS:
            lines.append(f"# ... and {len(items) - MAX_SIGHTS} more")
    return (
        f"### Access impact\n\n<details><summary>{users_see(len(deltas))} different objects"
        f"</summary>\n\n{fenced(lines)}\n\n</details>"
    )


def _violation(v: Violation) -> str:
    level = ":x: **error**" if v.blocking else ":warning: **warning**"
    where = f"{md(str(v.position))}: " if v.position else ""
    return f"- {level} {where}{md(v.message)} ({md(v.code)})"


def _violations(violations: tuple[Violation, ...], limit: int) -> str:
    if not violations:
        return ""
    ordered = sorted(violations, key=lambda v: (not v.blocking, v.code, v.message))
    lines = ["### Violations", "", *(_violation(v) for v in ordered[:limit])]
    if len(ordered) > limit:
        lines.append(f"- ... and {len(ordered) - limit} more")
    return "\n".join(lines)


def _unplaced(plan: Plan, limit: int) -> str:
    if not plan.unplaced:
        return ""
    lines = [f"### :warning: {unplaced_headline(len(plan.unplaced))}", ""]
    lines += [f"- {md(unplaced_line(u))}" for u in plan.unplaced[:limit]]
    if len(plan.unplaced) > limit:
        lines.append(f"- ... and {len(plan.unplaced) - limit} more")
    return "\n".join(lines)


def _unmanaged(plan: Plan) -> str:
    if not plan.unmanaged_projects and not plan.unmanaged_roles:
        return ""
    lines = ["### Unmanaged (live, declared by no file; untouched unless `prune: true`)", ""]
    lines += [f"- project {md(n)}" for n in plan.unmanaged_projects]
    lines += [f"- role {md(n)}" for n in plan.unmanaged_roles]
    return "\n".join(lines)


def _notes(plan: Plan) -> str:
    if not plan.notes:
        return ""
    return "\n".join(["### Notes", "", *(f"- {md(n)}" for n in plan.notes)])


def _footer(plan: Plan) -> str:
    return f"<sub>checksum `{plan.checksum()}`</sub>"


def _summarised(plan: Plan, budget: int) -> str:
    """Counts only, with as many per-project rows as fit in ``budget``."""
    access = ""
    if plan.access_impact:
        gained = sum(len(d.gained) for d in plan.access_impact)
        lost = sum(len(d.lost) for d in plan.access_impact)
        who = users_see(len(plan.access_impact))
        access = f"### Access impact\n\n{who} different objects (+{gained} / -{lost} in total)."
    unmanaged = ""
    if plan.unmanaged_projects or plan.unmanaged_roles:
        unmanaged = (
            f"{len(plan.unmanaged_projects)} unmanaged projects and "
            f"{len(plan.unmanaged_roles)} unmanaged roles are left untouched."
        )
    head = [
        _title(plan),
        _TOO_LARGE.format(changes=len(plan.changes)),
        _summary(plan),
        _violations(plan.violations, MAX_SUMMARY_VIOLATIONS),
        _unplaced(plan, MAX_SUMMARY_VIOLATIONS),
        access,
        unmanaged,
    ]
    footer = _footer(plan)
    fixed = _join([*head, "", footer])
    table = _project_table(plan, budget - len(fixed) - 2)
    return _join([*head, table, footer])


def _project_table(plan: Plan, room: int) -> str:
    groups = _by_scope(plan)
    actions = [a for a, _ in ordered_counts(plan.changes)]
    lines = [
        "### Changes by project",
        "",
        "| project | " + " | ".join(actions) + " |",
        "|---|" + "---:|" * len(actions),
    ]
    used = sum(len(line) + 1 for line in lines)
    reserve = 80  # the "... and N more projects" line
    for shown, (scope, changes) in enumerate(groups):
        counts = {a: 0 for a in actions}
        for change in changes:
            counts[change.action] += 1
        name = "company-wide" if scope is None else md(scope)
        row = f"| {name} | " + " | ".join(str(counts[a]) for a in actions) + " |"
        if used + len(row) + 1 + reserve > room:
            lines.append(f"\n... and {len(groups) - shown} more projects.")
            break
        lines.append(row)
        used += len(row) + 1
    return "\n".join(lines)
