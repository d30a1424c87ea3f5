"""``reconciler audit`` through click's CliRunner (and once as a real process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reconciler.audit.git import ci_metadata, git_metadata
from reconciler.audit.log import AuditLog
from reconciler.audit.record import AuditRecord, apply_finished, apply_started
from reconciler.cli.main import cli
from reconciler.errors import AuditError

TOKEN = "glpat-T0pS3cretValue"


def run_git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = tmp_path / "repo"
    root.mkdir()
    run_git(root, "init", "-q", "-b", "main")
    run_git(root, "config", "user.name", "Bob Ops")
    run_git(root, "config", "user.email", "bob@example.com")
    run_git(
        root,
        "remote",
        "add",
        "origin",
        f"https://oauth2:{TOKEN}@gitlab.example.com/acme/access.git",
    )
    (root / "projects.d").mkdir()
    (root / "projects.d" / "bank.yaml").write_text("name: Bank\n")
    run_git(root, "add", ".")
    run_git(root, "commit", "-q", "-m", "Bank: add alice")
    return root


def add(project: str, member: str, member_type: str = "user") -> dict[str, Any]:
    return {
        "type": "member_add",
        "action": "add",
        "project": project,
        "member_type": member_type,
        "member": member,
    }


def record_apply(
    log: AuditLog, repo: Path, changes: list[dict[str, Any]], ids: list[int]
) -> AuditRecord:
    begun = apply_started(
        time="2026-05-01T10:00:00Z",
        actor="gitlab:bob",
        target="https://calls.example.com/api/v1",
        plan_checksum="sha256:" + "9" * 64,
        live_fingerprint="l",
        desired_fingerprint="d",
        changes=changes,
        git=git_metadata(repo / "projects.d", dirty=True),
        ci=ci_metadata(
            {"GITLAB_CI": "true", "GITLAB_USER_LOGIN": "bob", "CI_MERGE_REQUEST_IID": "31"}
        ),
    )
    seq = log.append(begun).seq
    done = [
        {**c, "outcome": "applied", "change_ids": [i]} for c, i in zip(changes, ids, strict=True)
    ]
    finished = apply_finished(
        begun, seq, time="2026-05-01T10:00:03Z", outcome="applied", changes=done
    )
    log.append(finished)
    return finished


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, ["audit", *args])


def test_verify_ok_prints_one_line(tmp_path: Path, repo: Path) -> None:
    path = tmp_path / "audit.jsonl"
    record_apply(AuditLog(path), repo, [add("Bank", "alice")], [501])
    result = invoke("verify", "--log", str(path))
    assert result.exit_code == 0, result.output
    last = json.loads(path.read_bytes().splitlines()[-1])["hash"]
    assert result.stdout == f"ok: 2 records, last seq 2, last hash {last}\n"
    assert result.stderr == ""


def test_verify_names_the_edited_record_and_exits_1(tmp_path: Path, repo: Path) -> None:
    path = tmp_path / "audit.jsonl"
    record_apply(AuditLog(path), repo, [add("Bank", "alice")], [501])
    record_apply(AuditLog(path), repo, [add("Shop", "carol")], [502])
    path.write_bytes(path.read_bytes().replace(b'"member":"carol"', b'"member":"mallory"', 1))
    result = invoke("verify", "--log", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"error: {path}: audit log broken at line 3 (seq 3): hash mismatch: the record was edited"
    )
    data = json.loads(invoke("verify", "--log", str(path), "--format", "json").stdout)
    assert (data["ok"], data["records"], data["problem"]["kind"], data["problem"]["seq"]) == (
        False,
        2,
        "hash",
        3,
    )


def test_verify_torn_tail_then_repair(tmp_path: Path, repo: Path) -> None:
    path = tmp_path / "audit.jsonl"
    record_apply(AuditLog(path), repo, [add("Bank", "alice")], [501])
    path.write_bytes(path.read_bytes()[:-30])
    result = invoke("verify", "--log", str(path))
    assert result.exit_code == 1
    assert "line 2: truncated last record (crash during write?)" in result.stderr
    assert "reconciler audit repair" in result.stderr
    refused = CliRunner().invoke(cli, ["audit", "repair", "--log", str(path)], input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    assert invoke("verify", "--log", str(path)).exit_code == 1
    fixed = CliRunner().invoke(cli, ["audit", "repair", "--log", str(path)], input="y\n")
    assert fixed.exit_code == 0, fixed.output
    assert "to " + str(path) + ".torn. ok: 1 records" in fixed.stdout
    assert invoke("verify", "--log", str(path)).exit_code == 0
    assert "Nothing to repair" in invoke("repair", "--log", str(path), "--yes").stdout


def _started() -> AuditRecord:
    """An apply started (for Bank's eve) that no record finishes."""
    return apply_started(
        time="t",
        actor="local:bob",
        target="sandbox:x",
        plan_checksum="p",
        live_fingerprint="l",
        desired_fingerprint="d",
        changes=[add("Bank", "eve")],
    )


def test_an_edited_last_record_is_evidence_never_repaired_away(tmp_path: Path, repo: Path) -> None:
    """A whole last line (newline and all) that is not JSON was edited, not torn by a
    crash: ``verify`` says so and ``repair`` leaves it where it is."""
    path = tmp_path / "audit.jsonl"
    record_apply(AuditLog(path), repo, [add("Bank", "alice")], [501])
    edited = path.read_bytes().replace(b'"outcome":"applied"', b'"outcome":applied')
    assert edited != path.read_bytes() and edited.endswith(b"\n")
    path.write_bytes(edited)
    result = invoke("verify", "--log", str(path))
    assert result.exit_code == 1
    assert "line 2: not valid JSON: the line was edited" in result.stderr
    assert "Nothing to repair" in invoke("repair", "--log", str(path), "--yes").stdout
    assert path.read_bytes() == edited
    assert not (tmp_path / "audit.jsonl.torn").exists()
    with pytest.raises(AuditError, match="not JSON: it was edited"):
        AuditLog(path).append(_started())
    assert path.read_bytes() == edited


def test_verify_warns_about_an_interrupted_apply(tmp_path: Path, repo: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.append(_started())
    result = invoke("verify", "--log", str(path))
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: interrupted apply at seq 1 (line 1)")
    listed = json.loads(
        invoke("log", "--log", str(path), "--user", "eve", "--format", "json").stdout
    )
    assert [(f["outcome"], f["interrupted"]) for f in listed] == [("unknown", True)]


def test_log_answers_who_gave_alice_bank(tmp_path: Path, repo: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    record_apply(log, repo, [add("Bank", "alice"), add("Bank", "alice", "group")], [501, 502])
    record_apply(log, repo, [add("Shop", "alice")], [503])
    sha = run_git(repo, "rev-parse", "HEAD")
    result = invoke("log", "--log", str(path), "--user", "alice", "--project", "Bank")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"2026-05-01T10:00:03Z  {sha[:12]}  Bob Ops <bob@example.com>  PR #31  gitlab:bob  "
        "member_add: project Bank: + user alice  change ids 501"
    ]
    as_json = json.loads(
        invoke("log", "--log", str(path), "--commit", sha[:7], "--format", "json").stdout
    )
    assert [
        (f["change"]["project"], f["change"]["member_type"], f["change_ids"]) for f in as_json
    ] == [
        ("Bank", "user", [501]),
        ("Bank", "group", [502]),
        ("Shop", "user", [503]),
    ]
    assert as_json[0]["commit"] == sha and as_json[0]["pr_number"] == 31
    assert (
        invoke("log", "--log", str(path), "--commit", "deadbeef").stdout == "No matching changes.\n"
    )


def test_the_remote_token_never_reaches_the_log_or_output(tmp_path: Path, repo: Path) -> None:
    path = tmp_path / "audit.jsonl"
    record_apply(AuditLog(path), repo, [add("Bank", "alice")], [501])
    assert TOKEN.encode() not in path.read_bytes()
    assert b"https://gitlab.example.com/acme/access.git" in path.read_bytes()
    out = invoke("log", "--log", str(path), "--format", "json")
    assert TOKEN not in out.output


def test_log_on_a_broken_chain_warns(tmp_path: Path, repo: Path) -> None:
    path = tmp_path / "audit.jsonl"
    record_apply(AuditLog(path), repo, [add("Bank", "alice")], [501])
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[1])
    result = invoke("log", "--log", str(path))
    assert result.exit_code == 0
    assert "does not verify (audit log broken at line 1 (seq 2)" in result.stderr
    assert "member_add" in result.stdout


def test_missing_log_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = invoke("verify", "--log", str(tmp_path / "none.jsonl"))
    assert isinstance(result.exception, AuditError)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reconciler",
            "audit",
            "verify",
            "--log",
            str(tmp_path / "none.jsonl"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert (
        done.stderr
        == f"error: no audit log at {tmp_path / 'none.jsonl'} (nothing has been applied yet?)\n"
    )
