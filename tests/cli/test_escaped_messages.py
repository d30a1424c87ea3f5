"""Every message a command prints escapes what came from a path or a name: a config
directory called with a terminal escape in its name cannot retitle or clear a terminal
through a notice, an error or a usage message."""

from __future__ import annotations

import shutil

import pytest
from usercli import BUNDLED_CONFIG, UserShell

HOSTILE_DIR = "cfg\x1b]0;pwned\x07\x1b[2J"


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--config-dir", HOSTILE_DIR],
        ["validate", HOSTILE_DIR + "-broken"],
        ["apply", "--auto-approve", "--config-dir", HOSTILE_DIR],
        ["plan", "--config-dir", HOSTILE_DIR + "-missing"],
        ["drift", "--config-dir", HOSTILE_DIR + "-missing"],
    ],
    ids=["plan-notice", "validate-problem", "apply-dirty", "plan-missing", "drift-missing"],
)
def test_a_hostile_directory_name_is_escaped_everywhere(
    user_repo: UserShell, args: list[str]
) -> None:
    shutil.copytree(BUNDLED_CONFIG, user_repo.path(HOSTILE_DIR))  # untracked: apply refuses
    user_repo.write(HOSTILE_DIR + "-broken/x.yaml", "kind: [\n")
    done = user_repo.run(*args)
    assert "Traceback" not in done.stderr
    for stream in (done.stdout, done.stderr):
        assert "\x1b" not in stream and "\x07" not in stream, repr(stream)
    assert "\\x1b]0;pwned\\x07" in done.stdout + done.stderr
