"""``.github/reconciler-comment.js``, the action's comment step, run by node against a
recording stand-in for the GitHub API (the one live system no test can reach): which
comment, label and issue calls it makes for each command and outcome."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from workflow_helpers import ROOT

SCRIPT = ROOT / ".github" / "reconciler-comment.js"
BOT = "github-actions[bot]"

#: A stand-in for actions/github-script's ``github``: list calls answer from STATE,
#: every other call is recorded (name and arguments) and answers ``{data: {}}``.
HARNESS = r"""
const state = JSON.parse(process.env.STATE);
const calls = [];
const record = (name) => async (args) => {
  calls.push([name, args]);
  if (name === "issues.removeLabel" && state.unlabeled) {
    const error = new Error("Label does not exist"); error.status = 404; throw error;
  }
  return { data: {} };
};
const list = (items) => async () => ({ data: items });
const github = {
  paginate: async (fn, args) => (await fn(args)).data,
  rest: {
    issues: {
      listComments: list(state.comments || []),
      listForRepo: list(state.issues || []),
      createComment: record("issues.createComment"),
      updateComment: record("issues.updateComment"),
      addLabels: record("issues.addLabels"),
      removeLabel: record("issues.removeLabel"),
      create: record("issues.create"),
      update: record("issues.update"),
    },
  },
};
const context = {
  repo: { owner: "acme", repo: "config" }, serverUrl: "https://github.com", runId: 42,
  issue: { number: state.pr || 0 }, payload: {},
};
require(process.env.SCRIPT)({ github, context, core: {}, env: process.env })
  .then(() => console.log(JSON.stringify(calls)))
  .catch((error) => { console.error(error); process.exit(1); });
"""


def _node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.fail("node is not installed (the machine image ships nodejs)")
    return found


def run(tmp_path: Path, env: dict[str, str], **state: Any) -> list[tuple[str, dict[str, Any]]]:
    done = subprocess.run(
        [_node(), "-e", HARNESS],
        env={"STATE": json.dumps(state), "SCRIPT": str(SCRIPT), "ACCOUNT": "default", **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [tuple(call) for call in json.loads(done.stdout)]  # type: ignore[misc]


def _files(tmp_path: Path, report: str, sensitive: list[dict[str, str]]) -> dict[str, str]:
    (tmp_path / "report.md").write_text(report, encoding="utf-8")
    saved = {"git_commit": "0123abc", "target": "https://acme.example/api/v1"}
    (tmp_path / "plan.json").write_text(json.dumps({**saved, "sensitive": sensitive}))
    return {"REPORT": str(tmp_path / "report.md"), "PLAN_FILE": str(tmp_path / "plan.json")}


def test_plan_updates_its_own_comment_only_and_labels_the_pr(tmp_path: Path) -> None:
    files = _files(tmp_path, "## Reconciler plan", [{"code": "deletes_project", "message": "x"}])
    marker = "<!-- reconciler-plan:default -->"
    comments = [
        {"id": 1, "user": {"login": "mallory"}, "body": marker},
        {"id": 2, "user": {"login": BOT}, "body": f"{marker}\nold plan"},
    ]
    calls = run(tmp_path, {"COMMAND": "plan", **files}, pr=7, comments=comments)
    (update,) = [args for name, args in calls if name == "issues.updateComment"]
    assert update["comment_id"] == 2
    body = update["body"]
    assert body.startswith(marker)
    assert "commit `0123abc`" in body
    assert "target `https://acme.example/api/v1`" in body
    assert "[run](https://github.com/acme/config/actions/runs/42)" in body
    assert "needs an approval" in body and body.rstrip().endswith("## Reconciler plan")
    assert ("issues.addLabels", {"owner": "acme", "repo": "config", "issue_number": 7,
            "labels": ["reconciler: needs approval"]}) in calls  # fmt: skip
    assert not [c for c in calls if c[0] == "issues.createComment"]


def test_plan_creates_the_comment_once_and_takes_the_label_off(tmp_path: Path) -> None:
    files = _files(tmp_path, "## Reconciler plan", [])
    calls = run(tmp_path, {"COMMAND": "plan", **files}, pr=7, comments=[], unlabeled=True)
    names = [name for name, _ in calls]
    assert names == ["issues.createComment", "issues.removeLabel"]


def test_a_stale_apply_comments_on_the_merged_pull_request(tmp_path: Path) -> None:
    files = _files(tmp_path, "## Reconciler apply: :x: the reviewed plan is stale\n", [])
    env = {"COMMAND": "apply", "EXIT_CODE": "1", "PR": "7", **files}
    calls = run(tmp_path, env, comments=[])
    (create,) = [args for name, args in calls if name == "issues.createComment"]
    assert create["issue_number"] == 7
    assert "the reviewed plan is stale" in create["body"]
    assert run(tmp_path, {**env, "EXIT_CODE": "0"}, comments=[]) == []


def test_drift_opens_one_issue_and_closes_it_when_back_in_sync(tmp_path: Path) -> None:
    files = _files(tmp_path, "## Drift", [])
    opened = run(tmp_path, {"COMMAND": "drift", "EXIT_CODE": "2", **files}, issues=[])
    ((name, args),) = opened
    assert name == "issues.create" and args["labels"] == ["drift"]
    mine = {"number": 5, "user": {"login": BOT}, "body": "<!-- reconciler-drift:default -->"}
    theirs = {"number": 6, "user": {"login": "mallory"}, "body": mine["body"]}
    synced = run(tmp_path, {"COMMAND": "drift", "EXIT_CODE": "0"}, issues=[theirs, mine])
    assert [name for name, _ in synced] == ["issues.createComment", "issues.update"]
    assert synced[0][1]["issue_number"] == 5
    assert synced[0][1]["body"].startswith("Back in sync")
    assert synced[1][1] | {"state": "closed"} == synced[1][1]
    assert run(tmp_path, {"COMMAND": "drift", "EXIT_CODE": "0"}, issues=[theirs]) == []
