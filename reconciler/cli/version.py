"""``reconciler version``: what is installed, for a bug report or a CI log."""

from __future__ import annotations

import json
import platform
import sys
from importlib import metadata

import click

from reconciler import __version__
from reconciler.cli.options import format_option

#: The runtime dependencies whose versions decide behaviour (the lock file pins them).
DEPENDENCIES = ("pydantic", "ruamel.yaml", "ruamel.yaml.clib", "httpx", "click", "fastapi")


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def version_info() -> dict[str, object]:
    return {
        "version": __version__,
        "python": platform.python_version(),
        "platform": sys.platform,
        "dependencies": {name: _installed(name) for name in DEPENDENCIES},
    }


@click.command("version")
@format_option("text", "json")
def version_command(output_format: str) -> None:
    """Show the reconciler's version, Python's and the main dependencies' (the same
    version as `reconciler --version`)."""
    info = version_info()
    if output_format == "json":
        click.echo(json.dumps(info, indent=2))
        return
    click.echo(f"reconciler {__version__}")
    click.echo(f"python {info['python']} on {info['platform']}")
    for name in DEPENDENCIES:
        click.echo(f"{name} {_installed(name) or 'not installed'}")
