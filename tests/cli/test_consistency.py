"""The same option means the same thing on every command, as a user types it."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from usercli import REPO_ROOT, UserShell

#: Commands that read the config, and the ones that render (every one of them).
READ_CONFIG = ("validate", "plan", "apply --auto-approve", "drift", "review")
RENDER = (*READ_CONFIG, "doctor")


def test_audit_commands_take_audit_log_as_plan_and_apply_do(user_repo: UserShell) -> None:
    done = user_repo.run("apply", "--auto-approve", "--audit-log", "trail.jsonl")
    assert done.returncode == 0, done.stderr
    verify = user_repo.run("audit", "verify", "--audit-log", "trail.jsonl")
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.startswith("ok: 2 records"), verify.stdout
    found = user_repo.run("audit", "log", "--audit-log", "trail.jsonl", "--format", "json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)  # the applied changes, read from the same file
    assert not user_repo.path(".reconciler/audit.jsonl").exists()


def test_apply_takes_the_thresholds_plan_takes(user_repo: UserShell) -> None:
    """The bundled files take members out of Default: under a 1% removal threshold,
    plan and apply refuse alike, and apply writes nothing."""
    plan = user_repo.run("plan", "--max-remove-share", "0.01")
    assert plan.returncode == 1, plan.stderr
    assert "mass_remove" in plan.stdout
    apply = user_repo.run("apply", "--auto-approve", "--max-remove-share", "0.01")
    assert apply.returncode == 1, apply.stderr
    assert "not applicable" in apply.stderr
    assert not user_repo.path(".reconciler/audit.jsonl").exists()
    again = user_repo.run("apply", "--auto-approve", "--max-remove-share", "0.01")
    assert again.returncode == 1
    accepted = user_repo.run(
        "apply", "--auto-approve", "--max-remove-share", "0.01", "--allow-mass-change"
    )
    assert accepted.returncode == 0, accepted.stderr


@pytest.mark.parametrize("command", READ_CONFIG)
def test_no_cache_everywhere_the_config_is_read(user_repo: UserShell, command: str) -> None:
    user_repo.run("sandbox", "init", "--db", ".reconciler/sandbox.db", "--demo")
    done = user_repo.run(*shlex.split(command), "--no-cache")
    assert done.returncode in (0, 2), done.stderr  # drift: 2, the demo differs
    assert "no such option" not in done.stderr.lower()
    assert not user_repo.path(".reconciler/cache").exists()


@pytest.mark.parametrize("command", RENDER)
def test_no_color_everywhere_output_is_rendered(user_repo: UserShell, command: str) -> None:
    done = user_repo.run(*shlex.split(command), "--no-color")
    assert "no such option" not in done.stderr.lower()
    assert done.returncode in (0, 2), done.stderr
    assert "\x1b[" not in done.stdout + done.stderr


def test_version_and_version_json_agree(user_shell: UserShell) -> None:
    flag = user_shell.run("--version")
    assert flag.returncode == 0
    info = user_shell.run("version", "--format", "json")
    assert info.returncode == 0, info.stderr
    data = json.loads(info.stdout)
    assert flag.stdout.strip() == f"reconciler, version {data['version']}"
    assert data["version"] == metadata.version("reconciler")
    assert data["dependencies"]["pydantic"] == metadata.version("pydantic")
    text = user_shell.run("version")
    assert text.stdout.splitlines()[0] == f"reconciler {data['version']}"


def test_the_pre_commit_hook_writes_nothing_into_the_repository(user_repo: UserShell) -> None:
    """pre-commit runs the hook's entry in the consumer's repository root; a file it
    leaves there (a parse cache) makes the next run fail as "modified by this hook"."""
    (hook,) = YAML(typ="safe").load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    user_repo.path(".gitignore").unlink()
    user_repo.commit_all("no .gitignore: a consumer's repository need not have one")
    program, *args = shlex.split(hook["entry"])
    assert program == "reconciler"
    for _ in range(2):
        done = user_repo.run(*args)
        assert done.returncode == 0, done.stderr
        assert user_repo.git("status", "--porcelain", "--ignored") == ""


BLOCK_POSIX = """
import sys
from importlib.abc import MetaPathFinder

class NotHere(MetaPathFinder):
    '''Windows has none of these modules.'''
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"fcntl", "termios", "pwd", "grp", "resource", "pty", "tty"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

for name in ("fcntl", "termios", "pwd", "grp", "resource", "pty", "tty"):
    sys.modules.pop(name, None)
sys.meta_path.insert(0, NotHere())
sys.argv = ["reconciler", *sys.argv[1:]]
from reconciler.cli.main import main
main()
"""


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_validate_and_plan_need_no_posix_only_module(user_repo: UserShell, command: str) -> None:
    """Run as on a machine without fcntl & co. (Windows): both work; the audit log and
    apply's lock import fcntl only when they lock a file."""
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_POSIX, command],
        cwd=user_repo.cwd,
        env=user_repo.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "No module named" not in done.stderr


def test_the_blocker_does_block(user_repo: UserShell, tmp_path: Path) -> None:
    """The test above can fail: apply locks a file, and so needs fcntl here."""
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_POSIX, "apply", "--auto-approve"],
        cwd=user_repo.cwd,
        env=user_repo.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "fcntl" in done.stderr
