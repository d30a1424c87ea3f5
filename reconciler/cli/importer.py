"""``reconciler import``: write projects.d/ from a live company."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import target_options
from reconciler.cli.output import fail
from reconciler.config.yamlread import require_libyaml
from reconciler.engine.session import open_client, run_async, stderr_notice
from reconciler.errors import ReconcilerError, printable
from reconciler.importer import placed_overlaps, write_projects_dir
from reconciler.importer.kept import Kept, kept_from
from reconciler.state.snapshot import Snapshot


async def _fetch(target: str, token_file: Path | None) -> Snapshot:
    async with open_client(target, token_file, notice=stderr_notice) as opened:
        client, _identity = opened
        return await client.fetch_snapshot()


@click.command("import")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory to write (must be empty or new, unless --force).",
)
@target_options
@click.option(
    "--force",
    is_flag=True,
    help="Write into a non-empty directory, replacing every *.yaml/*.yml file in it; "
    "files holding only Policy and Review documents (live has none) are kept, and members "
    "and role holders with an until date keep it.",
)
def import_command(*, out_dir: Path, target: str, token_file: Path | None, force: bool) -> None:
    """Read the live company and write a complete projects.d/ for it.

    One file per project (projects/<slug>.yaml), roles.yaml (custom roles and the
    Admin holders) and company.yaml. `reconciler validate` passes on the result (it is
    checked before anything is written) and `reconciler plan` against the same target
    shows no changes. A live name no file can hold (a space at either end, a line
    break) is named, and nothing is written.
    """
    try:
        require_libyaml()  # the files are checked as validate checks them before writing
        kept = kept_from(out_dir) if force else Kept()
        snapshot = run_async(_fetch(target, token_file))
        written = write_projects_dir(snapshot, out_dir, force=force, kept=kept)
    except ReconcilerError as exc:
        fail(exc)
    click.echo(
        f"Wrote {len(written)} files to {printable(str(out_dir))}: "
        f"{len(snapshot.projects)} projects, {len(snapshot.roles)} roles.",
        err=True,
    )
    if kept.files:
        click.echo(
            f"Kept {len(kept.files)} file{'s' if len(kept.files) > 1 else ''} import cannot "
            "write (Policy, Review): "
            + ", ".join(printable(str(out_dir / p)) for p in sorted(kept.files)),
            err=True,
        )
    if placed_overlaps(snapshot):
        click.echo(
            "Note: some members of Default are also in other projects; company.yaml keeps "
            "default_project.remove_placed_members: false so nothing changes (see its comment).",
            err=True,
        )
