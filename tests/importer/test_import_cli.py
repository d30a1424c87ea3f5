"""``reconciler import`` as a user types it: the output validates and plans empty, and
a live value no file can hold makes it write nothing and name the value."""

from __future__ import annotations

from handedit import hand_in
from usercli import UserShell

SANDBOX = ".reconciler/sandbox.db"


def test_import_writes_a_directory_that_validates_and_plans_empty(user_shell: UserShell) -> None:
    init = ("sandbox", "init", "--db", SANDBOX, "--demo", "--token-file", SANDBOX + ".token")
    assert user_shell.run(*init).returncode == 0
    done = user_shell.run("import", "--out", "imported")
    assert done.returncode == 0, done.stderr
    assert user_shell.run("validate", "imported").returncode == 0
    plan = user_shell.run(
        "plan",
        "--config-dir",
        "imported",
        "--target",
        f"sandbox:{SANDBOX}",
        "--detailed-exitcode",
    )
    assert plan.returncode == 0, plan.stdout + plan.stderr


def test_a_name_no_file_can_hold_writes_nothing_and_is_named(user_shell: UserShell) -> None:
    init = ("sandbox", "init", "--db", SANDBOX, "--demo", "--token-file", SANDBOX + ".token")
    assert user_shell.run(*init).returncode == 0
    with hand_in(user_shell.path(SANDBOX)) as hand:
        hand.create_project("Night Desk ")
    done = user_shell.run("import", "--out", "imported")
    assert done.returncode == 1
    assert "error: import wrote nothing: live holds values no file can hold:" in done.stderr
    assert "project 'Night Desk ': name 'Night Desk ' is not a valid name" in done.stderr
    assert not user_shell.path("imported").exists()
    assert "Traceback" not in done.stderr
