"""A usage error (exit 2) is one ``Error:`` line on stderr and nothing on stdout, in the
same form whichever command meets it: README promises it so that ``plan
--detailed-exitcode`` and ``drift``, where 2 also means "changes" or "drift", can be told
apart from a mistake in the command line."""

from __future__ import annotations

import pytest
from usercli import UserShell

MISSING = "Error: config directory not found: projects.d\n"


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--detailed-exitcode"],
        ["plan"],
        ["drift"],
        ["apply", "--auto-approve"],
        ["validate"],
        ["offboard", "bank.anna"],
        ["review"],
        ["report", "isolation"],
    ],
    ids=" ".join,
)
def test_a_missing_config_directory_is_one_error_line(
    user_shell: UserShell, args: list[str]
) -> None:
    done = user_shell.run(*args)
    assert done.returncode == 2
    assert (done.stdout, done.stderr) == ("", MISSING)


def test_a_named_missing_directory_reads_the_same(user_shell: UserShell) -> None:
    for command in ("plan", "drift"):
        done = user_shell.run(command, "--config-dir", "nope")
        assert done.returncode == 2
        assert (done.stdout, done.stderr) == ("", "Error: config directory not found: nope\n")


def test_an_error_that_is_not_a_usage_error_keeps_the_lowercase_form(
    user_repo: UserShell,
) -> None:
    user_repo.write("projects.d/broken.yaml", "users: [\n")
    done = user_repo.run("plan", "--detailed-exitcode")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == "error: the configuration has 1 error(s)"
