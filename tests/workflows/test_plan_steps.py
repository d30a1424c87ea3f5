"""plan.yml's own ``run:`` scripts, run by bash in a runner-like workspace.

The workspace holds what the workflow's checkouts make (the pull request's head as
``pr/``, a git checkout), the environment is the workflow's, job's and step's ``env:``
with the secrets filled in, and the target is a sandbox served on a loopback socket.
The reconciler is the installed one (the install step's ``pip install`` of the base
commit is what CI adds). The pull request also ships code where a careless workflow
would run it: none of it runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from usercli import BUNDLED_CONFIG, clean_environment
from workflow_helpers import load

PLAN = load("plan.yml")
SECRET = re.compile(r"^\$\{\{ secrets\.(\w+) \}\}$")

#: Files a pull request could add so that running or importing anything from its
#: checkout leaves a mark.
HOSTILE = {
    "reconciler/__init__.py": "open('{mark}', 'w').write('package')\n",
    "sitecustomize.py": "open('{mark}', 'w').write('sitecustomize')\n",
    "setup.py": "open('{mark}', 'w').write('setup.py')\n",
    ".github/reconciler-problem-matcher.json": "{{}}\n",
}
HOSTILE_KEY = "##[set-output name=exit_code;]0"


def _step(job: str, name: str) -> dict[str, Any]:
    return next(s for s in PLAN["jobs"][job]["steps"] if s.get("name") == name)


def _env(job: str, step: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for scope in (PLAN.get("env"), PLAN["jobs"][job].get("env"), step.get("env")):
        for key, value in (scope or {}).items():
            found = SECRET.match(str(value))
            env[key] = secrets[found.group(1)] if found else str(value)
    assert not any("${{" in v for v in env.values()), env
    return env


class Runner:
    def __init__(self, root: Path, secrets: dict[str, str]) -> None:
        self.workspace = root / "work"
        self.mark = root / "ran-pull-request-code"
        self.output = root / "github_output"
        self.summary = root / "github_step_summary"
        self.secrets = secrets
        self.base = clean_environment(root / "home")
        self.base["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{self.base['PATH']}"
        (root / "home").mkdir()
        self._check_out_the_pull_request()

    def _check_out_the_pull_request(self) -> None:
        pr = self.workspace / "pr"
        shutil.copytree(BUNDLED_CONFIG, pr / "projects.d")
        for relative, text in HOSTILE.items():
            (pr / relative).parent.mkdir(parents=True, exist_ok=True)
            (pr / relative).write_text(text.format(mark=self.mark), encoding="utf-8")
        for args in (["init", "-q", "-b", "pr"], ["add", "-A"], ["commit", "-q", "-m", "PR"]):
            subprocess.run(["git", *args], cwd=pr, env=self.base, check=True)

    def run(self, job: str, name: str) -> tuple[int, str]:
        step = _step(job, name)
        env = {
            **self.base,
            **_env(job, step, self.secrets),
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-e", "-c", step["run"]],
            cwd=self.workspace / step.get("working-directory", "."),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # one log, in the order it was written, as a runner has it
            text=True,
            timeout=120,
            check=False,
        )
        return done.returncode, done.stdout

    def outputs(self) -> str:
        return self.output.read_text(encoding="utf-8") if self.output.exists() else ""


@pytest.fixture
def runner(tmp_path: Path, served_sandbox: tuple[str, str]) -> Runner:
    url, token = served_sandbox
    return Runner(tmp_path, {"RECONCILER_TARGET": url, "RECONCILER_TOKEN": token})


def _between_markers(log: str, text: str) -> bool:
    """Whether every line holding ``text`` is printed while workflow commands are off."""
    stopped = False
    token = ""
    for line in log.splitlines():
        if line.startswith("::stop-commands::"):
            stopped, token = True, line.removeprefix("::stop-commands::")
        elif token and line == f"::{token}::":
            stopped = False
        elif text in line and not stopped:
            return False
    return bool(token) and len(token) >= 32


def test_the_plan_job_plans_the_pull_request_and_runs_none_of_its_code(runner: Runner) -> None:
    status, log = runner.run("validate", "Validate projects.d/")
    assert status == 0, log
    assert "::add-matcher::tool/.github/reconciler-problem-matcher.json" in log
    status, log = runner.run("plan", "Plan")
    assert status == 0, log
    assert runner.outputs() == "exit_code=0\n"
    plan = (runner.workspace / "plan.md").read_text(encoding="utf-8")
    assert plan.startswith("## Reconciler plan: :white_check_mark: applicable")
    assert (runner.workspace / "plan.json").is_file()
    # the whole plan goes to the job summary (the comment is cut to counts when too large)
    assert runner.summary.read_text(encoding="utf-8") == (
        runner.workspace / "plan-full.md"
    ).read_text(encoding="utf-8")
    assert runner.secrets["RECONCILER_TOKEN"] not in log + plan
    assert not runner.mark.exists()
    assert not (runner.workspace / "pr" / ".reconciler").exists()  # no parse cache read


def test_a_name_cannot_issue_workflow_commands(runner: Runner) -> None:
    bank = runner.workspace / "pr" / "projects.d" / "projects" / "bank-collections.yaml"
    bank.write_text(f'{bank.read_text()}"{HOSTILE_KEY}": 1\n', encoding="utf-8")
    status, log = runner.run("validate", "Validate projects.d/")
    assert status == 1
    assert HOSTILE_KEY in log
    assert _between_markers(log, HOSTILE_KEY), log
    status, log = runner.run("plan", "Plan")
    assert status == 0, log  # the step records the outcome; the last step fails the check
    assert runner.outputs() == "exit_code=1\n"
    assert _between_markers(log, HOSTILE_KEY), log
    assert not runner.mark.exists()
