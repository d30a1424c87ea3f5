"""Target parsing and token resolution: clear errors, no token ever echoed."""

from __future__ import annotations

import asyncio
import logging
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from live_helpers import SECRET

from reconciler.engine.targets import (
    DEFAULT_SANDBOX,
    check_target,
    open_target,
    parse_target,
    resolve_token,
    sandbox_token_path,
)
from reconciler.errors import UsageError
from reconciler.live.protocol import Identity
from reconciler.sandbox.app import create_app
from reconciler.sandbox.demo import init_company


@pytest.mark.parametrize(
    "target",
    [
        "https://company.example/api/v1",
        "https://company.example:8443/api/v1/",
        "http://127.0.0.1:8765/api/v1",
        "http://127.9.9.9/api/v1",
        "http://localhost:8000/api/v1",
        "http://[::1]:8000/api/v1",
    ],
)
def test_http_targets(target: str) -> None:
    parsed = parse_target(target)
    assert parsed.kind == "http" and parsed.url == target.rstrip("/")


def test_sandbox_target(tmp_path: Path) -> None:
    parsed = parse_target(f"sandbox:{tmp_path}/s.db")
    assert parsed.kind == "sandbox" and parsed.path == tmp_path / "s.db"
    assert parsed.token_path == tmp_path / "s.db.token"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("http://company.example/api/v1", "refusing plain http to company.example"),
        ("http://10.0.0.5/api/v1", "refusing plain http"),
        ("ftp://x/api", "unknown target 'ftp:'"),
        ("company.example", "unknown target 'company.example'"),
        ("sandbox:", "needs a file path"),
        (f"https://x.example/api/v1?api_token={SECRET}", "must not carry credentials"),
        (f"https://me:{SECRET}@x.example/api/v1", "must not carry credentials"),
    ],
)
def test_bad_targets_say_why_without_echoing_secrets(target: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as info:
        parse_target(target)
    assert SECRET not in str(info.value)
    assert info.value.exit_code == 2


def test_token_from_file_wins_then_env(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(SECRET + "\n")
    env = {"RECONCILER_TOKEN": "from-env"}
    assert resolve_token(token_file, "https://x.example/api/v1", environ=env).reveal() == SECRET  # type: ignore[union-attr]
    assert resolve_token(None, "https://x.example/api/v1", environ=env).reveal() == "from-env"  # type: ignore[union-attr]
    assert resolve_token(None, "https://x.example/api/v1", environ={}) is None


def test_sandbox_token_file_is_the_fallback(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    target = f"sandbox:{db}"
    assert resolve_token(None, target, environ={}) is None
    sandbox_token_path(db).write_text("sandbox-token\n")
    assert resolve_token(None, target, environ={}).reveal() == "sandbox-token"  # type: ignore[union-attr]
    assert resolve_token(None, target, environ={"RECONCILER_TOKEN": "e"}).reveal() == "e"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("", "is empty"),
        ("  \n", "is empty"),
        ("two words", "one token on one line"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_token_file_errors(tmp_path: Path, content: str | bytes | None, message: str) -> None:
    path = tmp_path / "token"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(UsageError, match=message) as info:
        resolve_token(path, "https://x.example/api/v1", environ={})
    assert "words" not in str(info.value)


def test_token_file_that_is_a_directory_or_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a directory"):
        resolve_token(tmp_path, "https://x.example/api/v1", environ={})
    locked = tmp_path / "locked"
    locked.write_text(SECRET)
    locked.chmod(0)
    try:
        if locked.stat().st_mode & stat.S_IRUSR == 0 and _cannot_read(locked):
            with pytest.raises(UsageError, match="not readable"):
                resolve_token(locked, "https://x.example/api/v1", environ={})
    finally:
        locked.chmod(0o600)


def _cannot_read(path: Path) -> bool:
    try:
        path.read_bytes()
    except PermissionError:
        return True
    return False  # running as root: permissions do not apply


def test_empty_env_token_is_an_error() -> None:
    with pytest.raises(UsageError, match="RECONCILER_TOKEN is set but empty"):
        resolve_token(None, "https://x.example/api/v1", environ={"RECONCILER_TOKEN": " "})


def test_http_target_without_token_is_refused() -> None:
    with pytest.raises(UsageError, match="no API token: set RECONCILER_TOKEN"):
        open_target("https://x.example/api/v1", token=None)


def test_the_default_sandbox_is_created_once_with_one_notice(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.chdir(tmp_path)
    db = DEFAULT_SANDBOX
    target = f"sandbox:./{db}"

    async def session() -> Identity:
        token = resolve_token(None, target, environ={})
        async with open_target(target, token=token) as live:
            await live.fetch_snapshot()
            return await live.whoami()

    first = asyncio.run(session())
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "Created the embedded sandbox" in err
    assert str(sandbox_token_path(db)) in err and out == ""
    assert stat.S_IMODE(sandbox_token_path(db).stat().st_mode) == 0o600
    secret = sandbox_token_path(db).read_text().strip()

    second = asyncio.run(session())  # the token now comes from PATH.token; no notice
    out2, err2 = capsys.readouterr()
    assert first == second and first.login == "reconciler"
    assert (out2, err2) == ("", "")
    assert secret not in out + err + caplog.text


@pytest.mark.parametrize("name", ["typo/x.db", "x.db", ".reconciler/other.db"])
def test_only_the_default_sandbox_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    for target in (f"sandbox:{name}", f"sandbox:{tmp_path / name}"):
        with pytest.raises(UsageError, match=r"does not exist .*reconciler sandbox init --db"):
            check_target(target)
        with pytest.raises(UsageError, match="does not exist"):
            open_target(target, token=None)
    assert list(tmp_path.iterdir()) == [], "nothing created"
    assert check_target(f"sandbox:{tmp_path / DEFAULT_SANDBOX}").path is not None


def test_a_sandbox_without_its_token_file_asks_for_a_token(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    init_company(db, demo=False)
    with pytest.raises(UsageError, match=r"s\.db\.token is missing; set RECONCILER_TOKEN"):
        open_target(f"sandbox:{db}", token=None)


def test_a_served_sandbox_target_over_real_http(
    tmp_path: Path, served_app: Callable[[Any], str]
) -> None:
    db = tmp_path / "s.db"
    token = init_company(db, demo=True)
    url = served_app(create_app(db))

    async def go() -> Identity:
        async with open_target(url, token=token) as live:
            return await live.whoami()

    assert asyncio.run(go()).login == "reconciler"
