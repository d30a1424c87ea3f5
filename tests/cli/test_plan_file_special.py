"""A saved plan is read from a regular file only: a FIFO (with no writer, opening it
would wait forever) or a directory given as PLAN_FILE is one message, exit 2, before
anything is read or written, from ``show`` and ``apply`` alike."""

from __future__ import annotations

import os

import pytest
from usercli import UserShell


@pytest.mark.parametrize("command", [("show",), ("apply",)])
@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_plan_file_that_is_not_a_regular_file_is_refused(
    user_repo: UserShell, command: tuple[str, ...], kind: str
) -> None:
    special = user_repo.cwd / "plan.json"
    if kind == "fifo":
        os.mkfifo(special)
    else:
        special.mkdir()
    done = user_repo.run(*command, "plan.json", timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    (message,) = [line for line in done.stderr.splitlines() if line.lower().startswith("error")]
    assert "plan.json" in message
    assert not (user_repo.cwd / ".reconciler" / "sandbox.db").exists()  # nothing read
