"""``reconciler sandbox``: create, serve and describe the embedded sandbox; add users and
hand out their tokens, so README's stories (a hand edit by another user, a read-only
token) can be tried from the shell."""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import os
import re
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import uvicorn

from reconciler.errors import ReconcilerError, UsageError
from reconciler.kinds import ADMIN_ROLE, PERMISSIONS
from reconciler.render.describe import clean
from reconciler.sandbox.app import create_app
from reconciler.sandbox.demo import has_user, init_company, issue_token, make_user
from reconciler.sandbox.openapi import render_openapi, write_openapi

LOOPBACK_NAMES = frozenset({"localhost"})
_LOGIN = re.compile(r"[^\s\x00-\x1f\x7f-\x9f]+")

_DB_OPTION = click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="SQLite file of the company (see `sandbox init`; the default target's is "
    ".reconciler/sandbox.db).",
)
_TOKEN_FILE_OPTION = click.option(
    "--token-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the token here (mode 0600) instead of printing it.",
)
_FORCE_OPTION = click.option("--force", is_flag=True, help="Replace an existing --token-file.")


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
        raise UsageError(f"{clean(str(token_file))} already exists; pass --force to replace it")
    token = init_company(db_path, demo=demo, force=force)
    if token_file is None:
        click.echo(token)
        return
    _write_secret(token_file, token)
    click.echo(f"Admin token written to {clean(str(token_file))}")


def _hand_out(token_file: Path | None, token: str, whose: str) -> None:
    """Print the token, or write it to ``token_file`` and say where."""
    if token_file is None:
        click.echo(token)
        return
    _write_secret(token_file, token)
    click.echo(f"Token for {whose} written to {clean(str(token_file))}")


def _existing_db(db_path: Path, token_file: Path | None, force: bool) -> None:
    """Refuse before anything is written: no database there, or a token file in the way."""
    if not db_path.is_file():
        raise UsageError(
            f"{clean(str(db_path))} does not exist; create it with `reconciler sandbox init` "
            "(or `reconciler plan` for the default .reconciler/sandbox.db)"
        )
    if token_file is not None and token_file.exists() and not force:
        raise UsageError(f"{clean(str(token_file))} already exists; pass --force to replace it")


@contextmanager
def _sandbox_errors(db_path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise UsageError(f"{clean(str(db_path))} is not a sandbox database ({exc})") from None


@sandbox_group.command("token")
@_DB_OPTION
@click.option("--user", "login", required=True, help="Login of an existing user.")
@_TOKEN_FILE_OPTION
@_FORCE_OPTION
def token_command(db_path: Path, login: str, token_file: Path | None, force: bool) -> None:
    """Issue a new API token for an existing user (earlier tokens stay valid).

    \b
    Example: the demo company's second Admin, to edit by hand through the API:
      reconciler sandbox token --db .reconciler/sandbox.db --user olga.admin \\
        --token-file olga.token
    """
    _existing_db(db_path, token_file, force)
    with _sandbox_errors(db_path):
        _hand_out(token_file, issue_token(db_path, login), clean(login))


@sandbox_group.command("user")
@click.argument("login")
@_DB_OPTION
@click.option(
    "--role",
    "roles",
    multiple=True,
    metavar="ROLE|PERMISSION",
    help=f"A role to hold ({ADMIN_ROLE}, or a custom role's name), or a permission "
    f"({', '.join(PERMISSIONS)}: a role of that name holding just it, made on first use "
    "and then listed as unmanaged). Repeatable.",
)
@click.option("--group", "groups", multiple=True, help="A group to join. Repeatable.")
@click.option("--project", "projects", multiple=True, help="A project to join. Repeatable.")
@click.option("--name", default=None, help="Display name of a new user (default: LOGIN).")
@_TOKEN_FILE_OPTION
@_FORCE_OPTION
def user_command(
    *,
    login: str,
    db_path: Path,
    roles: tuple[str, ...],
    groups: tuple[str, ...],
    projects: tuple[str, ...],
    name: str | None,
    token_file: Path | None,
    force: bool,
) -> None:
    """Create user LOGIN (or add to an existing one) with roles, groups and projects, and
    issue a token for them. Written straight to the database, as an administrator
    setting up the company would, so it is not in the change log.

    \b
    Example: an agent who sees project tiles, in a group and in Default:
      reconciler sandbox user --db .reconciler/sandbox.db new.agent \\
        --role project_list --group bank-collectors --project Default \\
        --token-file agent.token
    """
    if not _LOGIN.fullmatch(login):
        raise UsageError(f"login {clean(login)!r} must be one word without control characters")
    _existing_db(db_path, token_file, force)
    with _sandbox_errors(db_path):
        existed = has_user(db_path, login)
        token = make_user(db_path, login, roles=roles, groups=groups, projects=projects, name=name)
    _hand_out(token_file, token, clean(login))
    held = ", ".join(clean(r) for r in roles) or "no role"
    click.echo(f"{'Updated' if existed else 'Created'} user {clean(login)} ({held})", err=True)


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
        raise UsageError(
            f"--host {clean(host)} is not a loopback address; add --allow-remote to serve it"
        )
    if not db_path.exists():
        shown = clean(str(db_path))
        raise UsageError(f"{shown} does not exist; create it with `reconciler sandbox init`")
    sock = _listen(host, port)
    shown = f"[{clean(host)}]" if ":" in host else clean(host)
    port = sock.getsockname()[1]
    click.echo(f"Serving the sandbox at http://{shown}:{port}/api/v1 (Ctrl-C stops)", err=True)
    server = uvicorn.Server(uvicorn.Config(create_app(db_path), log_level="warning"))
    with sock, contextlib.suppress(KeyboardInterrupt):  # Ctrl-C stops it, as uvicorn.run
        server.run(sockets=[sock])


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` for uvicorn to serve on (as uvicorn binds one:
    IPv6 when ``host`` has a ``:``, ``SO_REUSEADDR``). Bound here, not by uvicorn, so a
    port in use is one ``error:`` line and exit 1, with no moment between checking the
    port and taking it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)  # uvicorn's backlog; a second bind that got in still fails here
    except OSError as exc:
        sock.close()
        where = f"{clean(host)}:{port}"
        if exc.errno == errno.EADDRINUSE:
            raise ReconcilerError(
                f"port {port} on {clean(host)} is already in use (another `sandbox serve`?): "
                "stop that server or pass another --port"
            ) from None
        raise ReconcilerError(f"cannot listen on {where}: {exc.strerror or exc}") from None
    return sock


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
    click.echo(f"Wrote {clean(str(out))}", err=True)
