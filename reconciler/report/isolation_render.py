"""The isolation report as text (a terminal), markdown (an issue, a job summary) and JSON.

Pure functions of an ``IsolationReport``. Names go through ``clean`` (text) or ``md``
(markdown: no markup, HTML, mention or link).
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.render.describe import clean
from reconciler.render.json import dumps_indented
from reconciler.render.markdown_escape import in_html, md
from reconciler.report.isolation import IsolationReport, PolicyCheck, ProjectAccess, Stamp


def stamp_lines(stamp: Stamp, checksum: str) -> list[str]:
    """The stamp, one fact a line (cleaned)."""
    if stamp.commit is None:
        source = "files outside git"
    else:
        state = {True: "with uncommitted changes", False: "clean", None: ""}[stamp.dirty]
        source = f"commit {clean(stamp.commit)}" + (f" ({state})" if state else "")
    lines = [
        f"Target: {clean(stamp.target)}",
        f"State: {stamp.state}"
        + (" (the files merged over live)" if stamp.state == "desired" else ""),
        f"Live fingerprint: {stamp.live_fingerprint}",
    ]
    if stamp.desired_fingerprint:
        lines.append(f"Desired fingerprint: {stamp.desired_fingerprint}")
    lines += [
        f"Made at: {clean(stamp.time)} from {source}",
        f"Report checksum: {checksum} (the same state and files give the same checksum)",
    ]
    return lines


def objects_phrase(project: ProjectAccess) -> str:
    """``12 objects (2 queues, 1 call_scripts, ...)`` or ``no objects``."""
    if not project.objects:
        return "no objects"
    kinds = ", ".join(f"{n} {clean(kind)}" for kind, n in project.objects)
    return f"{project.object_count} objects ({kinds})"


def policy_verdict(policy: PolicyCheck) -> str:
    if not policy.pairs:
        return "nothing to check (fewer than two of its projects exist)"
    return "holds" if policy.holds else "BROKEN"


def paths(items: tuple[str, ...]) -> str:
    return ", ".join(clean(p) for p in items)


def _policy_text(policy: PolicyCheck, everyone: int) -> list[str]:
    names = ", ".join(clean(p) for p in policy.isolate)
    lines = [f"  {clean(policy.name)} ({names}): {policy_verdict(policy)}"]
    for pair in policy.pairs:
        both = f"{clean(pair.first)} / {clean(pair.second)}"
        if not pair.shared:
            lines.append(f"    {both}: nobody is in both (directly or via a group)")
            continue
        lines.append(f"    {both}: {len(pair.shared)} user(s) can see both:")
        lines += [
            f"      {clean(u)}: {clean(pair.first)} ({paths(a)}); {clean(pair.second)} ({paths(b)})"
            for u, a, b in pair.shared
        ]
    if policy.absent:
        lines.append(f"    not in this state: {', '.join(clean(p) for p in policy.absent)}")
    if policy.hidden_pairs:
        lines.append(f"    {policy.hidden_pairs} pair(s) of other projects not shown (--project)")
    limit = policy.max_view_all_users
    bound = f" (the policy allows {limit})" if limit is not None else ""
    lines.append(f"    besides the {everyone} user(s) who see everything{bound}")
    return lines


def render_text(report: IsolationReport) -> str:
    lines = ["Isolation report: who can see each project's objects, and through which path"]
    lines += stamp_lines(report.stamp, report.checksum())
    if report.policies:
        lines += ["", "Policies:"]
        for policy in report.policies:
            lines += _policy_text(policy, len(report.everything))
    else:
        lines += ["", "No Policy isolates projects."]
    lines += ["", f"Users who see everything, in every project ({len(report.everything)}):"]
    lines += [f"  {clean(v.user)}: {paths(v.paths)}" for v in report.everything] or ["  none"]
    lines += ["", f"Projects ({len(report.projects)}):"]
    for project in report.projects:
        lines.append(
            f"  {clean(project.project)}: {objects_phrase(project)}; seen by "
            f"{len(project.members)} member(s) and the {len(report.everything)} above"
        )
        lines += [f"    {clean(v.user)}: {paths(v.paths)}" for v in project.members]
    if report.selection:
        patterns = ", ".join(repr(clean(p)) for p in report.selection)
        lines += ["", f"Shown: projects matching {patterns} (--project); "
                  f"{report.hidden_projects} other project(s) not shown."]  # fmt: skip
    return "\n".join(lines) + "\n"


def _policy_markdown(policy: PolicyCheck) -> list[str]:
    icon = ":white_check_mark:" if policy.holds else ":x:"
    names = ", ".join(md(p) for p in policy.isolate)
    lines = [f"- {icon} **{md(policy.name)}** ({names}): {md(policy_verdict(policy))}"]
    for pair in policy.pairs:
        both = f"{md(pair.first)} / {md(pair.second)}"
        if not pair.shared:
            lines.append(f"  - {both}: nobody is in both")
        for u, a, b in pair.shared:
            lines.append(
                f"  - {both}: **{md(u)}** ({md(pair.first)}: {md(', '.join(a))}; "
                f"{md(pair.second)}: {md(', '.join(b))})"
            )
    if policy.absent:
        lines.append(f"  - not in this state: {', '.join(md(p) for p in policy.absent)}")
    return lines


def _stamp_markdown(stamp: Stamp, checksum: str) -> list[str]:
    """The stamp as a list; hashes (made here or by git, hex only) in code."""
    commit = "files outside git"
    if stamp.commit is not None:
        dirty = {True: " (with uncommitted changes)", False: " (clean)", None: ""}[stamp.dirty]
        commit = f"commit `{stamp.commit}`{dirty}"
    lines = [
        f"- Target: {md(stamp.target)}",
        f"- State: {stamp.state}",
        f"- Live fingerprint: `{stamp.live_fingerprint}`",
    ]
    if stamp.desired_fingerprint:
        lines.append(f"- Desired fingerprint: `{stamp.desired_fingerprint}`")
    return [
        *lines,
        f"- Made at: {md(stamp.time)} from {commit}",
        f"- Report checksum: `{checksum}` (the same state and files give the same checksum)",
    ]


def render_markdown(report: IsolationReport) -> str:
    verdict = ":white_check_mark: every policy holds" if report.holds else ":x: a policy is broken"
    lines = [f"## Isolation report: {verdict}", ""]
    lines += _stamp_markdown(report.stamp, report.checksum())
    lines += ["", "### Policies", ""]
    for policy in report.policies:
        lines += _policy_markdown(policy)
    if not report.policies:
        lines.append("No Policy isolates projects.")
    lines += ["", f"### Users who see everything ({len(report.everything)})", ""]
    lines += [f"- {md(v.user)}: {md(', '.join(v.paths))}" for v in report.everything]
    lines += ["", f"### Projects ({len(report.projects)})", ""]
    for project in report.projects:
        rows = [f"| {md(v.user)} | {md(', '.join(v.paths))} |" for v in project.members]
        lines += [
            f"<details><summary><b>{in_html(project.project)}</b>: "
            f"{in_html(objects_phrase(project))}; {len(project.members)} member(s)</summary>",
            "",
            *(["| user | through |", "|---|---|", *rows] if rows else ["No members."]),
            "",
            "</details>",
            "",
        ]
    if report.selection:
        lines.append(f"{report.hidden_projects} other project(s) not shown (`--project`).")
    return "\n".join(lines).rstrip("\n") + "\n"


def render_json(report: IsolationReport) -> str:
    return dumps_indented(report.to_data()) + "\n"


RENDERERS: dict[str, Callable[[IsolationReport], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
