"""The per-target apply lock (``reconciler.apply.lock``), below the CLI: who holds it, waiting
for it, and what a lock file a crash left behind does (nothing)."""

from __future__ import annotations

import json
import os
import socket
from contextlib import ExitStack
from pathlib import Path

import pytest

from reconciler.apply.lock import apply_lock, lock_path
from reconciler.errors import ApplyError

TARGET = "https://company.example/api/v1"


def test_the_lock_file_is_keyed_by_target_and_names_its_holder(tmp_path: Path) -> None:
    assert lock_path(TARGET, tmp_path) != lock_path("sandbox:.reconciler/sandbox.db", tmp_path)
    with apply_lock(TARGET, directory=tmp_path) as path:
        assert path == lock_path(TARGET, tmp_path)
        holder = json.loads(path.read_text())
        assert holder["pid"] == os.getpid() and holder["host"] == socket.gethostname()
        assert holder["target"] == TARGET and holder["since"].endswith("Z")
        with pytest.raises(ApplyError) as info, apply_lock(TARGET, directory=tmp_path):
            pass
    message = str(info.value)
    assert message.startswith(f"another apply against {TARGET} is running: pid {os.getpid()} on ")
    assert f"(lock {path})" in message and "nothing was applied" in message
    with apply_lock(TARGET, directory=tmp_path):  # released on the way out
        pass


def test_a_lock_file_left_behind_blocks_nobody(tmp_path: Path) -> None:
    path = lock_path(TARGET, tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"pid": 1, "host": "gone", "since": "2020-01-01T00:00:00Z"}\n')
    with apply_lock(TARGET, directory=tmp_path):
        assert json.loads(path.read_text())["pid"] == os.getpid()


def test_waiting_for_the_lock_gives_up_at_the_deadline(tmp_path: Path) -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    waiting = apply_lock(TARGET, directory=tmp_path, wait=5, clock=lambda: now[0], sleep=sleep)
    with (
        apply_lock(TARGET, directory=tmp_path),
        pytest.raises(ApplyError, match=r"is running \(waited 5 s\)"),
        waiting,
    ):
        pass
    assert 5 <= now[0] < 5.5


def test_waiting_takes_the_lock_once_it_is_released(tmp_path: Path) -> None:
    held = ExitStack()
    held.enter_context(apply_lock(TARGET, directory=tmp_path))
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        held.close()  # the other apply finishes while this one waits

    with apply_lock(TARGET, directory=tmp_path, wait=60, sleep=sleep):
        assert len(waits) == 1


def test_a_lock_directory_that_cannot_be_made_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with (
        pytest.raises(ApplyError, match="cannot create the apply lock"),
        apply_lock(TARGET, directory=blocker / "locks"),
    ):
        pass
