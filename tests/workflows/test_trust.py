"""The workflows never hand a secret to code a pull request can change.

Read from the workflow files themselves (see ``workflow_helpers``): which trigger takes
the workflow's own definition from where, which checkout is the trusted tool and which
is the pull request's data, which steps hold a secret and what those steps execute.
Each rule answers the places that break it (workflow, job, step); the last tests plant
each kind of hole in a copy of plan.yml and check that a rule names it.
"""

from __future__ import annotations

import re
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
    held_to_main,
    inside,
    load,
    load_action,
    option_value,
    trusted_paths,
)

NAMES = sorted(p.name for p in WORKFLOWS.glob("*.yml"))
#: Programs a step holding a secret may run besides the trusted reconciler: shell
#: builtins and system tools that load no file they are pointed at as code.
HARMLESS = frozenset({"echo", "printf", "exit", "set", "[", "test", "true", "cat", "tee"})

Workflow = dict[str, Any]
Rule = Callable[[str, Workflow], Iterator[str]]


#: The only remote actions a workflow may run (GitHub's own; pinned by major version).
REMOTE = ("actions/checkout@", "actions/upload-artifact@", "actions/download-artifact@")
#: The reusable workflow a job may call, handing it the repository's secrets: a file of
#: this repository at the same commit, so as trusted as the caller.
CALLABLE = "./.github/workflows/reconciler-apply.yml"


def _steps(name: str, workflow: Workflow) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            label = step.get("name") or step.get("uses") or step.get("run")
            yield f"{name}: job {job_id}: step {label}", job, step


def _data_paths(workflow: Workflow, job: dict[str, Any]) -> set[str]:
    return {c.path for c in checkouts(job)} - trusted_paths(workflow, job)


def no_job_wide_secret(name: str, workflow: Workflow) -> Iterator[str]:
    if has_secret(workflow.get("env")):
        yield f"{name}: secrets in the workflow's env"
    for job_id, job in workflow["jobs"].items():
        if has_secret(job.get("env")):
            yield f"{name}: job {job_id}: secrets for the whole job"
        if job.get("secrets") is not None and (
            job.get("uses") != CALLABLE or job.get("secrets") != "inherit"
        ):
            yield f"{name}: job {job_id}: secrets handed to {job.get('uses')}"


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
        uses = str(step.get("uses", ""))
        if uses.startswith("./") and not any(inside(uses, t) for t in trusted):
            yield f"{where}: runs the local action {uses}"
        elif uses and not uses.startswith(("./", *REMOTE)):
            yield f"{where}: hands a secret to {uses}"
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
        trusted = trusted_paths(workflow, job)
        for found in checkouts(job):
            if found.path not in trusted:
                # the audit trail is read as the audit log, the pull request as config
                role = "audit-log" if found.ref == AUDIT_BRANCH else "config-dir"
                yield from _reads_of(where, step, found.path, role)


def _reads_of(where: str, step: dict[str, Any], data: str, role: str) -> Iterator[str]:
    """What ``step`` executes or loads from the checkout at ``data``, which the action
    may read only as its input ``role``."""
    uses = str(step.get("uses", ""))
    if inside(uses, data):
        yield f"{where}: uses an action from {data}"
    if uses.startswith("actions/checkout@"):
        return  # it writes there
    for key, value in (step.get("with") or {}).items():
        if inside(str(value), data) and key != role:
            yield f"{where}: hands {data} to the action as {key}"
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
    if not events(workflow) <= {"push", "schedule", "workflow_dispatch", "workflow_call"}:
        yield f"{name}: runs on {sorted(events(workflow))}"
    if "push" in events(workflow) and workflow["on"]["push"].get("branches") != ["main"]:
        yield f"{name}: runs on pushes to other branches"
    for job_id, job in workflow["jobs"].items():
        if not held_to_main(job):
            yield f"{name}: job {job_id} may run on another branch (workflow_dispatch)"
        if any(c.persist_credentials for c in checkouts(job)):
            yield f"{name}: job {job_id}: checkout leaves the GitHub token in .git/config"


def no_checkout_keeps_credentials(name: str, workflow: Workflow) -> Iterator[str]:
    """README: "Checkouts keep no credentials in ``.git/config``", in every workflow: a
    job that runs the pull request's code (the tests) could otherwise read the token."""
    for job_id, job in workflow["jobs"].items():
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
    no_checkout_keeps_credentials,
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
PLAN_STEP = "        uses: ./tool\n        with:\n          command: plan\n"

