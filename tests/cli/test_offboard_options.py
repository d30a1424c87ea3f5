"""``reconciler offboard`` takes ``--no-cache`` as every command that reads the config
does, and reports a file that is not YAML as ``validate`` does: one line, at
``path:line:col``."""

from __future__ import annotations

import pytest
from usercli import UserShell


def test_offboard_takes_no_cache_and_writes_no_cache(user_repo: UserShell) -> None:
    done = user_repo.run("offboard", "--no-cache", "bank.anna")
    assert done.returncode == 0, done.stderr
    assert "-    - bank.anna\n" in done.stdout
    assert "bank.anna" not in user_repo.read("projects.d/projects/bank-collections.yaml")
    assert not user_repo.path(".reconciler/cache").exists()


@pytest.mark.parametrize(
    "text",
    ["users: [\n", "a: b\n  c: d\n", 'a: "\\q"\n', "a: \x01\n"],
    ids=["unclosed-flow", "mapping-in-scalar", "bad-escape", "control-character"],
)
def test_a_file_that_is_not_yaml_is_reported_as_validate_reports_it(
    user_repo: UserShell, text: str
) -> None:
    user_repo.write("projects.d/broken.yaml", text)
    checked = user_repo.run("validate", "--no-cache")
    assert checked.returncode == 1
    expected = [
        line
        for line in (checked.stdout + checked.stderr).splitlines()
        if line.startswith("projects.d/broken.yaml:")
    ]
    assert len(expected) == 1, checked.stdout + checked.stderr

    done = user_repo.run("offboard", "bank.anna")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [*expected, "error: the configuration has 1 error(s)"]
    assert "\\n" not in done.stderr
    # nothing written
    assert "bank.anna" in user_repo.read("projects.d/projects/bank-collections.yaml")
