"""``reconciler drift``: report live changes the files do not declare."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from reconciler.cli.options import (
    config_dir_option,
    format_option,
    no_cache_option,
    no_color_option,
    now_option,
    project_option,
    since_option,
    target_options,
)
from reconciler.cli.output import fail
from reconciler.drift.adopt import AdoptResult
from reconciler.drift.detect import Detected, adopt_and_check, detect
from reconciler.drift.notify import NotifyError, notify
from reconciler.drift.render import RENDERERS
from reconciler.drift.report import narrowed
from reconciler.engine.session import PlanOptions, stderr_notice
from reconciler.errors import ReconcilerError
from reconciler.gcpause import left_for_the_exit
from reconciler.plan.saved import redact_target
from reconciler.render.describe import clean
from reconciler.render.selection import selection


@click.command("drift")
@config_dir_option
@target_options
@format_option("text", "json", "markdown")
@click.option(
    "--notify",
    "notify_url",
    metavar="URL",
    envvar="RECONCILER_NOTIFY_URL",
    default=None,
    help="POST a Slack-compatible JSON summary here when drift is found. "
    "Env: RECONCILER_NOTIFY_URL.",
)
@click.option(
    "--adopt",
    "adopt_live",
    is_flag=True,
    help="Write the live values into the YAML files (comments and layout kept), only if "
    "the result validates; lists the files changed and the live facts left out on stderr.",
)
@since_option
@project_option
@no_color_option
@no_cache_option
@now_option
def drift_command(
    *,
    config_dir: Path,
    target: str,
    token_file: Path | None,
    output_format: str,
    notify_url: str | None,
    adopt_live: bool,
    since: str | None,
    projects: tuple[str, ...],
    no_color: bool,
    no_cache: bool,
    now: datetime | None,
) -> None:
    """Compare the live target with projects.d/ and report what differs.

    For each difference: what live holds, what the files declare, and from the
    platform's change log who changed it, when, and whether the reconciler did it (the
    write carried a commit) or a person did it by hand. Exit 0 in sync, 2 drift found,
    1 error. With --adopt, the files are rewritten to declare what live holds (review
    them and open a pull request); the exit code still says drift was found.
    --project narrows the report shown; the exit code, --notify and --adopt cover all.
    """
    chosen = selection(projects)
    del no_color  # this output has no colour; the option is accepted as everywhere
    options = PlanOptions(
        config_dir=config_dir,
        target=target,
        token_file=token_file,
        use_cache=not no_cache,
        now=now,
    )
    try:
        detected = detect(options, since=since, notice=stderr_notice)
        if chosen is not None:
            live, desired = detected.planned.live, detected.planned.desired.snapshot
            chosen.check([*live.projects, *desired.projects])
    except ReconcilerError as exc:
        fail(exc)
    report = detected.report
    click.echo(RENDERERS[output_format](narrowed(report, chosen)), nl=False)
    if notify_url and report.drifted:
        _notify(notify_url, detected, target)
    if adopt_live:
        _adopt(detected, options)
    left_for_the_exit(detected)
    raise SystemExit(report.exit_code)


def _notify(url: str, detected: Detected, target: str) -> None:
    try:
        notify(url, detected.report, source=redact_target(target))
    except NotifyError as exc:
        click.echo(f"warning: {exc} (the drift report above is unaffected)", err=True)
    else:
        click.echo("Sent the drift summary to the webhook.", err=True)


def _adopt(detected: Detected, options: PlanOptions) -> None:
    try:
        result = adopt_and_check(detected, options)
    except ReconcilerError as exc:
        fail(exc, exit_code=1)
    _show(result)


def _show(result: AdoptResult) -> None:
    """What adopting did, on stderr (stdout holds the drift report)."""
    into = clean(str(result.config_dir))
    lines = [f"Adopted the live values into {into}:"]
    for verb, paths in (
        ("changed", result.changed),
        ("created", result.created),
        ("removed", result.removed),
    ):
        lines += [f"  {verb} {clean(str(path))}" for path in paths]
    if len(lines) == 1:
        lines[0] = f"Adopted the live values into {into}: no file needed a change."
    lines += [f"  note: {clean(note)}" for note in result.notes]
    if result.left_out:
        lines.append("Not written, because no valid file can say it:")
        lines += [f"  {clean(str(item))}" for item in result.left_out]
        count = len(result.left_out)
        noun = "removal" if count == 1 else f"{count} removals"
        lines.append(f"A plan now shows only {'that' if count == 1 else 'those'} {noun}.")
    else:
        lines.append("A plan is now empty.")
    click.echo("\n".join(lines), err=True)
