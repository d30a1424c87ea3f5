"""The drift report as text (terminal), JSON (machines) and markdown (an issue body).

Pure functions of a ``DriftReport``. Every name comes from the live platform or the
files, so it goes through ``clean`` (text) or ``md`` (markdown: no markup, HTML, mention
or link) before it is shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from itertools import groupby

from reconciler.drift.report import Attribution, DriftItem, DriftReport
from reconciler.render.describe import clean
from reconciler.render.markdown import md

#: Rows in the markdown table before the rest is summarised (GitHub's body limit).
MAX_MARKDOWN_ROWS = 300

FORMAT_VERSION = 1


def who(attribution: Attribution | None) -> str:
    """``"by hand: olga.admin at 2024-05-01T10:00:00Z"`` or ``"reconciler (commit
    abc1234) as ci at ..."``; ``"unknown (no change-log entry)"`` when nothing matched."""
    if attribution is None:
        return "unknown (no change-log entry)"
    actor, time = clean(attribution.actor), clean(attribution.time)
    if attribution.by_reconciler:
        commit = clean(attribution.commit or "")[:12]
        return f"reconciler (commit {commit}) as {actor} at {time}"
    return f"by hand: {actor} at {time}"


def _heading(item: DriftItem) -> str:
    return item.project if item.project is not None else "company-wide"


def _grouped(report: DriftReport) -> Iterator[tuple[str, list[DriftItem]]]:
    keyed = sorted(
        report.items, key=lambda i: (i.project is not None, i.project or "", i.sort_key())
    )
    for heading, items in groupby(keyed, key=_heading):
        yield heading, list(items)


def narrowed_line(report: DriftReport) -> str:
    """What ``--project`` left out, or "" when nothing was narrowed."""
    if not report.selection:
        return ""
    patterns = ", ".join(repr(clean(p)) for p in report.selection)
    return (
        f"Shown: projects matching {patterns} (--project); {report.hidden} difference(s) "
        "elsewhere not shown. The exit code covers every difference."
    )


def render_text(report: DriftReport) -> str:
    lines: list[str] = []
    if not report.drifted:
        lines.append(
            "No drift in the projects shown."
            if report.selection
            else "No drift: live matches the files."
        )
    else:
        counts = ", ".join(f"{n} {c}" for c, n in report.summary().items())
        lines.append(f"Drift: {len(report.items)} difference(s) ({counts}).")
        for heading, items in _grouped(report):
            lines += ["", f"{clean(heading)}:"]
            for item in items:
                lines.append(
                    f"  {clean(item.subject)}: live {clean(item.live)}, files {clean(item.files)}"
                )
                lines.append(f"    changed {who(item.attribution)}")
    if report.selection:
        lines += ["", narrowed_line(report)]
    lines += _unmanaged_text(report)
    return "\n".join(lines) + "\n"


def _unmanaged_text(report: DriftReport) -> list[str]:
    lines: list[str] = []
    if report.drifted and not report.attributed:
        lines.append(
            "The target keeps no change log the reconciler can read: who made each change "
            "is unknown."
        )
    for old, new in report.hand_renames:
        lines.append(f"Renamed by hand: project {clean(old)} is now {clean(new)} live.")
    if report.unmanaged_projects:
        names = ", ".join(clean(n) for n in report.unmanaged_projects)
        lines.append(f"Live projects no file declares (left alone): {names}")
    if report.unmanaged_roles:
        names = ", ".join(clean(n) for n in report.unmanaged_roles)
        lines.append(f"Live roles no file declares (left alone): {names}")
    return ["", *lines] if lines else []


def render_json(report: DriftReport) -> str:
    data = {"format_version": FORMAT_VERSION, **report.to_data()}
    return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def _md_who(attribution: Attribution | None) -> str:
    if attribution is None:
        return "unknown"
    if attribution.by_reconciler:
        commit = (attribution.commit or "")[:12]
        # the commit comes from a request header anyone can send: code only when it is hex
        shown = f"`{commit}`" if re.fullmatch(r"[0-9a-fA-F]+", commit) else md(commit)
        return f"reconciler {shown} as {md(attribution.actor)}"
    return f"**by hand**: {md(attribution.actor)}"


def _md_row(item: DriftItem) -> str:
    when = md(item.attribution.time) if item.attribution else ""
    cells = [
        md(_heading(item)),
        md(item.subject),
        md(item.live),
        md(item.files),
        _md_who(item.attribution),
        when,
    ]
    return "| " + " | ".join(cells) + " |"


def render_markdown(report: DriftReport) -> str:
    if not report.drifted:
        lines = ["## Drift: none", "", "Live matches the files."]
        if report.selection:
            lines = ["## Drift: none in the projects shown"]
    else:
        lines = [
            f"## Drift: {len(report.items)} difference(s) between live and the files",
            "",
            "| project | item | live | files | changed by | when |",
            "|---|---|---|---|---|---|",
        ]
        items = [i for _, group in _grouped(report) for i in group]
        lines += [_md_row(i) for i in items[:MAX_MARKDOWN_ROWS]]
        if len(items) > MAX_MARKDOWN_ROWS:
            rest = len(items) - MAX_MARKDOWN_ROWS
            lines += ["", f"... and {rest} more (run `reconciler drift --format json`)."]
        lines += [
            "",
            "Revert: `reconciler apply`. Keep the live values: `reconciler drift --adopt`, "
            "then open a pull request with the changed files.",
        ]
    if report.selection:
        lines += ["", md(narrowed_line(report))]
    extra = _unmanaged_text(report)
    lines += [f"- {md(line)}" if line else "" for line in extra]
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[DriftReport], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}


def summary_line(report: DriftReport) -> str:
    """One line for a chat notification."""
    if not report.drifted:
        return "No drift."
    by_hand = sum(1 for i in report.items if i.attribution and not i.attribution.by_reconciler)
    counts = ", ".join(f"{n} {c}" for c, n in report.summary().items())
    return f"Drift: {len(report.items)} difference(s) ({counts}); {by_hand} made by hand."
