"""``reconciler offboard``: remove leavers from every project and role holding in the files."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import click

from reconciler.cli.options import config_dir_option, no_cache_option
from reconciler.cli.output import fail
from reconciler.config.yamlread import require_libyaml
from reconciler.drift.offboard import Offboarded, offboard
from reconciler.errors import ReconcilerError, UsageError, printable, printable_lines


def read_logins(stream: TextIO) -> list[str]:
    """One login a line; blank lines and ``#`` comments are skipped."""
    logins = []
    for line in stream:
        text = line.split("#", 1)[0].strip()
        if text:
            logins.append(text)
    return logins


@click.command("offboard")
@click.argument("logins", nargs=-1, metavar="LOGIN...")
@click.option(
    "--from-file",
    "from_file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="Also read logins from this file, one a line ('#' comments; '-' for stdin).",
)
@config_dir_option
@click.option("--dry-run", is_flag=True, help="Print the diff only; write nothing.")
@no_cache_option
def offboard_command(
    *,
    logins: tuple[str, ...],
    from_file: TextIO | None,
    config_dir: Path,
    dry_run: bool,
    no_cache: bool,
) -> None:
    """Remove users who left from every project's members.users and every role's users.

    Entries go in either form (a login, or {login, until, reason}); comments, order and
    layout of everything else stay as written. Prints the diff on stdout and the files
    changed on stderr, and writes only when the whole resulting directory validates
    (exit 1, nothing written, when it would not). Review the diff and open a pull
    request: the plan of that change removes the users on the platform. Group
    membership lives on the platform, not in the files: remove leavers from their
    groups there. Every file is parsed again, so it reads and writes no parse cache,
    with or without --no-cache (accepted as on every command that reads the config).
    """
    del no_cache  # offboard never uses the parse cache: what --no-cache asks is the rule
    wanted = [*logins, *(read_logins(from_file) if from_file is not None else [])]
    if not wanted:
        raise click.UsageError("give at least one LOGIN, or --from-file FILE")
    if not config_dir.is_dir():
        raise UsageError(f"config directory not found: {printable(str(config_dir))}")
    try:
        require_libyaml()
        result = offboard(config_dir, dict.fromkeys(wanted), write=not dry_run)
    except ReconcilerError as exc:
        fail(exc)
    click.echo(printable_lines(result.diff()), nl=False)
    _summary(result, dry_run)


def _summary(result: Offboarded, dry_run: bool) -> None:
    verb = "Would change" if dry_run else "Changed"
    lines = [f"{verb} {len(result.changed)} file(s) under {result.config_dir}:"]
    lines += [f"  {path}" for path in result.changed]
    if result.removals:
        lines.append("Removed:")
        lines += [f"  {removal}" for removal in result.removals]
    for login, close in result.not_found.items():
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        lines.append(f"note: no file lists {login}{hint}")
    if result.changed and not dry_run:
        lines.append("Review the diff, commit it and open a pull request.")
    click.echo("\n".join(printable(line) for line in lines), err=True)
