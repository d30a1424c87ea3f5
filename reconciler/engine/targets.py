"""Where the live system is, and the token to reach it.

A target is one of:

* ``https://HOST/api/v1`` -- a platform speaking the projects API v1 over HTTPS;
* ``http://127.0.0.1:PORT/api/v1`` -- plain HTTP, allowed only to a loopback address
  (the sandbox served by ``uvicorn`` on this machine);
* ``sandbox:PATH`` -- the embedded sandbox, in-process on the SQLite file PATH
  (``reconciler.sandbox.inprocess``: the reads a plan makes answered without the web
  app, the rest by it, built when first needed). Only the default PATH
  (``.reconciler/sandbox.db``, relative to the current directory) is created on first
  use, with the demo company, its admin token kept next to it in ``PATH.token`` (mode
  0600) and one notice on stderr; any other PATH must exist (``reconciler sandbox
  init``), so a typo never plans against a new company;
* ``okitoki:https://COMPANY.oki-toki.net`` -- a real account, through the routes of the
  platform's own web app (``reconciler.live.okitoki``); ``okitoki:http://127.0.0.1:PORT``
  (a served sandbox's web app face) and ``okitoki:sandbox:PATH`` (in-process) likewise.

Which adapter a target gets is decided here and nowhere else: the rest of the program
sees a ``LiveSystem`` and asks its ``capabilities``.

The token comes from ``RECONCILER_TOKEN`` or a token file, never from a command-line
value; for a sandbox target ``PATH.token`` is used when neither is given.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import random
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

import httpx

from reconciler.errors import UsageError, printable
from reconciler.fsutil import stays_inside
from reconciler.live.client import ApiClient
from reconciler.live.protocol import OpenLive
from reconciler.live.retry import Sleep
from reconciler.live.secret import Token
from reconciler.live.session import ClientSettings
from reconciler.live.tuning import client_settings

TOKEN_ENV = "RECONCILER_TOKEN"  # noqa: S105 -- the name of a variable, not a secret
SANDBOX_PREFIX = "sandbox:"
WEBAPP_PREFIX = "okitoki:"
SANDBOX_ROOT = "http://sandbox.local"
SANDBOX_BASE_URL = f"{SANDBOX_ROOT}/api/v1"
#: The one sandbox created on first use (relative to the current directory).
DEFAULT_SANDBOX = Path(".reconciler") / "sandbox.db"
_HELP = (
    "use https://HOST/api/v1, http://127.0.0.1:PORT/api/v1, sandbox:PATH, or "
    "okitoki:https://COMPANY.oki-toki.net for the platform's web app"
)
Api = Literal["v1", "webapp"]


@dataclass(frozen=True, slots=True)
class Target:
    kind: Literal["http", "sandbox"]
    url: str = ""
    path: Path | None = None
    #: which API it speaks: the projects API v1, or the platform's web app routes
    api: Api = "v1"

    @property
    def token_path(self) -> Path | None:
        return sandbox_token_path(self.path) if self.path is not None else None


def sandbox_token_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".token")


def parse_target(target: str) -> Target:
    """Check a ``--target`` value; ``UsageError`` says what is wrong (never echoing a
    query string, which could hold a token)."""
    text = target.strip()
    api: Api = "v1"
    if text.startswith(WEBAPP_PREFIX):
        api, text = "webapp", text[len(WEBAPP_PREFIX) :]
        if not text:
            raise UsageError(
                "target 'okitoki:' needs the account's address, e.g. "
                "okitoki:https://COMPANY.oki-toki.net"
            )
    if text.startswith(SANDBOX_PREFIX):
        raw = text[len(SANDBOX_PREFIX) :]
        if not raw:
            raise UsageError(
                "target 'sandbox:' needs a file path, e.g. sandbox:.reconciler/sandbox.db"
            )
        return Target("sandbox", path=Path(raw).expanduser(), api=api)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"unknown target {parts.scheme + ':' if parts.scheme else text!r}: {_HELP}"
        )
    if any(k == "api_token" for k, _ in parse_qsl(parts.query)) or parts.username or parts.password:
        raise UsageError(
            "the target URL must not carry credentials: put the token in RECONCILER_TOKEN "
            "or a --token-file"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise UsageError(
            f"refusing plain http to {parts.hostname}: the token would cross the network "
            "unencrypted; use https (plain http is only for 127.0.0.1/localhost)"
        )
    if api == "webapp" and parts.path.strip("/"):
        raise UsageError(
            f"okitoki: takes the account's address without a path (the web app's routes "
            f"are under /a/), e.g. okitoki:{parts.scheme}://{parts.hostname}"
        )
    return Target("http", url=text.rstrip("/"), api=api)


def lock_key(target: str) -> str:
    """The account a target reaches, as the apply lock knows it: one key however the
    target is spelled and through whichever API. A sandbox is its file's real path
    (``sandbox:db``, ``sandbox:./db``, ``sandbox:$PWD/db`` and ``okitoki:sandbox:db`` are
    one), a URL its scheme, host (lower case) and port when not the default (the
    projects API under ``/api/v1`` and the web app of one host are one account); never
    credentials, path, query or fragment. A target that does not parse keys as written
    (it is refused before the lock is taken anyway)."""
    try:
        parsed = parse_target(target)
    except UsageError:
        return target
    if parsed.path is not None:
        return f"{SANDBOX_PREFIX}{os.path.realpath(parsed.path)}"
    parts = urlsplit(parsed.url)
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{host}" + ("" if parts.port in (None, default) else f":{parts.port}")


def check_target(target: str) -> Target:
    """``parse_target``, and a sandbox PATH other than the default must exist: what can
    be checked before anything runs. ``UsageError`` names the problem."""
    parsed = parse_target(target)
    if parsed.path is not None:
        _check_sandbox_path(parsed.path)
    return parsed


def _is_default_sandbox(path: Path) -> bool:
    return os.path.abspath(path) == os.path.abspath(DEFAULT_SANDBOX)


def _check_sandbox_path(path: Path) -> None:
    shown = printable(str(path))
    if path.is_dir():
        raise UsageError(f"sandbox database {shown} is a directory, not a file")
    if not path.exists() and not _is_default_sandbox(path):
        token = printable(str(sandbox_token_path(path)))
        raise UsageError(
            f"sandbox database {shown} does not exist (only the default "
            f"sandbox:{DEFAULT_SANDBOX.as_posix()} is created on first use); create it with "
            f"`reconciler sandbox init --db {shown} --demo --token-file {token}`"
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_token_file(path: Path) -> Token:
    """The token in ``path`` (one line); ``UsageError`` when missing, unreadable or empty
    (its one-line message shows ``path`` escaped)."""
    shown = printable(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"token file {shown} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"token file {shown} is a directory, not a file") from None
    except PermissionError:
        raise UsageError(f"token file {shown} is not readable (permission denied)") from None
    except UnicodeDecodeError:
        raise UsageError(f"token file {shown} is not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"cannot read token file {shown}: {exc.strerror}") from None
    value = text.strip()
    if not value:
        raise UsageError(f"token file {shown} is empty")
    if any(ch.isspace() for ch in value):
        raise UsageError(f"token file {shown} must hold one token on one line")
    return Token(value)


def resolve_token(
    token_file: Path | None, target: str, *, environ: Mapping[str, str] | None = None
) -> Token | None:
    """The token to use: ``token_file``, else ``RECONCILER_TOKEN``, else (sandbox targets)
    the sandbox's own token file. ``None`` when there is none (yet)."""
    env = os.environ if environ is None else environ
    if token_file is not None:
        return read_token_file(token_file)
    value = env.get(TOKEN_ENV)
    if value is not None:
        if not value.strip():
            raise UsageError(f"{TOKEN_ENV} is set but empty")
        return Token(value.strip())
    parsed = parse_target(target)
    if parsed.token_path is not None and parsed.token_path.exists():
        return read_token_file(parsed.token_path)
    return None


