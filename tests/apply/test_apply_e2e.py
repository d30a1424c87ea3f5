"""``reconciler apply`` end to end against the sandbox served on a loopback socket."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from apply_helpers import git
from click.testing import CliRunner, Result

from reconciler.audit import AuditLog
from reconciler.cli.main import cli


def run(repo: Path, served: tuple[str, str], *args: str) -> Result:
    url, token = served
    env = {"RECONCILER_TOKEN": token, "RECONCILER_TARGET": url, "NO_COLOR": "1"}
    return CliRunner().invoke(
        cli,
        [*args, "--config-dir", str(repo / "projects.d")],
        env=env,
        catch_exceptions=False,
    )


def changelog(served: tuple[str, str]) -> list[dict[str, object]]:
    url, token = served
    items: list[dict[str, object]] = []
    offset: int | None = 0
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as http:
        while offset is not None:
            page = http.get(f"{url}/changelog", params={"offset": offset, "limit": 1000}).json()
            items += page["items"]
            offset = page["next_offset"]
    return items


def audit_log(repo: Path) -> Path:
    return repo / "audit.jsonl"


def apply(repo: Path, served: tuple[str, str], *extra: str) -> Result:
    return run(repo, served, "apply", "--auto-approve", "--audit-log", str(audit_log(repo)), *extra)


def test_apply_then_plan_is_empty(config_repo: Path, served_sandbox: tuple[str, str]) -> None:
    first = apply(config_repo, served_sandbox)
    assert first.exit_code == 0, first.output
    assert "Apply complete" in first.output
    again = run(config_repo, served_sandbox, "plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "No changes" in again.output


def test_audit_record_matches_platform_change_log(
    config_repo: Path, served_sandbox: tuple[str, str]
) -> None:
    head = git(config_repo, "rev-parse", "HEAD")
    assert apply(config_repo, served_sandbox).exit_code == 0
    entries = list(AuditLog(audit_log(config_repo)).entries())
    assert [e.data["type"] for e in entries] == ["apply_started", "apply_finished"]
    finished = entries[1].data
    assert finished["outcome"] == "applied"
    assert finished["git"]["commit"] == head
    assert finished["git"]["author_name"] == "Test Author"
    audited = sorted(i for c in finished["changes"] for i in c["change_ids"])
    platform = [e for e in changelog(served_sandbox) if e["client"]["commit"] == head]
    assert sorted({int(e["id"]) for e in platform}) == sorted(set(audited))
    assert all(e["client"]["plan"] == finished["plan_checksum"] for e in platform)
    assert AuditLog(audit_log(config_repo)).verify().problem is None


def test_saved_plan_applies_exactly_and_refuses_when_stale(
    config_repo: Path, served_sandbox: tuple[str, str], tmp_path: Path
) -> None:
    plan_file = tmp_path / "plan.json"
    made = run(config_repo, served_sandbox, "plan", "--out", str(plan_file))
    assert made.exit_code == 0, made.output
    # A change by hand between plan and apply: the saved plan is stale.
    url, token = served_sandbox
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as http:
        created = http.post(f"{url}/projects", json={"name": "Made by hand"})
        assert created.status_code == 201
    stale = apply(config_repo, served_sandbox, str(plan_file))
    assert stale.exit_code == 1
    assert "live platform changed" in stale.output
    assert not audit_log(config_repo).exists()
    # A fresh plan applies exactly as reviewed.
    made = run(config_repo, served_sandbox, "plan", "--out", str(plan_file))
    applied = apply(config_repo, served_sandbox, str(plan_file))
    assert applied.exit_code == 0, applied.output
    finished = list(AuditLog(audit_log(config_repo)).entries())[-1].data
    assert finished["plan_checksum"] == json.loads(plan_file.read_text())["plan"]["checksum"]


def test_altered_plan_file_is_refused(
    config_repo: Path, served_sandbox: tuple[str, str], tmp_path: Path
) -> None:
    plan_file = tmp_path / "plan.json"
    assert run(config_repo, served_sandbox, "plan", "--out", str(plan_file)).exit_code == 0
    data = json.loads(plan_file.read_text())
    data["plan"]["changes"] = data["plan"]["changes"][:1]
    plan_file.write_text(json.dumps(data))
    result = apply(config_repo, served_sandbox, str(plan_file))
    assert result.exit_code == 1
    assert "altered" in result.output


def test_dirty_tree_is_refused_unless_allowed(
    config_repo: Path, served_sandbox: tuple[str, str]
) -> None:
    policy = config_repo / "projects.d" / "policies.yaml"
    policy.write_text(policy.read_text() + "\n# an uncommitted edit\n")
    refused = apply(config_repo, served_sandbox)
    assert refused.exit_code == 1
    assert "uncommitted changes" in refused.output
    assert not audit_log(config_repo).exists()
    allowed = apply(config_repo, served_sandbox, "--allow-dirty")
    assert allowed.exit_code == 0, allowed.output
    assert list(AuditLog(audit_log(config_repo)).entries())[-1].data["allow_dirty"] is True


def test_no_terminal_and_no_auto_approve_is_refused(
    config_repo: Path, served_sandbox: tuple[str, str]
) -> None:
    result = run(config_repo, served_sandbox, "apply", "--audit-log", str(audit_log(config_repo)))
    assert result.exit_code == 2
    assert "--auto-approve" in result.output
    assert not audit_log(config_repo).exists()


def test_token_never_in_output_or_audit(config_repo: Path, served_sandbox: tuple[str, str]) -> None:
    result = apply(config_repo, served_sandbox)
    assert result.exit_code == 0
    token = served_sandbox[1]
    assert token not in result.output
    assert token not in audit_log(config_repo).read_text()


@pytest.mark.parametrize("fault", ["error", "throttle"])
def test_apply_converges_under_faults_without_double_application(
    config_repo: Path, served_sandbox: tuple[str, str], fault: str
) -> None:
    url, token = served_sandbox
    settings: dict[str, object] = {"seed": 7, "retry_after": 0}
    settings.update(
        {"error_rate": 0.25, "error_status": 503} if fault == "error" else {"throttle_rate": 0.25}
    )
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as http:
        assert http.put(f"{url}/admin/faults", json=settings).status_code == 200
    for _ in range(5):
        if apply(config_repo, served_sandbox).exit_code == 0:
            break
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as http:
        http.put(f"{url}/admin/faults", json={"error_rate": 0, "throttle_rate": 0})
    assert run(config_repo, served_sandbox, "plan", "--detailed-exitcode").exit_code == 0
    # Record for record: every platform entry made by the apply is in the audit log once.
    log = AuditLog(audit_log(config_repo))
    assert log.verify().problem is None
    audited = [
        i
        for e in log.entries()
        if e.data["type"] == "apply_finished"
        for c in e.data["changes"]
        for i in c["change_ids"]
    ]
    platform = sorted(int(e["id"]) for e in changelog(served_sandbox) if e["client"]["plan"])
    assert sorted(set(audited)) == platform
