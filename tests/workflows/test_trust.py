"""The workflows never hand a secret to code a pull request can change.

Read from the workflow files themselves (see ``workflow_helpers``): which trigger takes
the workflow's own definition from where, which checkout is the trusted tool and which
is the pull request's data, which steps hold a secret and what those steps execute.
Each rule answers the places that break it (workflow, job, step); the last tests plant
each kind of hole in a copy of plan.yml and check that a rule names it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from workflow_helpers import (
    AUDIT_BRANCH,
    BASE_SHA,
    HEAD_SHA,
    PR_EVENTS,
    SAME_REPO,
    WORKFLOWS,
    checkouts,
    commands,
    events,
    has_secret,
    inside,
    load,
    option_value,
    trusted_paths,
)

NAMES = sorted(p.name for p in WORKFLOWS.glob("*.yml"))
#: Programs a step holding a secret may run besides the trusted reconciler: shell
#: builtins and system tools that load no file they are pointed at as code.
HARMLESS = frozenset({"echo", "printf", "exit", "set", "[", "test", "true", "cat", "tee"})

Workflow = dict[str, Any]
Rule = Callable[[str, Workflow], Iterator[str]]


def _steps(name: str, workflow: Workflow) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    for job_id, job in workflow["jobs"].items():
        for step in job["steps"]:
            label = step.get("name") or step.get("uses") or step.get("run")
            yield f"{name}: job {job_id}: step {label}", job, step


def _data_paths(workflow: Workflow, job: dict[str, Any]) -> set[str]:
    return {c.path for c in checkouts(job)} - trusted_paths(workflow, job)


def no_job_wide_secret(name: str, workflow: Workflow) -> Iterator[str]:
    if has_secret(workflow.get("env")):
        yield f"{name}: secrets in the workflow's env"
    for job_id, job in workflow["jobs"].items():
        if has_secret(job.get("env")) or job.get("secrets") is not None:
            yield f"{name}: job {job_id}: secrets for the whole job"


def no_secret_where_the_pull_request_defines_the_workflow(
    name: str, workflow: Workflow
) -> Iterator[str]:
    """On ``pull_request`` GitHub runs the workflow file as the pull request has it: such
    a workflow (ci.yml, which runs the pull request's tests) must name no secret. One
    that needs a secret runs on ``pull_request_target``, defined by the base branch."""
    if "pull_request" in events(workflow) and has_secret(workflow):
        yield f"{name}: secrets on a pull_request workflow"


def secret_steps_run_only_trusted_code(name: str, workflow: Workflow) -> Iterator[str]:
    for where, job, step in _steps(name, workflow):
        if not (has_secret(step.get("env")) or has_secret(step.get("with"))):
            continue
        trusted, data = trusted_paths(workflow, job), _data_paths(workflow, job)
        if str(step.get("uses", "")).startswith(("./", "docker://")):
            yield f"{where}: runs a local action"
        folder = str(step.get("working-directory", "."))
        if any(inside(folder, d) for d in data):
            yield f"{where}: runs in {folder}"
        for words in commands(str(step.get("run", ""))):
            if words[0] == "bash" and not any(inside(words[1], t) for t in trusted):
                yield f"{where}: runs {words[1]}"
            elif words[0] not in HARMLESS | {"bash", "reconciler"}:
                yield f"{where}: runs {words[0]}"


def installs_only_the_trusted_checkout(name: str, workflow: Workflow) -> Iterator[str]:
    for where, job, step in _steps(name, workflow):
        trusted = trusted_paths(workflow, job)
        folder = str(step.get("working-directory", "."))
        for words in commands(str(step.get("run", ""))):
            if "PATH" in " ".join(words):
                yield f"{where}: changes PATH"
            if "pip" not in words[:3] or "install" not in words:
                continue
            rest = words[words.index("install") + 1 :]
            options = [w for w in rest if w.startswith("-") and w != "--quiet"]
            if options:
                yield f"{where}: pip install {options}"
            for target in (w for w in rest if not w.startswith("-")):
                if not any(inside(f"{folder}/{target}", t) for t in trusted):
                    yield f"{where}: installs {folder}/{target}"


def pull_request_is_only_data(name: str, workflow: Workflow) -> Iterator[str]:
    if not events(workflow) & PR_EVENTS or not has_secret(workflow):
        return
    if events(workflow) != {"pull_request_target"}:
        yield f"{name}: the pull request defines the workflow"
    for job_id, job in workflow["jobs"].items():
        found = checkouts(job)
        if {c.ref for c in found} - {AUDIT_BRANCH} != {BASE_SHA, HEAD_SHA}:
            yield f"{name}: job {job_id}: not one base and one head checkout"
        if any(c.persist_credentials or c.path == "." for c in found):
            yield f"{name}: job {job_id}: a checkout keeps credentials or fills the workspace"
    for where, job, step in _steps(name, workflow):
        for data in _data_paths(workflow, job):
            yield from _reads_of(where, step, data)


def _reads_of(where: str, step: dict[str, Any], data: str) -> Iterator[str]:
    """What ``step`` executes or loads from the checkout at ``data``."""
    if str(step.get("uses", "")).startswith("./"):
        yield f"{where}: uses a local action"
    if inside(str(step.get("working-directory", ".")), data):
        yield f"{where}: runs inside {data}"
    script = str(step.get("run", ""))
    for matcher in (w for w in script.split() if "::add-matcher::" in w):
        if inside(matcher.split("::")[-1].strip('"'), data):
            yield f"{where}: loads the problem matcher from {data}"
    for words in commands(script):
        read = [w for w in words if inside(w, data)]
        allowed = [f"{data}/projects.d"] if words[0] == "reconciler" else []
        if read not in ([], allowed):
            yield f"{where}: hands {read} to {words[0]}"
        elif read and option_value(words, "--config-dir") != read[0]:
            yield f"{where}: {data} reaches the reconciler other than as --config-dir"


def forks_get_no_secret(name: str, workflow: Workflow) -> Iterator[str]:
    if "pull_request_target" not in events(workflow):
        return
    for job_id, job in workflow["jobs"].items():
        if has_secret(job) and SAME_REPO not in str(job.get("if", "")):
            yield f"{name}: job {job_id} holds secrets and runs for forks"
        if not has_secret(job) and job.get("permissions") != {"contents": "read"}:
            yield f"{name}: job {job_id}, run for forks, may write"
    if workflow.get("permissions") != {}:
        yield f"{name}: permissions beyond the jobs'"
    if (workflow.get("env") or {}).get("RECONCILER_NO_CACHE") != "1":
        yield f"{name}: a parse cache committed in the pull request would be read"


def token_workflows_run_only_on_main(name: str, workflow: Workflow) -> Iterator[str]:
    if events(workflow) & PR_EVENTS or not has_secret(workflow):
        return
    if not events(workflow) <= {"push", "schedule", "workflow_dispatch"}:
        yield f"{name}: runs on {sorted(events(workflow))}"
    if "push" in events(workflow) and workflow["on"]["push"].get("branches") != ["main"]:
        yield f"{name}: runs on pushes to other branches"
    for job_id, job in workflow["jobs"].items():
        if job.get("if") != "github.ref == 'refs/heads/main'":
            yield f"{name}: job {job_id} may run on another branch (workflow_dispatch)"
        if any(c.persist_credentials for c in checkouts(job)):
            yield f"{name}: job {job_id}: checkout leaves the GitHub token in .git/config"


def names_print_with_workflow_commands_off(name: str, workflow: Workflow) -> Iterator[str]:
    """A project or file name like ``::set-output name=exit_code::0`` (or ``##[...]``,
    read anywhere on a line) printed by the reconciler must not be a workflow command."""
    for where, _, step in _steps(name, workflow):
        lines = str(step.get("run", "")).splitlines()
        runs = [i for i, line in enumerate(lines) if line.lstrip().startswith("reconciler ")]
        stop = [i for i, line in enumerate(lines) if '"::stop-commands::$resume"' in line]
        resume = [i for i, line in enumerate(lines) if line.strip() == 'echo "::$resume::"']
        if runs and not (stop and resume and stop[0] < min(runs) and max(runs) < resume[-1]):
            yield f"{where}: runs the reconciler with workflow commands on"


def no_expression_in_scripts(name: str, workflow: Workflow) -> Iterator[str]:
    """``${{ ... }}`` in ``run:`` is pasted before the shell reads it (a branch name or a
    title is then code); values reach scripts through ``env:``."""
    for where, _, step in _steps(name, workflow):
        if "${{" in str(step.get("run", "")):
            yield f"{where}: an expression pasted into the script"


RULES: list[Rule] = [
    no_job_wide_secret,
    no_secret_where_the_pull_request_defines_the_workflow,
    secret_steps_run_only_trusted_code,
    installs_only_the_trusted_checkout,
    pull_request_is_only_data,
    forks_get_no_secret,
    token_workflows_run_only_on_main,
    names_print_with_workflow_commands_off,
    no_expression_in_scripts,
]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
@pytest.mark.parametrize("name", NAMES)
def test_the_workflows_keep_the_rule(name: str, rule: Rule) -> None:
    assert list(rule(name, load(name))) == []


def _problems(text: str) -> list[str]:
    workflow = load("plan.yml", text)
    return [p for rule in RULES for p in rule("plan.yml", workflow)]


PLAN = (WORKFLOWS / "plan.yml").read_text(encoding="utf-8")
INSTALL = "        working-directory: tool\n        run: python -m pip install --quiet .\n"
PLAN_RUN = "reconciler plan --config-dir pr/projects.d"

HOLES = {
    "installs the pull request": (INSTALL, INSTALL.replace("tool", "pr"), "installs pr/."),
    "pip -r from the pull request": (
        "pip install --quiet .\n",
        "pip install --quiet -r ../pr/requirements.txt .\n",
        "pip install ['-r']",
    ),
    "runs a script of the pull request": (
        "          reconciler plan --config-dir",
        "          bash pr/plan.sh\n          reconciler plan --config-dir",
        "runs pr/plan.sh",
    ),
    "plans in the pull request's folder": (
        "        id: plan\n",
        "        id: plan\n        working-directory: pr\n",
        "runs inside pr",
    ),
    "the matcher of the pull request": (
        "::add-matcher::tool/",
        "::add-matcher::pr/",
        "problem matcher from pr",
    ),
    "a token file from the pull request": (
        PLAN_RUN,
        f"{PLAN_RUN} --token-file pr/token",
        "hands ['pr/projects.d', 'pr/token']",
    ),
    "the pull request's workflow file": (
        "  pull_request_target:\n",
        "  pull_request:\n",
        "secrets on a pull_request workflow",
    ),
    "the tool from the head": (
        "ref: ${{ github.event.pull_request.base.sha }}\n          path: tool",
        "ref: ${{ github.event.pull_request.head.sha }}\n          path: tool",
        "installs tool/.",
    ),
    "secrets for the whole job": (
        "    needs: validate\n",
        "    needs: validate\n    env:\n      T: ${{ secrets.RECONCILER_TOKEN }}\n",
        "secrets for the whole job",
    ),
    "secrets for forks": (f"    if: {SAME_REPO}\n", "", "runs for forks"),
    "workflow commands on": ('          echo "::stop-commands::$resume"\n', "", "commands on"),
    "credentials kept": ("persist-credentials: false", "persist-credentials: true", "keeps cred"),
}


@pytest.mark.parametrize("hole", sorted(HOLES))
def test_each_rule_finds_its_hole(hole: str) -> None:
    old, new, expected = HOLES[hole]
    assert old in PLAN
    assert _problems(PLAN) == []
    found = _problems(PLAN.replace(old, new))
    assert any(expected in problem for problem in found), found


def test_the_shell_reader_sees_every_command() -> None:
    script = (
        'resume="$(cat /proc/x)"\nstatus=0\n'
        "reconciler plan --config-dir pr/projects.d > plan.md || status=$?\n"
        'case "$status" in\n  0) echo ok ;;\n  *) bash pr/evil.sh; exit 1 ;;\nesac\n'
        'if [ "$status" -gt 1 ]; then\n  python -m pip install . | tee x\nfi\n'
    )
    assert commands(script) == [
        ["cat", "/proc/x"],
        ["reconciler", "plan", "--config-dir", "pr/projects.d"],
        ["echo", "ok"],
        ["bash", "pr/evil.sh"],
        ["exit", "1"],
        ["[", "$status", "-gt", "1", "]"],
        ["python", "-m", "pip", "install", "."],
        ["tee", "x"],
    ]
    with pytest.raises(ValueError, match="cannot read"):
        commands("echo `id`")
