"""Options shared by commands, so every command spells them the same way.

Values are checked where click parses them, so a bad one is a usage error (exit 2, one
message) before a command reads a file or opens a connection.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.audit.log import DEFAULT_LOG_PATH
from reconciler.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_CONFIG_DIR = "projects.d"
DEFAULT_TARGET = "sandbox:.reconciler/sandbox.db"


class _Directory(click.Path):
    """A directory, never an empty value: ``Path("")`` is ``.``, so ``--config-dir ""``
    (a variable that expanded to nothing) would walk the working directory."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value:
            self.fail("an empty path is not a directory", param, ctx)
        return super().convert(value, param, ctx)


#: The type of ``--config-dir`` and of ``validate DIRECTORY``.
CONFIG_DIRECTORY = _Directory(path_type=Path, file_okay=False)


def config_dir_option(f: F) -> F:
    return click.option(
        "--config-dir",
        "config_dir",
        type=CONFIG_DIRECTORY,
        envvar="RECONCILER_CONFIG_DIR",
        default=DEFAULT_CONFIG_DIR,
        show_default=True,
        help="Directory of YAML documents (searched recursively). Env: RECONCILER_CONFIG_DIR.",
    )(f)


def _check_target(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """``reconciler.engine.targets.check_target`` (its messages never echo the value, which
    could carry a secret), and the network settings of the environment with it."""
    from reconciler.engine.targets import check_target  # noqa: PLC0415 -- httpx: only targets
    from reconciler.live.tuning import client_settings  # noqa: PLC0415

    try:
        check_target(value)
    except UsageError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None
    try:
        client_settings()
    except UsageError as exc:
        raise click.UsageError(str(exc), ctx) from None
    return value


def _check_token_file(
    ctx: click.Context, param: click.Parameter, value: Path | None
) -> Path | None:
    from reconciler.engine.targets import read_token_file  # noqa: PLC0415

    if value is not None:
        try:
            read_token_file(value)
        except UsageError as exc:
            raise click.BadParameter(str(exc), ctx, param) from None
    return value


def target_options(f: F) -> F:
    """``--target`` and ``--token-file``; the token itself only ever comes from the
    environment (RECONCILER_TOKEN) or a file, never from an argument visible in ``ps``."""
    f = click.option(
        "--token-file",
        type=click.Path(path_type=Path, dir_okay=False),
        envvar="RECONCILER_TOKEN_FILE",
        default=None,
        callback=_check_token_file,
        help="File holding the API token (else RECONCILER_TOKEN; the embedded sandbox "
        "needs neither).",
    )(f)
    return click.option(
        "--target",
        callback=_check_target,
        envvar="RECONCILER_TARGET",
        default=DEFAULT_TARGET,
        show_default=True,
        help="Live system: an https://HOST/api/v1 URL, or sandbox:PATH for the embedded "
        "sandbox (only the default is created, with the demo company, on first use; other "
        "paths come from `reconciler sandbox init`). Env: RECONCILER_TARGET.",
    )(f)


_DURATION = re.compile(r"(\d+)([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
SINCE_FORMS = (
    "an ISO date or time (2026-11-30, 2026-11-30T10:00, 2026-11-30T10:00:00+02:00 or ...Z; "
    "UTC unless it carries an offset) or a duration back from now (90s, 30m, 24h, 7d, 2w, 1h30m)"
)


def parse_since(text: str, now: datetime) -> datetime:
    """``text`` as a UTC time: ISO 8601 (naive means UTC) or a duration before ``now``.
    ``ValueError`` when it is neither."""
    value = text.strip()
    pieces = _DURATION.findall(value)
    if pieces and _DURATION.sub("", value) == "":
        span = sum((timedelta(**{_UNITS[unit]: int(n)}) for n, unit in pieces), timedelta())
        return now.astimezone(UTC) - span
    when = datetime.fromisoformat(value)  # ValueError when not ISO
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def since_option(f: F) -> F:
    """``--since TIME``: a time or a duration back from now, passed on as RFC 3339 UTC."""

    def check(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            when = parse_since(value, datetime.now(UTC))
        except (ValueError, OverflowError):
            raise click.BadParameter(f"{value!r} is not a time: use {SINCE_FORMS}") from None
        return when.isoformat(timespec="seconds").replace("+00:00", "Z")

    return click.option(
        "--since",
        metavar="TIME",
        default=None,
        callback=check,
        help="Read the change log from this time only (default: all of it): an ISO date "
        "or time (UTC unless it has an offset) or a duration back from now (24h, 7d, 30m).",
    )(f)


NOW_FORMS = (
    "an ISO date or time (2026-12-31, 2026-12-31T09:00, ...+02:00 or ...Z; "
    "UTC unless it has an offset)"
)


def parse_now(text: str) -> datetime:
    """``text`` (ISO 8601; naive means UTC) as an aware UTC time; ``ValueError`` if not."""
    when = datetime.fromisoformat(text.strip())
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def now_option(f: F) -> F:
    """``--now TIME``: the moment to plan for (expiries), instead of the clock."""

    def check(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
        if value is None:
            return None
        try:
            return parse_now(value)
        except (ValueError, OverflowError):
            raise click.BadParameter(f"{value!r} is not a time: use {NOW_FORMS}") from None

    return click.option(
        "--now",
        metavar="TIME",
        envvar="RECONCILER_NOW",
        default=None,
        callback=check,
        help="Plan as of this moment instead of the clock, for reproducible runs: an ISO "
        "date or time (UTC unless it has an offset). Access whose `until` is this UTC day "
        "or earlier is expired. Env: RECONCILER_NOW.",
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


def project_option(f: F) -> F:
    """``--project NAME``: narrow what a command shows to some projects (globs)."""
    return click.option(
        "--project",
        "projects",
        metavar="NAME",
        multiple=True,
        help="Show only projects matching NAME (a glob such as 'Bank*'; repeatable); what "
        "the others hold is counted, never hidden silently. A NAME matching no project is "
        "an error.",
    )(f)


def state_option(f: F) -> F:
    """``--state live|desired``: which company a report reads."""
    return click.option(
        "--state",
        type=click.Choice(["live", "desired"]),
        default="live",
        show_default=True,
        help="live: the platform now; desired: after apply (files merged over live).",
    )(f)


def no_color_option(f: F) -> F:
    """``--no-color``, on every command that renders (NO_COLOR is honoured too)."""
    return click.option(
        "--no-color",
        is_flag=True,
        help="Never colour the output (also: NO_COLOR). Colour is used on a terminal only.",
    )(f)


def no_cache_option(f: F) -> F:
    """``--no-cache``, on every command that reads the config."""
    return click.option(
        "--no-cache",
        is_flag=True,
        help="Parse every file again, reading and writing no parse cache (also: "
        "RECONCILER_NO_CACHE=1). The cache lives in .reconciler/cache/ of the current "
        "directory when the config directory is inside it, else at the root of the git "
        "repository holding it, else nowhere.",
    )(f)


class Number(click.FloatRange):
    """A number from ``low`` to ``high``; unlike ``click.FloatRange``, never ``nan``
    (every comparison with it is false: a range lets it through, and a threshold of
    ``nan`` is never crossed, so the guard it sets would never fire)."""

    def __init__(self, low: float, high: float) -> None:
        super().__init__(low, high)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"{value!r} is not a number from {self.min:g} to {self.max:g}.", param, ctx)
        return number


_SHARE = Number(0.0, 1.0)


def threshold_options(f: F) -> F:
    """``--allow-mass-change``, ``--max-remove-share``, ``--max-delete-share``: the same
    on ``plan`` and ``apply``, so an apply refuses exactly what its plan refused."""
    f = click.option(
        "--max-delete-share",
        type=_SHARE,
        default=None,
        help="Largest share (0-1) of live projects a plan may delete [default: 0.25].",
    )(f)
    f = click.option(
        "--max-remove-share",
        type=_SHARE,
        default=None,
        help="Largest share (0-1) of live memberships a plan may remove [default: 0.25].",
    )(f)
    return click.option(
        "--allow-mass-change",
        is_flag=True,
        help="Accept a plan over the removal/deletion thresholds.",
    )(f)
