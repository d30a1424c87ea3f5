"""``reconciler plan``: show what apply would change on the target."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from reconciler.audit.git import locate
from reconciler.cli.options import (
    allow_delete_option,
    audit_log_option,
    config_dir_option,
    format_option,
    no_cache_option,
    no_color_option,
    now_option,
    project_option,
    target_options,
    threshold_options,
)
from reconciler.cli.output import fail, use_color
from reconciler.engine.session import Planned, PlanOptions, run_plan
from reconciler.errors import ReconcilerError, printable
from reconciler.gcpause import left_for_the_exit, paused_gc
from reconciler.live.permissions import MissingPermissionError, check_permissions
from reconciler.plan.saved import save_plan
from reconciler.plan.sensitive import Sensitive, sensitive_changes
from reconciler.render import render
from reconciler.render.describe import clean
from reconciler.render.markdown import FULL_BUDGET, render_markdown
from reconciler.render.selection import selection
from reconciler.render.view import RenderContext


@click.command("plan")
@config_dir_option
@target_options
@format_option("text", "json", "markdown")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    callback=lambda _ctx, _param, value: _in_a_directory(value),
    help="Save the plan (JSON, checksummed) for a later `reconciler apply FILE`.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are, 1 on error or unsafe plan.",
)
@threshold_options
@allow_delete_option
@audit_log_option
@project_option
@click.option(
    "--markdown-full",
    type=click.Path(path_type=Path, dir_okay=False),
    callback=lambda _ctx, _param, value: _in_a_directory(value),
    help="Also write the plan as markdown to FILE with room for every change (up to 1 MB, "
    "a GitHub job summary's size), for CI: the --format markdown comment keeps under "
    "GitHub's 65,536-character limit and shows counts only when the plan does not fit.",
)
@no_color_option
@no_cache_option
@now_option
def plan_command(
    *,
    config_dir: Path,
    target: str,
    token_file: Path | None,
    output_format: str,
    out: Path | None,
    detailed_exitcode: bool,
    allow_mass_change: bool,
    max_remove_share: float | None,
    max_delete_share: float | None,
    allow_delete: tuple[str, ...],
    audit_log: Path,
    projects: tuple[str, ...],
    markdown_full: Path | None,
    now: datetime | None,
    no_color: bool,
    no_cache: bool,
) -> None:
    """Compare projects.d/ with the live target and show the changes apply would make.

    The plan lists changes in the order apply makes them, who gains or loses sight of
    which objects, unmanaged projects and roles, and every violated safety check. A plan
    that fails a check is still shown, marked NOT APPLICABLE, and the command exits 1.
    Progress goes to stderr, the rendering to stdout. --project narrows what is shown
    (text and markdown), never what is planned or checked.
    """
    chosen = selection(projects)
    if chosen is not None and (output_format == "json" or out is not None):
        raise click.UsageError(
            "--project narrows what is shown, but the JSON plan and --out are the whole, "
            "checksummed plan: use --format text or markdown, without --out"
        )
    options = PlanOptions(
        config_dir=config_dir,
        target=target,
        token_file=token_file,
        use_cache=not no_cache,
        allow_mass_change=allow_mass_change,
        max_remove_share=max_remove_share,
        max_delete_share=max_delete_share,
        audit_log=audit_log,
        allow_delete=frozenset(allow_delete),
        now=now,
    )
    try:
        planned = run_plan(options)
        if chosen is not None:
            chosen.check([*planned.live.projects, *planned.desired.snapshot.projects])
        sensitive = sensitive_changes(
            planned.plan, planned.desired.snapshot, planned.live, planned.settings
        )
        if out is not None:
            _save(out, planned, config_dir, sensitive)
    except ReconcilerError as exc:
        fail(exc)
    color = output_format == "text" and use_color(no_color)
    context = RenderContext(groups=planned.live.groups, selection=chosen)
    with paused_gc():  # else the collection the plan's making put off would come here
        text = render(planned.plan, output_format, color=color, context=context)
        if markdown_full is not None:
            full = render_markdown(planned.plan, budget=FULL_BUDGET, context=context)
            markdown_full.write_text(full, encoding="utf-8")
    click.echo(text, nl=False, color=color)
    try:
        check_permissions(planned.identity, planned.plan.changes, need_write=True)
    except MissingPermissionError as exc:  # fine for a review; `apply` will refuse
        click.echo(f"note: {exc.detail}; a token that may write is needed to apply it", err=True)
    for item in sensitive:
        click.echo(f"note: needs an approval ({item.code}): {clean(item.message)}", err=True)
    left_for_the_exit(planned, text)
    raise SystemExit(_exit_code(planned, detailed_exitcode))


def _in_a_directory(out: Path | None) -> Path | None:
    """``--out`` is checked before planning: its directory must exist."""
    if out is not None and not out.absolute().parent.is_dir():
        raise click.BadParameter(f"directory {printable(str(out.parent))} does not exist")
    return out


def _save(out: Path, planned: Planned, config_dir: Path, sensitive: tuple[Sensitive, ...]) -> None:
    save_plan(
        out,
        planned.plan,
        files_digest=planned.files_digest,
        git_commit=_clean_commit(config_dir),
        target_label=planned.target_label,
        sensitive=sensitive,
    )
    click.echo(f"Saved the plan to {printable(str(out))} ({planned.plan.checksum()}).", err=True)


def _clean_commit(config_dir: Path) -> str | None:
    """The commit holding exactly the files planned from, else None (and a note why)."""
    checkout = locate(config_dir)
    git = checkout.metadata(dirty=True)
    if git.commit is not None and git.dirty is False:
        return git.commit
    if checkout.root is None:
        why = checkout.problem
    elif git.dirty is None:
        why = "git cannot tell whether it has uncommitted changes"
    else:
        why = "uncommitted changes" if git.dirty else "no commit yet"
    shown = printable(f"{config_dir}: {why}")
    click.echo(f"note: {shown}, so the saved plan names no commit", err=True)
    return None


def _exit_code(planned: Planned, detailed: bool) -> int:
    plan = planned.plan
    if not plan.applicable:
        return 1
    if detailed:
        return 0 if plan.empty else 2
    return 0
