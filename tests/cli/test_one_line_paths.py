"""A path or name with a newline in it stays on its line in every one-line message.

A directory called ``e<newline>::error::y`` must not start a line of its own: on a CI
runner, a stderr line starting with ``::error::`` is a GitHub workflow command. Each
command runs for real in a user's repository, with the relative paths a user types; the
newline must show as ``\\n`` inside the message that names the path.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from usercli import BUNDLED_CONFIG, UserShell

INJECTED = "e\n::error::y"
SHOWN = "e\\n::error::y"


def assert_one_line(done: subprocess.CompletedProcess[str]) -> None:
    for stream in (done.stdout, done.stderr):
        started = [line for line in stream.splitlines() if line.startswith("::")]
        assert not started, repr(stream)
    assert "Traceback" not in done.stderr


@pytest.fixture
def injected_dir(user_repo: UserShell) -> UserShell:
    """The bundled config also under the hostile name (untracked: apply calls it dirty)."""
    shutil.copytree(BUNDLED_CONFIG, user_repo.path(INJECTED))
    return user_repo


@pytest.mark.parametrize("command", ["plan", "drift"])
def test_the_planning_line_escapes_the_config_directory(
    injected_dir: UserShell, command: str
) -> None:
    done = injected_dir.run(command, "--no-cache", "--config-dir", INJECTED)
    assert done.returncode in (0, 2), done.stderr
    assert_one_line(done)
    assert f"Planning 9 documents from {SHOWN} against sandbox:.reconciler/sandbox.db " in (
        done.stderr
    )


def test_a_missing_token_file_is_named_on_one_line(user_repo: UserShell) -> None:
    done = user_repo.run(
        "plan", "--token-file", "no\n::error::t", "--target", "http://127.0.0.1:9/api/v1"
    )
    assert done.returncode == 2
    assert_one_line(done)
    assert done.stderr.endswith(
        "Error: Invalid value for '--token-file': token file no\\n::error::t does not exist\n"
    )


def test_a_sandbox_without_its_token_is_named_on_one_line(user_repo: UserShell) -> None:
    db = "sb\n::error::s.db"
    assert user_repo.run("sandbox", "init", "--db", db, "--demo").returncode == 0
    done = user_repo.run("plan", "--target", f"sandbox:{db}")
    assert done.returncode == 2
    assert_one_line(done)
    assert done.stderr.startswith(
        "Error: no token for the sandbox sb\\n::error::s.db: sb\\n::error::s.db.token is missing"
    ), done.stderr


def test_the_saved_plan_is_named_on_one_line(user_repo: UserShell) -> None:
    out = "p\n::error::o.json"
    done = user_repo.run("plan", "--out", out)
    assert done.returncode == 0, done.stderr
    assert_one_line(done)
    assert "Saved the plan to p\\n::error::o.json (sha256:" in done.stderr
    assert user_repo.path(out).is_file()


def test_apply_names_a_missing_directory_on_one_line(user_repo: UserShell) -> None:
    done = user_repo.run("apply", "--auto-approve", "--config-dir", "zz\n::error::q")
    assert done.returncode == 2
    assert_one_line(done)
    assert done.stderr == "Error: config directory not found: zz\\n::error::q\n"


def test_apply_names_a_dirty_directory_on_one_line(injected_dir: UserShell) -> None:
    done = injected_dir.run("apply", "--auto-approve", "--no-cache", "--config-dir", INJECTED)
    assert done.returncode == 1
    assert_one_line(done)
    assert f"error: refusing to apply: {SHOWN} has uncommitted changes" in done.stderr


def test_sandbox_serve_names_a_missing_database_on_one_line(user_repo: UserShell) -> None:
    done = user_repo.run("sandbox", "serve", "--db", "no\n::error::db")
    assert done.returncode == 2
    assert_one_line(done)
    assert done.stderr.startswith("Error: no\\n::error::db does not exist; "), done.stderr


def test_schema_names_the_file_it_wrote_on_one_line(user_repo: UserShell) -> None:
    done = user_repo.run("schema", "--out", "s\n::error::j.json")
    assert done.returncode == 0, done.stderr
    assert_one_line(done)
    assert done.stdout == "wrote s\\n::error::j.json\n"


#: A name that, printed as it is, would start a workflow command and colour the terminal;
#: and the same name as messages show it.
HOSTILE = "h\n::error::x\x1b[31m"
HOSTILE_SHOWN = "h\\n::error::x\\x1b[31m"


@pytest.mark.parametrize("command", [("audit", "verify"), ("audit", "log")])
def test_a_missing_audit_log_is_named_on_one_line(
    user_repo: UserShell, command: tuple[str, ...]
) -> None:
    done = user_repo.run(*command, "--log", f"{HOSTILE}.jsonl")
    assert done.returncode == 1
    assert_one_line(done)
    assert done.stderr == (
        f"error: no audit log at {HOSTILE_SHOWN}.jsonl (nothing has been applied yet?)\n"
    )


def test_apply_names_a_torn_audit_log_on_one_line(user_repo: UserShell) -> None:
    log = f"{HOSTILE}.jsonl"
    user_repo.write(log, '{"seq": 1, "prev')
    done = user_repo.run("apply", "--auto-approve", "--audit-log", log)
    assert done.returncode == 1
    assert_one_line(done)
    assert (
        f"error: audit log {HOSTILE_SHOWN}.jsonl: the last record is truncated (crash during "
        f"write?); nothing was appended. Run `reconciler audit verify --log "
        f"{HOSTILE_SHOWN}.jsonl` to see the damage; "
    ) in done.stderr


@pytest.mark.parametrize("command", ["show", "apply"])
def test_a_plan_file_that_is_not_a_regular_file_is_named_on_one_line(
    user_repo: UserShell, command: str
) -> None:
    os.mkfifo(user_repo.path(f"{HOSTILE}.json"))
    args = ("--auto-approve",) if command == "apply" else ()
    done = user_repo.run(command, *args, f"{HOSTILE}.json")
    assert done.returncode == 2
    assert_one_line(done)
    assert done.stderr == f"Error: plan file {HOSTILE_SHOWN}.json is not a regular file\n"


def test_a_plan_file_that_is_not_json_is_named_on_one_line(user_repo: UserShell) -> None:
    user_repo.write(f"{HOSTILE}.json", "not json\n")
    done = user_repo.run("show", f"{HOSTILE}.json")
    assert done.returncode != 0
    assert_one_line(done)
    assert done.stderr == (
        f"error: {HOSTILE_SHOWN}.json is not a saved plan: invalid JSON at line 1 column 1\n"
    )


def test_import_names_a_directory_that_is_not_empty_on_one_line(user_repo: UserShell) -> None:
    user_repo.write(f"{HOSTILE}/notes.txt", "mine\n")
    done = user_repo.run("import", "--out", HOSTILE)
    assert done.returncode == 2
    assert_one_line(done)
    error = done.stderr.splitlines()[-1]  # after the note that the sandbox was created
    assert error.startswith(f"Error: {HOSTILE_SHOWN} is not empty: choose "), done.stderr


def test_import_force_names_files_that_do_not_load_on_one_line(user_repo: UserShell) -> None:
    user_repo.write(f"{HOSTILE}/a.yaml", "kind: Nope\n")
    done = user_repo.run("import", "--force", "--out", HOSTILE)
    assert done.returncode == 2
    assert_one_line(done)
    lines = done.stderr.splitlines()
    assert lines[-3].startswith(
        f"Error: the files in {HOSTILE_SHOWN} do not load, so --force cannot keep "
    ), done.stderr
    assert lines[-2].startswith(f"{HOSTILE_SHOWN}/a.yaml:1:1: error: unknown kind 'Nope'")


def test_offboard_names_the_changed_files_on_one_line(user_repo: UserShell) -> None:
    shutil.copytree(BUNDLED_CONFIG, user_repo.path(HOSTILE))
    done = user_repo.run("offboard", "--dry-run", "--no-cache", "--config-dir", HOSTILE, "sv.bank")
    assert done.returncode == 0, done.stderr
    assert_one_line(done)
    headers = [line for line in done.stdout.splitlines() if line.startswith(("---", "+++"))]
    assert headers[:2] == [
        f"--- a/{HOSTILE_SHOWN}/projects/bank-collections.yaml",
        f"+++ b/{HOSTILE_SHOWN}/projects/bank-collections.yaml",
    ], done.stdout
    assert f"Would change 2 file(s) under {HOSTILE_SHOWN}:" in done.stderr
