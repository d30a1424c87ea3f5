"""How commands end: errors on stderr with their exit code, colour only on a terminal.

A usage error (exit 2) is shown as click shows its own, ``Error: message``; every other
error as ``error: message``."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import click

from reconciler.errors import ConfigError, ReconcilerError, UsageError, printable_lines


def use_color(no_color: bool) -> bool:
    """Colour on a terminal, unless ``--no-color`` or a non-empty ``NO_COLOR``."""
    return not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def fail(exc: ReconcilerError, *, exit_code: int | None = None) -> NoReturn:
    """Show ``exc`` on stderr (every problem of a ``ConfigError``) and exit."""
    if isinstance(exc, ConfigError) and exc.problems:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        count = sum(1 for p in exc.problems if p.severity == "error")
        click.echo(f"error: the configuration has {count} error(s)", err=True)
    else:
        click.echo(error_text(exc, exit_code), err=True)
    raise SystemExit(exc.exit_code if exit_code is None else exit_code)


def error_text(exc: ReconcilerError, exit_code: int | None = None) -> str:
    """``exc`` as stderr shows it: ``Error: ...`` when it is a usage error ending the
    command with 2 (the form of click's usage errors), else ``error: ...``."""
    code = exc.exit_code if exit_code is None else exit_code
    prefix = "Error" if isinstance(exc, UsageError) and code == 2 else "error"
    return f"{prefix}: {printable_lines(str(exc))}"
