"""drift.yml's own ``Detect drift`` script, run by bash: a usage error (which exits 2
like drift found) fails the job instead of opening a drift issue with an empty report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from usercli import new_user_repo
from workflow_helpers import load

DRIFT = load("drift.yml")
(STEP,) = [s for s in DRIFT["jobs"]["drift"]["steps"] if s.get("name") == "Detect drift"]


def run_step(tmp_path: Path, target: str) -> tuple[int, str]:
    shell = new_user_repo(tmp_path)
    output = tmp_path / "github_output"
    env = {
        **shell.env,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{shell.env['PATH']}",
        "GITHUB_OUTPUT": str(output),
        "RECONCILER_TARGET": target,
        "RECONCILER_TOKEN": "",
        "RECONCILER_NOTIFY_URL": "",
    }
    done = subprocess.run(
        ["bash", "-e", "-c", STEP["run"]],
        cwd=shell.cwd,
        env={k: v for k, v in env.items() if v != ""} | {"RECONCILER_NOTIFY_URL": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, output.read_text(encoding="utf-8")


def test_a_usage_error_fails_the_job_and_opens_no_issue(tmp_path: Path) -> None:
    code, output = run_step(tmp_path, "foo")
    assert code == 1
    assert "exit_code=1" in output.splitlines()


def test_drift_found_goes_into_the_issue(tmp_path: Path) -> None:
    # the embedded sandbox starts with everything in Default: the files differ from it
    code, output = run_step(tmp_path, "sandbox:.reconciler/sandbox.db")
    assert code == 0
    assert "exit_code=2" in output.splitlines()
