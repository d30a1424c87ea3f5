"""Options shared by commands, so every command spells them the same way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.audit.log import DEFAULT_LOG_PATH

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_CONFIG_DIR = "projects.d"
DEFAULT_TARGET = "sandbox:.reconciler/sandbox.db"


def config_dir_option(f: F) -> F:
    return click.option(
        "--config-dir",
        "config_dir",
        type=click.Path(path_type=Path, file_okay=False),
        envvar="RECONCILER_CONFIG_DIR",
        default=DEFAULT_CONFIG_DIR,
        show_default=True,
        help="Directory of YAML documents (searched recursively). Env: RECONCILER_CONFIG_DIR.",
    )(f)


def target_options(f: F) -> F:
    """``--target`` and ``--token-file``; the token itself only ever comes from the
    environment (RECONCILER_TOKEN) or a file, never from an argument visible in ``ps``."""
    f = click.option(
        "--token-file",
        type=click.Path(path_type=Path, dir_okay=False),
        envvar="RECONCILER_TOKEN_FILE",
        default=None,
        help="File holding the API token (else RECONCILER_TOKEN; the embedded sandbox "
        "needs neither).",
    )(f)
    return click.option(
        "--target",
        envvar="RECONCILER_TARGET",
        default=DEFAULT_TARGET,
        show_default=True,
        help="Live system: an https://HOST/api/v1 URL, or sandbox:PATH for the embedded "
        "sandbox (created with the demo company on first use). Env: RECONCILER_TARGET.",
    )(f)


def format_option(*choices: str, default: str = "text") -> Callable[[F], F]:
    def decorate(f: F) -> F:
        return click.option(
            "--format",
            "output_format",
            type=click.Choice(choices),
            default=default,
            show_default=True,
            help="Output format.",
        )(f)

    return decorate


def audit_log_option(f: F) -> F:
    """``--audit-log``: the log ``apply`` appends to, and where ``plan`` and ``apply`` read
    which projects the last successful apply protected."""
    return click.option(
        "--audit-log",
        type=click.Path(path_type=Path, dir_okay=False),
        envvar="RECONCILER_AUDIT_LOG",
        default=str(DEFAULT_LOG_PATH),
        show_default=True,
        help="The hash-chained audit log: apply appends to it; its last successful apply "
        "tells which projects were protected. Env: RECONCILER_AUDIT_LOG.",
    )(f)


def allow_delete_option(f: F) -> F:
    return click.option(
        "--allow-delete",
        "allow_delete",
        metavar="NAME",
        multiple=True,
        help="Acknowledge deleting project NAME (exact name, repeatable) where the audit "
        "trail and git cannot tell whether it was protected, or where the plan looks like "
        "a rename. Recorded in the plan and the audit log; never overrides a protection.",
    )(f)
