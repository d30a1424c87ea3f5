"""Running ``reconciler`` the way a user types it.

A ``UserShell`` is a terminal-less shell session in a real git repository: the current
directory is the repository, paths are relative, the config directory is the default
``projects.d`` and the target the default embedded sandbox (``.reconciler/sandbox.db``,
relative to the repository). Commands run as the installed ``reconciler`` console script
(the one next to this interpreter; ``python -m reconciler`` where there is none), in a
process of their own, with an environment cleaned of every ``RECONCILER_*`` variable and
a git identity of its own, so nothing from the machine running the tests leaks in.

    def test_something(user_repo: UserShell) -> None:
        done = user_repo.run("plan")
        assert done.returncode == 0, done.stderr
        user_repo.edit("projects.d/projects/fitlife.yaml", lambda t: t + "# note\\n")
        user_repo.run("apply", "--auto-approve")

The ``user_repo`` fixture (``tests/conftest.py``) is a committed copy of the bundled
``projects.d/``; ``user_shell`` is the same session in an empty directory, no git.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BUNDLED_CONFIG = REPO_ROOT / "projects.d"
#: Seconds any one command may take before the test fails (a hang is a failure).
TIMEOUT = 120.0

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Olga Admin",
    "GIT_AUTHOR_EMAIL": "olga@example.com",
    "GIT_COMMITTER_NAME": "Olga Admin",
    "GIT_COMMITTER_EMAIL": "olga@example.com",
}


def reconciler_command() -> list[str]:
    """The installed console script beside this interpreter, else ``python -m reconciler``."""
    script = Path(sys.executable).with_name("reconciler")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "reconciler"]


def clean_environment(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The machine's environment without ``RECONCILER_*``, CI and git variables, with
    ``HOME`` at ``home`` (no user-level git config) and colour off."""
    dropped = ("RECONCILER_", "GIT_", "GITHUB_", "GITLAB_", "CI_")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(dropped) and k not in ("CI", "JENKINS_URL", "BUILD_URL", "NO_COLOR")
    }
    env.update(GIT_IDENTITY)
    env.update(HOME=str(home), GIT_CONFIG_NOSYSTEM="1", NO_COLOR="1", COLUMNS="100")
    env.update(extra or {})
    return env


@dataclass
class UserShell:
    """A shell session in ``cwd``; ``env`` is what every command it runs sees."""

    cwd: Path
    env: dict[str, str] = field(default_factory=dict)

    def run(
        self,
        *args: str,
        input: str | None = None,
        cwd: Path | str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = TIMEOUT,
    ) -> subprocess.CompletedProcess[str]:
        """``reconciler ARGS`` in ``cwd`` (relative to this shell's directory)."""
        return subprocess.run(
            [*reconciler_command(), *args],
            cwd=self.cwd / cwd if cwd is not None else self.cwd,
            env={**self.env, **(env or {})},
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(
        self, *args: str, cwd: Path | str | None = None, env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[str]:
        """``reconciler ARGS`` started in its own process group (as a CI runner's job is),
        with stdout and stderr piped: stop it with ``signal_group``."""
        return subprocess.Popen(
            [*reconciler_command(), *args],
            cwd=self.cwd / cwd if cwd is not None else self.cwd,
            env={**self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def git(self, *args: str, cwd: Path | str | None = None) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=self.cwd / cwd if cwd is not None else self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=True,
        )
        return done.stdout.strip()

    def commit_all(self, message: str) -> str:
        """``git add -A && git commit``; answers the new HEAD."""
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def path(self, relative: str) -> Path:
        return self.cwd / relative

    def read(self, relative: str) -> str:
        return self.path(relative).read_text(encoding="utf-8")

    def write(self, relative: str, text: str) -> None:
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def edit(self, relative: str, change: Callable[[str], str]) -> None:
        self.write(relative, change(self.read(relative)))


def signal_group(proc: subprocess.Popen[str], sig: signal.Signals) -> None:
    """Send ``sig`` to the process group of ``proc`` (what a CI runner's cancel does)."""
    os.killpg(proc.pid, sig)


def new_user_repo(root: Path, *, config: Path = BUNDLED_CONFIG) -> UserShell:
    """A git repository at ``root/repo`` holding a copy of ``config`` as ``projects.d/``
    and a ``.gitignore`` for ``.reconciler/``, committed on ``main``; HOME is ``root/home``."""
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    repo = root / "repo"
    repo.mkdir()
    shutil.copytree(config, repo / "projects.d")
    (repo / ".gitignore").write_text(".reconciler/\n", encoding="utf-8")
    shell = UserShell(repo, clean_environment(home))
    shell.git("init", "-q", "-b", "main")
    shell.commit_all("Bank, FitLife and QuickDelivery projects (#7)")
    return shell
