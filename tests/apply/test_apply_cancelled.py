"""``reconciler apply`` cancelled before its first write: Ctrl-C at the confirmation
prompt (typed at a real terminal, the process in the terminal's foreground), SIGTERM
there (a cancelled CI job), or either signal while the company is being read. Nothing is
written, no audit record is made, the exit code is 130 or 143, one line says so, and no
traceback: the prompt does not swallow the signal and wait on, and a ``yes`` typed after
it applies nothing.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import subprocess
import termios
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from loopback import loopback_server
from usercli import UserShell, reconciler_command

DEADLINE = 120.0
PROMPT = b"Only 'yes' will be accepted"
CTRL_C = b"\x03"


def _controlling_terminal() -> None:  # runs in the child, after setsid
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def at_terminal(shell: UserShell, args: list[str], keys: list[bytes]) -> tuple[int, str]:
    """``reconciler ARGS`` on a pseudo-terminal that is its controlling terminal (so a
    typed Ctrl-C is a SIGINT from the terminal driver), typing each of ``keys`` once
    the prompt is on the screen; the exit code and the screen."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [*reconciler_command(), *args],
        cwd=shell.cwd,
        stdin=child,
        stdout=child,
        stderr=child,
        env=shell.env,
        start_new_session=True,
        preexec_fn=_controlling_terminal,  # noqa: PLW1509 -- a test's single-threaded child
    )
    os.close(child)
    screen, end = b"", time.monotonic() + DEADLINE
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([main], [], [], 0.2)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            screen += chunk
            if keys and PROMPT in screen:
                os.write(main, keys.pop(0))
        else:
            raise AssertionError(f"no exit within {DEADLINE} s: {screen[-2000:]!r}")
        return proc.wait(timeout=30), screen.decode(errors="replace")
    finally:
        os.close(main)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _nothing_applied(shell: UserShell) -> None:
    assert not (shell.cwd / ".reconciler" / "audit.jsonl").exists(), "no audit record"
    again = shell.run("plan", "--detailed-exitcode")
    assert again.returncode == 2, again.stderr  # the changes are all still to do
    assert "Plan: 125 changes in" in again.stdout, again.stdout[-500:]


def test_ctrl_c_at_the_prompt_cancels_the_apply(user_repo: UserShell) -> None:
    code, screen = at_terminal(user_repo, ["apply"], [CTRL_C, b"yes\n"])
    assert code == 130, screen
    assert "SIGINT: apply cancelled before any write; nothing was changed" in screen
    assert "Traceback" not in screen and "Aborted" not in screen
    _nothing_applied(user_repo)


def test_sigterm_at_the_prompt_cancels_the_apply(user_repo: UserShell) -> None:
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [*reconciler_command(), "apply"],
        cwd=user_repo.cwd,
        stdin=child,
        stdout=child,
        stderr=child,
        env=user_repo.env,
        start_new_session=True,
    )
    os.close(child)
    screen = b""
    try:
        end = time.monotonic() + DEADLINE
        while PROMPT not in screen and time.monotonic() < end and proc.poll() is None:
            if select.select([main], [], [], 0.2)[0]:
                screen += os.read(main, 65536)
        assert PROMPT in screen, screen[-2000:]
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        while select.select([main], [], [], 0.2)[0]:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
    finally:
        os.close(main)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = screen.decode(errors="replace")
    assert code == 143, text
    assert "SIGTERM: apply cancelled before any write; nothing was changed" in text
    assert "Traceback" not in text
    _nothing_applied(user_repo)


class Held(BaseHTTPRequestHandler):
    """Holds every request without answering until the test ends; says it got one."""

    arrived = threading.Event()
    release = threading.Event()

    def do_GET(self) -> None:
        type(self).arrived.set()
        type(self).release.wait(DEADLINE)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def held_server() -> Iterator[str]:
    Held.arrived.clear()
    Held.release.clear()
    with loopback_server(Held) as url:
        try:
            yield url
        finally:
            Held.release.set()


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_the_company_is_read_cancels_at_once(
    user_repo: UserShell, held_server: str, sig: signal.Signals, code: int
) -> None:
    env = {
        **user_repo.env,
        "RECONCILER_TARGET": f"{held_server}/api/v1",
        "RECONCILER_TOKEN": "t0ken",
    }
    proc = subprocess.Popen(
        [*reconciler_command(), "apply", "--auto-approve"],
        cwd=user_repo.cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert Held.arrived.wait(DEADLINE), "the apply never asked the platform"
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)  # not the 30 s read timeout, nor the hold
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    said = (out + err).decode(errors="replace")
    assert proc.returncode == code, said
    assert f"{sig.name}: apply cancelled before any write; nothing was changed" in said
    assert "Traceback" not in said and "never retrieved" not in said
    assert not (user_repo.cwd / ".reconciler" / "audit.jsonl").exists()


@contextmanager
def holding_the_lock(shell: UserShell) -> Iterator[subprocess.Popen[bytes]]:
    """An apply waiting at its prompt on a pseudo-terminal: it holds the apply lock."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [*reconciler_command(), "apply"],
        cwd=shell.cwd,
        stdin=child,
        stdout=child,
        stderr=child,
        env=shell.env,
        start_new_session=True,
    )
    os.close(child)
    try:
        screen, end = b"", time.monotonic() + DEADLINE
        while PROMPT not in screen and time.monotonic() < end and proc.poll() is None:
            if select.select([main], [], [], 0.2)[0]:
                screen += os.read(main, 65536)
        assert PROMPT in screen, screen[-2000:]
        yield proc
    finally:
        proc.kill()
        proc.wait()
        os.close(main)


@pytest.mark.parametrize(
    "spelling", ["sandbox:./.reconciler/sandbox.db", "sandbox:{cwd}/.reconciler/sandbox.db"]
)
def test_the_lock_holds_however_the_target_is_spelled(user_repo: UserShell, spelling: str) -> None:
    with holding_the_lock(user_repo) as first:
        target = spelling.format(cwd=user_repo.cwd)
        second = user_repo.run("apply", "--auto-approve", "--target", target)
    assert second.returncode == 1, second.stdout + second.stderr
    assert f"another apply against {target} is running: pid {first.pid}" in second.stderr
    _nothing_applied(user_repo)


def test_a_signal_while_waiting_for_the_lock_cancels_at_once(user_repo: UserShell) -> None:
    with holding_the_lock(user_repo):
        waiting = subprocess.Popen(
            [*reconciler_command(), "apply", "--auto-approve", "--lock-timeout", "600"],
            cwd=user_repo.cwd,
            env=user_repo.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            lock_dir = user_repo.cwd / ".reconciler" / "locks"
            end = time.monotonic() + DEADLINE  # a bound against hanging, not a timing
            while time.monotonic() < end and waiting.poll() is None:
                if _waits_on(waiting.pid, lock_dir):
                    break
                time.sleep(0.05)
            waiting.send_signal(signal.SIGINT)
            out, err = waiting.communicate(timeout=60)  # not the 600 s of --lock-timeout
        finally:
            if waiting.poll() is None:
                waiting.kill()
                waiting.wait()
    said = (out + err).decode(errors="replace")
    assert waiting.returncode == 130, said
    assert "SIGINT: apply cancelled before any write; nothing was changed" in said
    assert "Traceback" not in said
    _nothing_applied(user_repo)


def _waits_on(pid: int, lock_dir: Path) -> bool:
    """Whether process ``pid`` has a lock file of ``lock_dir`` open (it is waiting)."""
    try:
        links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    except OSError:
        return False
    return any(link.startswith(str(lock_dir)) for link in links)
