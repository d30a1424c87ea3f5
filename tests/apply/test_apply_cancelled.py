"""``reconciler apply`` cancelled before its first write: Ctrl-C at the confirmation
prompt (typed at a real terminal, the process in the terminal's foreground), SIGTERM
there (a cancelled CI job), either signal while the company is being read or while
another apply holds the lock. Nothing is written, no audit record is made, the exit code
is 130 or 143, one line says so, and no traceback: the prompt does not swallow the
signal and wait on, and a ``yes`` typed after it applies nothing. And the lock holds
however the target is spelled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from apply_helpers import DEADLINE, PROMPT, Terminal
from loopback import loopback_server
from usercli import UserShell, reconciler_command

CTRL_C = b"\x03"


def at_prompt(shell: UserShell, *args: str, controlling: bool = False) -> Terminal:
    """``reconciler apply ARGS`` at a terminal, waiting at its confirmation prompt."""
    terminal = Terminal(
        [*reconciler_command(), "apply", *args], shell.cwd, shell.env, controlling=controlling
    )
    try:
        terminal.wait_for(PROMPT)
    except BaseException:
        terminal.close()
        raise
    return terminal


def _nothing_applied(shell: UserShell) -> None:
    assert not (shell.cwd / ".reconciler" / "audit.jsonl").exists(), "no audit record"
    again = shell.run("plan", "--detailed-exitcode")
    assert again.returncode == 2, again.stderr  # the changes are all still to do
    assert "Plan: 125 changes in" in again.stdout, again.stdout[-500:]


def test_ctrl_c_at_the_prompt_cancels_the_apply(user_repo: UserShell) -> None:
    terminal = at_prompt(user_repo, controlling=True)
    try:
        terminal.type(CTRL_C)  # the terminal driver sends SIGINT to the foreground
        terminal.type(b"yes\n")  # typed after it, it applies nothing
        code, screen = terminal.finish()
    finally:
        terminal.close()
    assert code == 130, screen
    assert "SIGINT: apply cancelled before any write; nothing was changed" in screen
    assert "Traceback" not in screen and "Aborted" not in screen
    _nothing_applied(user_repo)


def test_sigterm_at_the_prompt_cancels_the_apply(user_repo: UserShell) -> None:
    terminal = at_prompt(user_repo)
    try:
        terminal.proc.send_signal(signal.SIGTERM)  # right as the prompt shows: no race lost
        code, screen = terminal.finish()
    finally:
        terminal.close()
    assert code == 143, screen
    assert "SIGTERM: apply cancelled before any write; nothing was changed" in screen
    assert "Traceback" not in screen
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
    """An apply waiting at its prompt: it holds the apply lock."""
    terminal = at_prompt(shell)
    try:
        yield terminal.proc
    finally:
        terminal.close()


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