HOLES = {
    "the action of the pull request": (
        PLAN_STEP,
        PLAN_STEP.replace("./tool", "./pr"),
        "uses an action from pr",
    ),
    "an audit log from the pull request": (
        "audit-log: audit/audit.jsonl",
        "audit-log: pr/audit.jsonl",
        "hands pr to the action as audit-log",
    ),
    "the secrets to another action": (
        PLAN_STEP,
        PLAN_STEP.replace("./tool", "someone/else@v1"),
        "hands a secret to someone/else@v1",
    ),
    "the pull request's workflow file": (
        "  pull_request_target:\n",
        "  pull_request:\n",
        "secrets on a pull_request workflow",
    ),
    "the tool from the head": (
        "ref: ${{ github.event.pull_request.base.sha }}\n          path: tool",
        "ref: ${{ github.event.pull_request.head.sha }}\n          path: tool",
        "runs the local action ./tool",
    ),
    "secrets for the whole job": (
        "    needs: validate\n",
        "    needs: validate\n    env:\n      T: ${{ secrets.RECONCILER_TOKEN }}\n",
        "secrets for the whole job",
    ),
    "secrets for forks": (f"    if: {SAME_REPO}\n", "", "runs for forks"),
    "credentials kept": ("persist-credentials: false", "persist-credentials: true", "keeps cred"),
    "the parse cache of the pull request": ('  RECONCILER_NO_CACHE: "1"', "  X: y", "parse cache"),
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


# The action (action.yml), which every workflow runs: what holds inside it.

ACTION_FILE = load_action()
ACTION_STEPS: list[dict[str, Any]] = ACTION_FILE["runs"]["steps"]
#: Inputs that carry a secret.
SECRET_INPUTS = re.compile(r"\$\{\{\s*inputs\.(target|token|notify-url)\s*\}\}")
#: Remote actions the action itself uses.
ACTION_REMOTE = ("actions/setup-python@", "actions/github-script@", "actions/download-artifact@")


def test_the_action_is_composite_and_runs_only_actions_of_github() -> None:
    assert ACTION_FILE["runs"]["using"] == "composite"
    for step in ACTION_STEPS:
        uses = str(step.get("uses", ""))
        assert not uses or uses.startswith(ACTION_REMOTE), uses


def test_the_action_hands_secrets_only_to_the_reconciler_step() -> None:
    holders = [s.get("id") for s in ACTION_STEPS if SECRET_INPUTS.search(str(s))]
    assert holders == ["run"]
    run = next(s for s in ACTION_STEPS if s.get("id") == "run")
    assert all(SECRET_INPUTS.fullmatch(str(run["env"][k])) for k in (
        "RECONCILER_TARGET", "RECONCILER_TOKEN", "RECONCILER_NOTIFY_URL"))  # fmt: skip
    assert not SECRET_INPUTS.search(str(run.get("run")))
    assert commands(run["run"]) == [["bash", "$GITHUB_ACTION_PATH/.github/reconciler-action.sh"]]


def test_the_action_pastes_no_expression_into_a_script() -> None:
    for step in ACTION_STEPS:
        assert "${{" not in str(step.get("run", "")), step.get("name")
        script = str((step.get("with") or {}).get("script", ""))
        assert "${{" not in script, step.get("name")


def test_the_action_installs_only_itself_and_the_locked_dependencies() -> None:
    installs = [
        words
        for step in ACTION_STEPS
        for words in commands(str(step.get("run", "")))
        if "pip" in words
    ]
    locked = ["-r", "$GITHUB_ACTION_PATH/requirements.lock"]
    assert len(installs) == 2, installs
    assert "--require-hashes" in installs[0] and installs[0][-2:] == locked
    # itself only, built with the locked setuptools (no build dependency fetched unpinned)
    assert installs[1][-3:] == ["--no-deps", "--no-build-isolation", "$GITHUB_ACTION_PATH"]


def test_the_action_runs_only_its_own_scripts() -> None:
    for step in ACTION_STEPS:
        for words in commands(str(step.get("run", ""))):
            if words[0] == "bash":
                assert words[1].startswith("$GITHUB_ACTION_PATH/"), words
            else:
                assert words[0] in {"python", "reconciler"}, words
        script = str((step.get("with") or {}).get("script", ""))
        for required in re.findall(r"require\(([^)]*)\)", script):
            assert required == "`${process.env.ACTION_PATH}/.github/reconciler-comment.js`"
