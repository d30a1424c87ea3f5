"""``reconciler review``: every membership and role holding, and who granted it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from reconciler.audit.log import AuditLog
from reconciler.cli.options import (
    audit_log_option,
    config_dir_option,
    format_option,
    no_cache_option,
    no_color_option,
    now_option,
    target_options,
)
from reconciler.cli.output import fail
from reconciler.closenames import did_you_mean
from reconciler.engine.declared import load_desired
from reconciler.engine.session import PlanOptions, open_client, run_async, today
from reconciler.errors import ReconcilerError, UsageError, printable
from reconciler.live.protocol import ChangeLogEntry, ChangeLogReader
from reconciler.plan.saved import redact_target
from reconciler.review.history import git_grants
from reconciler.review.render import RENDERERS
from reconciler.review.report import Sources, applied_index, build_review
from reconciler.state.snapshot import Snapshot


@click.command("review")
@click.option("--project", metavar="NAME", default=None, help="One project's page only.")
@format_option("text", "markdown", "csv", "html")
@config_dir_option
@target_options
@audit_log_option
@now_option
@no_color_option
@no_cache_option
def review_command(
    *,
    project: str | None,
    output_format: str,
    config_dir: Path,
    target: str,
    token_file: Path | None,
    audit_log: Path,
    now: datetime | None,
    no_color: bool,
    no_cache: bool,
) -> None:
    """For every membership and role holding: since when it exists, which commit and
    pull request granted it, who wrote and who merged that commit, when it expires, and
    whether it was granted by hand on the platform instead.

    Sources: the platform's change log (where the target keeps one), the audit trail
    (--audit-log) and the git history of --config-dir. One page per project, then the
    role holdings (with --project: the roles that see everything). A `Review` document
    in the files records a review: the next review shows it as "last reviewed" and
    marks what was granted since. HTML prints one project per page.
    """
    del no_color  # this output has no colour; the option is accepted as everywhere
    options = PlanOptions(
        config_dir=config_dir,
        target=target,
        token_file=token_file,
        now=now,
        use_cache=not no_cache,
    )
    try:
        sources = _sources(options, audit_log)
        if project is not None:
            _check_project(project, sources)
        report = build_review(sources, project)
    except ReconcilerError as exc:
        fail(exc)
    click.echo(RENDERERS[output_format](report), nl=False)


def _sources(options: PlanOptions, audit_log: Path) -> Sources:
    loaded, desired = load_desired(options.config_dir, use_cache=options.use_cache)
    live, entries, has_log = run_async(_read_live(options))
    notes: list[str] = []
    if not has_log:
        notes.append(
            "the target keeps no change log: since when comes from the audit trail and git"
        )
    history = git_grants(options.config_dir)
    if history.problem:
        notes.append(f"{options.config_dir}: {history.problem}: no commit or pull request known")
    log = AuditLog(audit_log)
    applied = {}
    if audit_log.is_file():
        verified = log.verify()
        if not verified.ok:
            notes.append(f"{audit_log} does not verify: applies read from it may not be true")
        applied = applied_index(log.entries())
    else:
        notes.append(f"no audit log at {audit_log}: nothing known of applies")
    return Sources(
        declared=desired.snapshot,
        live=live,
        expiries=desired.settings.expiries,
        today=today(options),
        git=history,
        applied=applied,
        changelog=entries,
        reviews=loaded.reviews,
        target=redact_target(options.target),
        notes=tuple(notes),
    )


async def _read_live(options: PlanOptions) -> tuple[Snapshot, list[ChangeLogEntry], bool]:
    async with open_client(options.target, options.token_file) as (client, _identity):
        live = await client.fetch_snapshot()
        if isinstance(client, ChangeLogReader) and client.capabilities.change_log:
            return live, await client.read_changelog(), True
    return live, [], False


def _check_project(name: str, sources: Sources) -> None:
    known = sorted(sources.declared.projects.keys() | sources.live.projects.keys())
    if name not in known:
        hint = did_you_mean(name, known)
        raise UsageError(f"no project {printable(name)!r} in the files or live{hint}")
