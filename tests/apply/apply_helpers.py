"""Helpers for the apply tests: git, polling with a deadline, a sandbox served by
``reconciler sandbox serve`` in a process of its own (so a test can kill it), and a
command at a pseudo-terminal (``Terminal``)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import socket
import subprocess
import sys
import termios
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


#: What the confirmation prompt of ``reconciler apply`` says.
PROMPT = b"Only 'yes' will be accepted"


def _controlling_terminal() -> None:  # in the child, after setsid
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """A command on a pseudo-terminal (its stdin, stdout and stderr), in a session of its
    own. ``controlling``: the terminal is its controlling terminal, with the command in
    its foreground, so a typed Ctrl-C is a SIGINT from the terminal driver."""

    def __init__(
        self, args: list[str], cwd: Path, env: dict[str, str], *, controlling: bool = False
    ) -> None:
        self.main, child = pty.openpty()
        self.proc = subprocess.Popen(
            args,
            cwd=cwd,
            stdin=child,
            stdout=child,
            stderr=child,
            env=env,
            start_new_session=True,
            preexec_fn=_controlling_terminal if controlling else None,  # noqa: PLW1509
        )
        os.close(child)
        self.screen = b""

    def _read(self, timeout: float) -> bool:
        """Read what is there within ``timeout``; False once the terminal is closed."""
        if not select.select([self.main], [], [], timeout)[0]:
            return True
        try:
            chunk = os.read(self.main, 65536)
        except OSError:  # the child closed the terminal
            return False
        self.screen += chunk
        return bool(chunk)

    def wait_for(self, text: bytes) -> None:
        """Read until ``text`` is on the screen; fail at the deadline or when it ends."""
        end = time.monotonic() + DEADLINE
        while text not in self.screen:
            if time.monotonic() > end or not self._read(0.2):
                pytest.fail(f"no {text!r} on the screen: {self.screen[-2000:]!r}")

    def type(self, keys: bytes) -> None:
        os.write(self.main, keys)

    def finish(self) -> tuple[int, str]:
        """Read until the command ends; its exit code and the whole screen."""
        end = time.monotonic() + DEADLINE
        while self._read(0.2):  # until the terminal is closed: the command ended
            if self.proc.poll() is not None and not select.select([self.main], [], [], 0)[0]:
                break
            if time.monotonic() > end:
                pytest.fail(f"no exit within {DEADLINE} s: {self.screen[-2000:]!r}")
        return self.proc.wait(timeout=DEADLINE), self.screen.decode(errors="replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.main)
