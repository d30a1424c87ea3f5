"""``reconciler validate`` and ``reconciler schema``: static checks, no live system needed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from reconciler.cli.options import (
    CONFIG_DIRECTORY,
    config_dir_option,
    format_option,
    no_cache_option,
    no_color_option,
    now_option,
)
from reconciler.config.entries import expiry_warnings
from reconciler.config.loader import load_config
from reconciler.config.schema import schema_text
from reconciler.errors import ConfigError, printable
from reconciler.fsutil import write_text_atomic
from reconciler.render.github import problem_annotations

DEFAULT_SCHEMA_PATH = Path("schemas") / "projects.schema.json"


@click.command("validate")
@click.argument("directory", required=False, type=CONFIG_DIRECTORY)
@config_dir_option
@format_option("text", "json", "github")
@no_color_option
@no_cache_option
@now_option
def validate_command(
    *,
    directory: Path | None,
    config_dir: Path,
    output_format: str,
    no_color: bool,
    no_cache: bool,
    now: datetime | None,
) -> None:
    """Check the YAML documents in DIRECTORY (default: --config-dir).

    Prints one `path:line:col: error: message` line per problem, control characters in
    names and paths escaped (or a JSON list with --format json, holding the real
    strings; or GitHub Actions annotations with --format github, paths relative to the
    git repository holding the files). Exit 0 when valid, 1 when not, 2 on a usage error.
    Time-limited access whose `until` has come (this UTC day, or --now's) is a warning:
    still valid.
    """
    del no_color  # this output has no colour; the option is accepted as everywhere
    target = directory if directory is not None else config_dir
    try:
        loaded = load_config(target, use_cache=not no_cache)
    except ConfigError as exc:
        if output_format == "json":
            click.echo(json.dumps([p.to_dict() for p in exc.problems], indent=2))
        elif output_format == "github":
            click.echo(problem_annotations(exc.problems), nl=False)
        else:
            for problem in exc.problems:
                click.echo(str(problem))
        files = len({p.position.path for p in exc.problems})
        count = len(exc.problems)
        click.echo(
            f"invalid: {count} problem{'s' * (count != 1)} in {files} "
            f"file{'s' * (files != 1)} under {printable(str(target))}",
            err=True,
        )
        raise click.exceptions.Exit(1) from exc
    warnings = expiry_warnings(loaded.documents, (now or datetime.now(UTC)).date())
    summary = f"ok: {len(loaded.documents)} documents in {len(loaded.files)} files"
    if warnings:
        summary += f" ({len(warnings)} warning{'s' * (len(warnings) != 1)})"
    if output_format == "json":
        click.echo(json.dumps([p.to_dict() for p in warnings], indent=2) if warnings else "[]")
        click.echo(summary, err=True)
    elif output_format == "github":
        click.echo(problem_annotations(warnings), nl=False)
        click.echo(summary, err=True)
    else:
        for warning in warnings:
            click.echo(str(warning))
        click.echo(summary)


@click.command("schema")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    default=DEFAULT_SCHEMA_PATH,
    show_default=True,
    help="Where to write the JSON Schema ('-' for standard output).",
)
def schema_command(out: Path) -> None:
    """Write the JSON Schema of the documents (for editors and CI tools)."""
    text = schema_text()
    if str(out) == "-":
        click.echo(text, nl=False)
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out, text)
    except OSError as exc:
        raise click.FileError(str(out), hint=exc.strerror or str(exc)) from exc
    click.echo(f"wrote {printable(str(out))}")
