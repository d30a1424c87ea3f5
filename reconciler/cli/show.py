"""``reconciler show``: a saved plan, rendered again without planning."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import format_option, no_color_option
from reconciler.cli.output import fail, use_color
from reconciler.errors import ReconcilerError
from reconciler.plan.saved import load_saved_plan
from reconciler.render import render
from reconciler.render.github import plan_annotations


@click.command("show")
@click.argument("plan_file", type=click.Path(path_type=Path, dir_okay=False))
@format_option("text", "json", "markdown", "github")
@no_color_option
def show_command(plan_file: Path, output_format: str, no_color: bool) -> None:
    """Show a plan saved by `reconciler plan --out` (its checksum is checked first),
    as `reconciler plan` renders it (--format json: the same JSON as `plan`).

    --format github prints GitHub Actions annotations: one per violation (an error
    when it blocks) on the file and line it names, and one warning per change that
    needs an approval. Nothing is read from the target.
    """
    try:
        saved = load_saved_plan(plan_file)
    except ReconcilerError as exc:
        fail(exc)
    if output_format == "github":
        click.echo(plan_annotations(saved.plan, saved.sensitive), nl=False)
        return
    color = output_format == "text" and use_color(no_color)
    click.echo(render(saved.plan, output_format, color=color), nl=False, color=color)
