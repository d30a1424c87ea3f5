"""Helpers for the apply tests: git, polling with a deadline, a sandbox served by
``reconciler sandbox serve`` in a process of its own (so a test can kill it)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from usercli import UserShell

#: Seconds any one wait of a test may take before it fails.
DEADLINE = 60.0
#: The audit log of a user's shell (the default, relative to the repository).
AUDIT = ".reconciler/audit.jsonl"


def git(repo: Path, *args: str) -> str:
    env_args = ["-c", "user.name=Test Author", "-c", "user.email=author@example.com"]
    done = subprocess.run(
        ["git", *env_args, *args], cwd=repo, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, probe: Callable[[], Any], *, proc: subprocess.Popen[Any]) -> Any:
    """Poll ``probe`` until it answers something truthy; fail clearly on a deadline or
    when ``proc`` exits first."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        if proc.poll() is not None:
            pytest.fail(f"process exited with {proc.returncode} while waiting for {what}")
        time.sleep(0.02)
    pytest.fail(f"timed out after {DEADLINE:g} s waiting for {what}")


@dataclass(frozen=True)
class Served:
    url: str
    proc: subprocess.Popen[bytes]


@contextmanager
def serving(db: Path, cwd: Path) -> Iterator[Served]:
    """``reconciler sandbox serve --db DB`` on a free loopback port, in its own process;
    stopped (killed if need be) on the way out."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v1"
    with (cwd / "serve.log").open("ab") as out:
        serve = ["sandbox", "serve", "--db", str(db), "--port", str(port)]
        proc = subprocess.Popen(
            [sys.executable, "-m", "reconciler", *serve],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
        )

    def answers() -> bool:
        try:
            return httpx.get(f"{url}/company", timeout=1).status_code < 500
        except httpx.TransportError:
            return False

    try:
        wait_for("the sandbox to answer", answers, proc=proc)
        yield Served(url, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Platform:
    url: str
    token: str

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        answer = httpx.request(method, self.url + path, headers=headers, timeout=30, **kwargs)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def faults(self, **settings: Any) -> None:
        self.call("PUT", "/admin/faults", json=settings)

    def changelog(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None:
            page = self.call("GET", "/changelog", params={"offset": offset, "limit": 1000})
            items += page["items"]
            offset = page["next_offset"]
        return items


def connect(shell: UserShell, url: str, token: str) -> Platform:
    shell.env.update(RECONCILER_TARGET=url, RECONCILER_TOKEN=token)
    return Platform(url, token)
