"""``reconciler sandbox``: create, serve and describe the embedded sandbox."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import click
import uvicorn

from reconciler.errors import UsageError
from reconciler.sandbox.app import create_app
from reconciler.sandbox.demo import init_company
from reconciler.sandbox.openapi import render_openapi, write_openapi

LOOPBACK_NAMES = frozenset({"localhost"})


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.group("sandbox")
def sandbox_group() -> None:
    """The embedded sandbox: the platform's projects API over a local SQLite file."""


@sandbox_group.command("init")
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="SQLite file to create.",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Fill it with the demo company (users, groups, "
    "objects the bundled projects.d/ refers to, all in Default).",
)
@click.option(
    "--token-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the Admin token here (mode 0600) instead of printing it.",
)
@click.option("--force", is_flag=True, help="Replace an existing database.")
def init_command(db_path: Path, demo: bool, token_file: Path | None, force: bool) -> None:
    """Create a company and print an Admin token for the user `reconciler`."""
    if token_file is not None and token_file.exists() and not force:
        raise UsageError(f"{token_file} already exists; pass --force to replace it")
    token = init_company(db_path, demo=demo, force=force)
    if token_file is None:
        click.echo(token)
        return
    _write_secret(token_file, token)
    click.echo(f"Admin token written to {token_file}")


def _write_secret(path: Path, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")


@sandbox_group.command("serve")
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="SQLite file of the company (see `sandbox init`).",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; loopback only unless --allow-remote.",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a non-loopback --host (the sandbox has no TLS: test networks only).",
)
def serve_command(db_path: Path, port: int, host: str, allow_remote: bool) -> None:
    """Serve the projects API v1 under uvicorn at http://HOST:PORT/api/v1."""
    if not _is_loopback(host) and not allow_remote:
        raise UsageError(f"--host {host} is not a loopback address; add --allow-remote to serve it")
    if not db_path.exists():
        raise UsageError(f"{db_path} does not exist; create it with `reconciler sandbox init`")
    click.echo(f"Serving the sandbox at http://{host}:{port}/api/v1 (Ctrl-C stops)", err=True)
    uvicorn.run(create_app(db_path), host=host, port=port, log_level="warning")


@sandbox_group.command("openapi")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="File to write (default: print to stdout).",
)
def openapi_command(out: Path | None) -> None:
    """Write the OpenAPI document of the projects API v1."""
    if out is None:
        click.echo(render_openapi(), nl=False)
        return
    write_openapi(out)
    click.echo(f"Wrote {out}", err=True)
