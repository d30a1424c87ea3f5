"""An empty config directory (a variable that expanded to nothing) is a usage error, exit 2,
one message and nothing written: ``Path("")`` is ``.``, so it used to walk the working
directory. Typed the way a user types it, in a real git repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from usercli import UserShell

CASES: dict[str, tuple[str, ...]] = {
    "validate DIRECTORY": ("validate", ""),
    "validate --config-dir": ("validate", "--config-dir", ""),
    "validate --config-dir=": ("validate", "--config-dir="),
    "plan --config-dir": ("plan", "--config-dir", ""),
    "apply --config-dir": ("apply", "--auto-approve", "--config-dir", ""),
    "drift --config-dir": ("drift", "--config-dir", ""),
}


def tree(root: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            stat = (Path(dirpath) / name).lstat()
            found[os.path.relpath(Path(dirpath) / name, root)] = (stat.st_size, stat.st_mtime_ns)
    return found


@pytest.mark.parametrize("case", list(CASES))
def test_an_empty_config_directory_is_a_usage_error(user_repo: UserShell, case: str) -> None:
    before = tree(user_repo.cwd.parent)
    done = user_repo.run(*CASES[case])
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    messages = [line for line in done.stderr.splitlines() if line.lower().startswith("error:")]
    assert len(messages) == 1, done.stderr
    assert messages[0].endswith(": an empty path is not a directory"), done.stderr
    assert tree(user_repo.cwd.parent) == before, "nothing written"


def test_an_empty_environment_variable_is_unset_as_click_has_it(user_repo: UserShell) -> None:
    """``RECONCILER_CONFIG_DIR=`` is no value at all (click's rule for every variable):
    the default ``projects.d`` is read, not the working directory."""
    user_repo.write("stray.yaml", "not: a document of ours\n")
    done = user_repo.run("validate", env={"RECONCILER_CONFIG_DIR": ""})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "stray.yaml" not in done.stdout + done.stderr