def open_target(
    target: str,
    *,
    token: Token | str | None,
    settings: ClientSettings | None = None,
    notice: Callable[[str], None] | None = None,
    sleep: Sleep = asyncio.sleep,
    rng: random.Random | None = None,
) -> OpenLive:
    """The live system ``target`` names (use it with ``async with``): an ``ApiClient``, or
    a ``WebAppClient`` for ``okitoki:`` targets. ``notice`` receives the one-line message
    about a newly created sandbox (default: stderr)."""
    parsed = parse_target(target)
    secret = Token(token) if isinstance(token, str) else token
    url, transport = parsed.url, None
    if parsed.kind == "sandbox":
        assert parsed.path is not None
        transport, secret = _sandbox(parsed.path, secret, notice or _stderr)
        url = SANDBOX_ROOT if parsed.api == "webapp" else SANDBOX_BASE_URL
    elif secret is None:
        hint = " (a session cookie NAME=VALUE, or an API token)" if parsed.api == "webapp" else ""
        raise UsageError(f"no API token: set {TOKEN_ENV} or pass --token-file{hint}")
    settings = settings or client_settings(
        in_process=parsed.kind == "sandbox", polite=parsed.api == "webapp"
    )
    if parsed.api == "webapp":
        from reconciler.live.okitoki import WebAppClient  # noqa: PLC0415 -- only its targets pay

        return WebAppClient(
            url, token=secret, settings=settings, transport=transport, sleep=sleep, rng=rng
        )
    return ApiClient(
        url, token=secret, settings=settings, transport=transport, sleep=sleep, rng=rng
    )


def _sandbox(
    path: Path, token: Token | None, notice: Callable[[str], None]
) -> tuple[httpx.AsyncBaseTransport, Token]:
    from reconciler.sandbox.inprocess import SandboxTransport  # noqa: PLC0415 -- only sandbox

    token_path = sandbox_token_path(path)
    _check_sandbox_path(path)
    if not path.exists():
        from reconciler.sandbox.demo import init_company  # noqa: PLC0415 -- only its creation

        if not stays_inside(path, Path.cwd()):  # a clone's symlinked .reconciler, say
            raise UsageError(
                f"refusing to create the embedded sandbox {printable(str(path))}: a symlink "
                "on its way leads outside the current directory; create a sandbox with "
                "`reconciler sandbox init --db PATH` and pass --target sandbox:PATH"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        token = Token(init_company(path, demo=True))
        _write_private(token_path, token)
        notice(
            f"Created the embedded sandbox {path} with the demo company; "
            f"its admin token is in {token_path}."
        )
    elif token is None:
        raise UsageError(
            f"no token for the sandbox {printable(str(path))}: {printable(str(token_path))} "
            f"is missing; set {TOKEN_ENV} "
            "or pass --token-file"
        )
    return SandboxTransport(path), token


def _write_private(path: Path, token: Token) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token.reveal() + "\n")
    path.chmod(0o600)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)
