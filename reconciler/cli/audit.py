"""``reconciler audit``: verify, query and repair the audit trail."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.audit.log import DEFAULT_LOG_PATH, AuditLog
from reconciler.audit.query import (
    EFFECTIVE_OUTCOMES,
    Found,
    Query,
    describe_change,
    find_changes,
)
from reconciler.audit.record import CHANGE_STATUSES
from reconciler.cli.options import format_option
from reconciler.render.describe import clean

F = TypeVar("F", bound=Callable[..., Any])


def log_option(f: F) -> F:
    """``--audit-log``, as on ``plan`` and ``apply`` (``--log`` is its old name, kept)."""
    return click.option(
        "--audit-log",
        "--log",
        "log_path",
        type=click.Path(path_type=Path, dir_okay=False),
        envvar="RECONCILER_AUDIT_LOG",
        default=str(DEFAULT_LOG_PATH),
        show_default=True,
        help="The audit log (JSON Lines). Env: RECONCILER_AUDIT_LOG.",
    )(f)


@click.group("audit")
def audit_group() -> None:
    """Read and verify the audit trail: one hash-chained JSON line per apply phase
    (apply_started before the first write, apply_finished after the last)."""


@audit_group.command("verify")
@log_option
@format_option("text", "json")
@click.pass_context
def verify_command(ctx: click.Context, log_path: Path, output_format: str) -> None:
    """Check the hash chain end to end.

    Exits 0 with a one-line summary (records, last hash: keep it somewhere else to
    detect records cut from the end), or 1 naming the first bad record: an edited
    record (hash mismatch), a deleted or reordered one (prev_hash mismatch), or a
    truncated last record left by a crash. Interrupted applies are warnings.
    """
    result = AuditLog(log_path).verify()
    if output_format == "json":
        click.echo(json.dumps({"log": str(log_path), **result.to_dict()}, indent=2))
    else:
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
        if result.ok:
            click.echo(result.summary())
        else:
            click.echo(f"error: {clean(f'{log_path}: {result.summary()}')}", err=True)
            click.echo(_advice(result.problem.kind if result.problem else ""), err=True)
    ctx.exit(0 if result.ok else 1)


def _advice(kind: str) -> str:
    if kind == "torn":
        return (
            "The last write did not complete. `reconciler audit repair` moves the torn "
            "record to a .torn side file so appends can continue."
        )
    return (
        "The log was altered after it was written. Keep this copy as evidence and restore "
        "the log from a backup; the platform's change log (with commit and plan ids) "
        "holds the same history."
    )


@audit_group.command("log")
@log_option
@click.option("--commit", help="Only applies of this commit (a SHA prefix is enough).")
@click.option("--project", help="Only changes to this project (members, objects, the project).")
@click.option(
    "--user",
    "login",
    help="Only changes naming this user login: project membership and role holding. "
    "Group membership is not expanded: changes to a group the user is in are not shown.",
)
@click.option(
    "--all-outcomes",
    is_flag=True,
    help="Also list failed and not-started changes (default: applied, and unknown ones "
    "of interrupted applies).",
)
@format_option("text", "json")
def log_command(
    *,
    log_path: Path,
    commit: str | None,
    project: str | None,
    login: str | None,
    all_outcomes: bool,
    output_format: str,
) -> None:
    """List applied changes with time, commit, author and pull request.

    Answers "which commit gave alice access to the bank project, and when":
    `reconciler audit log --user alice --project Bank` (names match exactly).
    """
    log = AuditLog(log_path)
    verification = log.verify()
    if not verification.ok:
        click.echo(
            f"warning: {clean(str(log_path))} does not verify "
            f"({clean(verification.summary())}); "
            "results may be incomplete or altered",
            err=True,
        )
    outcomes = frozenset(CHANGE_STATUSES) if all_outcomes else EFFECTIVE_OUTCOMES
    query = Query(commit=commit, project=project, user=login, outcomes=outcomes)
    found = find_changes(log.entries(), query)
    if output_format == "json":
        click.echo(json.dumps([f.to_dict() for f in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("No matching changes.")
    for item in found:
        click.echo(_row(item))


def _row(item: Found) -> str:
    commit = (item.commit or "no-commit")[:12]
    pr = f"PR #{item.pr_number}" if item.pr_number is not None else "no PR"
    ids = ",".join(str(i) for i in item.change_ids) or "-"
    outcome = "" if item.outcome == "applied" else f" [{item.outcome}]"
    parts = [
        clean(item.time),
        clean(commit),
        clean(item.author or "unknown author"),
        pr,
        clean(item.actor),
        f"{item.change.get('type')}: {describe_change(item.change)}{outcome}",
        f"change ids {ids}",
    ]
    return "  ".join(parts)


@audit_group.command("repair")
@log_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def repair_command(log_path: Path, yes: bool) -> None:
    """Move a torn last record (left by a crash mid-write) to LOG.torn.

    Only a torn tail is repaired; an edited or deleted record is evidence and is left
    alone (`reconciler audit verify` names it).
    """
    log = AuditLog(log_path)
    problem = log.verify().problem
    if problem is None or problem.kind != "torn":
        click.echo(f"Nothing to repair: {log.verify().summary()}")
        return
    click.echo(clean(f"{log_path}: {problem}"))
    if not yes:
        click.confirm(f"Move the torn record to {clean(str(log_path))}.torn?", abort=True)
    result = log.repair()
    if result is None:
        click.echo("Nothing to repair: the log changed meanwhile.")
        return
    moved = f"Moved {result.torn_bytes} bytes to {result.side_file}. {log.verify().summary()}"
    click.echo(clean(moved))
