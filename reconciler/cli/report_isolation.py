"""``reconciler report isolation``: per project, who can see its objects and through
which path; per Policy, whether its isolated projects share anybody. Stamped with the
target, the fingerprints, the time and the git commit, so it can be checked again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from reconciler.audit.git import locate
from reconciler.cli.options import (
    config_dir_option,
    format_option,
    no_cache_option,
    now_option,
    project_option,
    state_option,
    target_options,
)
from reconciler.cli.output import fail
from reconciler.cli.report_state import in_state, read_states
from reconciler.engine.session import PlanOptions, run_async
from reconciler.errors import ReconcilerError, printable
from reconciler.plan.saved import redact_target
from reconciler.render.selection import selection
from reconciler.report.isolation import IsolationReport, Stamp, isolation_report
from reconciler.report.isolation_html import render_html
from reconciler.report.isolation_render import RENDERERS


@click.command("isolation")
@state_option
@format_option("text", "markdown", "json", "html")
@project_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to FILE instead of stdout (an .html to open or print to PDF).",
)
@config_dir_option
@target_options
@no_cache_option
@now_option
def isolation_command(
    *,
    state: str,
    output_format: str,
    projects: tuple[str, ...],
    out: Path | None,
    config_dir: Path,
    target: str,
    token_file: Path | None,
    no_cache: bool,
    now: datetime | None,
) -> None:
    """Who can see each project's objects (member, via group G, Admin, view_all), and,
    for each Policy, every pair of its isolated projects with the users who could see
    both (none when it holds). Exit 0 when every policy holds, 1 when one is broken or
    on error. The policies come from --config-dir; the state from the target."""
    if out is not None and not out.absolute().parent.is_dir():
        shown = printable(str(out.parent))
        raise click.BadParameter(f"directory {shown} does not exist", param_hint="--out")
    options = PlanOptions(
        config_dir=config_dir, target=target, token_file=token_file, use_cache=not no_cache, now=now
    )
    try:
        report = run_async(_report(options, state, projects))
    except ReconcilerError as exc:
        fail(exc)
    text = render_html(report) if output_format == "html" else RENDERERS[output_format](report)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        shown = printable(str(out))
        click.echo(f"Wrote the isolation report to {shown} ({report.checksum()}).", err=True)
    raise SystemExit(0 if report.holds else 1)


async def _report(options: PlanOptions, state: str, patterns: tuple[str, ...]) -> IsolationReport:
    states = await read_states(options, state, need_files=True)
    snapshot, live, desired = states.shown, states.live, states.desired
    assert desired is not None  # need_files
    desired_fingerprint = snapshot.fingerprint() if state == "desired" else None
    chosen = selection(patterns)
    if chosen is not None:
        chosen.check(snapshot.projects, in_state(state))
    git = locate(options.config_dir).metadata(dirty=True)
    stamp = Stamp(
        target=redact_target(options.target),
        state=state,
        live_fingerprint=live.fingerprint(),
        time=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        commit=git.commit,
        dirty=git.dirty,
        desired_fingerprint=desired_fingerprint,
    )
    return isolation_report(snapshot, desired.settings.policies, stamp, chosen)
