"""The action's "Run the reconciler" step (``.github/reconciler-action.sh``), run by bash
in a runner-like workspace.

The environment is the step's ``env:`` from ``action.yml`` with the inputs filled in
(their defaults, then what a workflow passes), the runner's files (``GITHUB_OUTPUT``,
``GITHUB_STEP_SUMMARY``, ``RUNNER_TEMP``), and the target a sandbox served on a loopback
socket. The reconciler is the installed one (the action's install step is what CI
adds). The pull request's checkout in ``pr/`` also ships code where a careless action
would run it: none of it runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from usercli import BUNDLED_CONFIG, clean_environment
from workflow_helpers import ROOT, load_action

ACTION = load_action()
(STEP,) = [s for s in ACTION["runs"]["steps"] if s.get("id") == "run"]
SCRIPT = ROOT / ".github" / "reconciler-action.sh"
EXPRESSION = re.compile(r"^\$\{\{\s*(inputs|runner)\.([\w-]+)\s*\}\}$")

#: Files a pull request could add so that running or importing anything from its
#: checkout leaves a mark.
HOSTILE = {
    "reconciler/__init__.py": "open('{mark}', 'w').write('package')\n",
    "sitecustomize.py": "open('{mark}', 'w').write('sitecustomize')\n",
    "setup.py": "open('{mark}', 'w').write('setup.py')\n",
    "action.yml": "runs: {{using: node20, main: x.js}}\n",
}
HOSTILE_KEY = "##[set-output name=exit_code;]0"
BANK = "pr/projects.d/projects/bank-collections.yaml"


class Runner:
    def __init__(self, root: Path, target: str, token: str) -> None:
        self.workspace = root / "work"
        self.temp = root / "runner-temp"
        self.mark = root / "ran-pull-request-code"
        self.output = root / "github_output"
        self.summary = root / "step_summary"
        self.target, self.token = target, token
        self.base = clean_environment(root / "home")
        self.base["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{self.base['PATH']}"
        for folder in (root / "home", self.temp):
            folder.mkdir()
        self._check_out_the_pull_request()

    def _check_out_the_pull_request(self) -> None:
        pr = self.workspace / "pr"
        shutil.copytree(BUNDLED_CONFIG, pr / "projects.d")
        for relative, text in HOSTILE.items():
            (pr / relative).parent.mkdir(parents=True, exist_ok=True)
            (pr / relative).write_text(text.format(mark=self.mark), encoding="utf-8")
        for args in (["init", "-q", "-b", "pr"], ["add", "-A"], ["commit", "-q", "-m", "PR"]):
            subprocess.run(["git", *args], cwd=pr, env=self.base, check=True)

    def _env(self, inputs: dict[str, str]) -> dict[str, str]:
        given = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
        given.update(target=self.target, token=self.token, **inputs)
        env: dict[str, str] = {}
        for key, value in STEP["env"].items():
            found = EXPRESSION.match(str(value))
            if found is None:
                env[key] = str(value)
            elif found.group(1) == "runner":
                env[key] = str(self.temp / found.group(2))
            else:
                env[key] = given[found.group(2)]
        return env

    def run(self, command: str, **inputs: str) -> tuple[int, str]:
        self.output.write_text("")
        self.summary.write_text("")
        env = {
            **self.base,
            **self._env({"command": command, **inputs}),
            "GITHUB_ACTION_PATH": str(ROOT),
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "RUNNER_TEMP": str(self.temp),
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-e", "-c", STEP["run"]],
            cwd=self.workspace,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # one log, in the order it was written, as a runner has it
            text=True,
            timeout=120,
            check=False,
        )
        return done.returncode, done.stdout

    def outputs(self) -> dict[str, str]:
        lines = self.output.read_text(encoding="utf-8").splitlines()
        return dict(line.split("=", 1) for line in lines)


@pytest.fixture
def runner(tmp_path: Path, served_sandbox: tuple[str, str]) -> Runner:
    return Runner(tmp_path, *served_sandbox)


def _commands_off_for(log: str, text: str) -> bool:
    """Whether every line holding ``text`` is printed while workflow commands are off,
    or is an annotation the reconciler escaped (no ``##[`` left whole in it)."""
    stopped = False
    token = ""
    for line in log.splitlines():
        if line.startswith("::stop-commands::"):
            stopped, token = True, line.removeprefix("::stop-commands::")
            assert len(token) >= 32
        elif token and line == f"::{token}::":
            stopped = False
        elif text in line and not stopped:
            return False
    return bool(token)


def _plan(runner: Runner, **inputs: str) -> tuple[int, str]:
    return runner.run(
        "plan",
        **{"config-dir": "pr/projects.d", "audit-log": "audit/audit.jsonl"},
        **{"plan-file": "plan.json"},
        **inputs,
    )


def test_plan_plans_the_pull_request_and_runs_none_of_its_code(runner: Runner) -> None:
    status, log = _plan(runner)
    assert status == 0, log
    outputs = runner.outputs()
    assert outputs["exit_code"] == "0"
    assert outputs["plan_file"] == "plan.json"
    assert outputs["sensitive"] == "true"  # QA Lead's view_all, lists across clients
    report = Path(outputs["report"]).read_text(encoding="utf-8")
    assert report.startswith("## Reconciler plan: :white_check_mark: applicable")
    # the job summary is the --markdown-full plan (the same as the comment when it fits)
    full = runner.temp / f"reconciler-{ACTION['inputs']['account']['default']}" / "summary.md"
    assert runner.summary.read_text(encoding="utf-8") == full.read_text(encoding="utf-8")
    assert full.read_text(encoding="utf-8") == report
    assert "Changes by project (in each, the order apply makes them):" in log  # the text plan
    annotations = [line for line in log.splitlines() if line.startswith("::warning ")]
    assert any("grants_view_all::needs an approval" in line for line in annotations)
    assert (runner.workspace / "plan.json").is_file()
    assert runner.token not in log + report
    assert not runner.mark.exists()
    assert not (runner.workspace / "pr" / ".reconciler").exists()  # no parse cache


def test_a_name_cannot_issue_workflow_commands(runner: Runner) -> None:
    bank = runner.workspace / BANK
    bank.write_text(f'{bank.read_text()}"{HOSTILE_KEY}": 1\n', encoding="utf-8")
    status, log = runner.run("validate", **{"config-dir": "pr/projects.d"})
    assert status == 1
    assert runner.outputs()["exit_code"] == "1"
    assert _commands_off_for(log, HOSTILE_KEY), log
    (annotation,) = [
        line for line in log.splitlines() if "set-output" in line and "::error " in line
    ]
    assert annotation.startswith("::error file=projects.d/projects/bank-collections.yaml,line=")
    assert "#\u200b#[set-output name=exit_code;]0" in annotation
    report = Path(runner.outputs()["report"]).read_text(encoding="utf-8")
    assert runner.summary.read_text(encoding="utf-8") == report  # the job summary has it
    (problem,) = [line for line in report.splitlines() if "set-output" in line]
    assert problem.startswith("    pr/projects.d/projects/bank-collections.yaml:")  # code
    status, log = _plan(runner)
    assert status == 1, log  # the plan cannot be made from invalid files: the check fails
    assert _commands_off_for(log, HOSTILE_KEY), log
    assert not runner.mark.exists()


def test_valid_files_are_said_so_in_the_job_summary(runner: Runner) -> None:
    status, log = runner.run("validate", **{"config-dir": "pr/projects.d"})
    assert status == 0, log
    summary = runner.summary.read_text(encoding="utf-8")
    assert summary.startswith("### reconciler validate\n\n    ok: ")
    assert runner.outputs() == {"exit_code": "0", "report": runner.outputs()["report"]}


def test_apply_holds_then_applies_then_refuses_a_stale_plan(runner: Runner) -> None:
    assert _plan(runner)[0] == 0
    audit = {"audit-log": "trail.jsonl", "config-dir": "pr/projects.d", "plan-file": "plan.json"}
    status, log = runner.run("apply", **audit, **{"hold-sensitive": "true"})
    assert status == 0, log
    assert runner.outputs()["held"] == "true"
    assert "::notice::the plan needs an approval" in log
    assert not (runner.workspace / "trail.jsonl").exists()
    status, log = runner.run("apply", **audit)
    assert status == 0, log
    assert runner.outputs() | {"held": "false", "exit_code": "0"} == runner.outputs()
    assert (runner.workspace / "trail.jsonl").is_file()
    status, log = runner.run("apply", **audit)  # the same plan again: live moved on
    assert status == 1
    outputs = runner.outputs()
    assert outputs["exit_code"] == "1"
    stale = Path(outputs["report"]).read_text(encoding="utf-8")
    assert stale.startswith("## Reconciler apply: :x: the reviewed plan is stale"), log
    assert "(reviewed, no longer planned)" in stale  # everything it held is done now
    assert runner.summary.read_text(encoding="utf-8") == stale


def test_drift_found_is_reported_and_a_usage_error_fails(runner: Runner) -> None:
    status, log = runner.run("drift", **{"config-dir": "pr/projects.d"})
    assert status == 0, log  # drift is not a failure: the issue says it
    assert runner.outputs()["exit_code"] == "2"
    assert Path(runner.outputs()["report"]).read_text().startswith("## ")
    runner.target = "foo"
    status, log = runner.run("drift", **{"config-dir": "pr/projects.d"})
    assert status == 1
    assert runner.outputs()["exit_code"] == "1"
    assert "report" not in runner.outputs()


def test_an_unknown_command_or_format_is_refused(runner: Runner) -> None:
    assert runner.run("destroy")[0] == 2
    assert runner.run("plan", format="yaml")[0] == 2


def test_an_error_with_no_place_is_an_annotation_on_the_run(runner: Runner) -> None:
    runner.target = "http://127.0.0.1:1/api/v1"  # nothing listens there
    runner.base["RECONCILER_MAX_ATTEMPTS"] = "1"
    status, log = _plan(runner)
    assert status == 1
    errors = [
        line for line in log.splitlines() if line.startswith("::error title=reconciler plan::")
    ]
    assert errors, log
    assert "could not connect" in errors[0]
    assert runner.token not in log
