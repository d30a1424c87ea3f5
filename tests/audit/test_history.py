"""``applied_history``: what the last successful apply's configuration protected, read
from a real audit log and a real git repository; every way it cannot tell says why."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from audit_helpers import finished, git, started

from reconciler.audit.git import GitInfo
from reconciler.audit.history import applied_history
from reconciler.audit.log import AuditLog
from reconciler.errors import Position

TARGET = "https://calls.example.com/api/v1"
PROTECTED = (
    "apiVersion: reconciler/v1\nkind: Project\nname: Bank\nprotected: true\n---\n"
    "apiVersion: reconciler/v1\nkind: Project\nname: Fit\n"
)


@pytest.fixture
def config(tmp_path: Path, isolated_git: None) -> Path:
    """``infra/projects.d`` in a repository, committed with Bank protected, Fit not."""
    root = tmp_path / "repo"
    (root / "infra" / "projects.d" / ".hidden").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Alice Doe")
    git(root, "config", "user.email", "alice@example.com")
    config = root / "infra" / "projects.d"
    (config / "projects.yaml").write_text(PROTECTED)
    (config / ".hidden" / "x.yaml").write_text("{{{ not yaml")
    (root / "other.yaml").write_text("apiVersion: reconciler/v1\nkind: Project\nname: X\n")
    commit(root)
    return config


def commit(root: Path) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "change")
    return git(root, "rev-parse", "HEAD")


def record(log: Path, commit: str, *, target: str = TARGET, dirty: bool = False) -> None:
    audit = AuditLog(log)
    begun = replace(started(commit=commit), target=target, git=GitInfo(commit=commit, dirty=dirty))
    entry = audit.append(begun)
    audit.append(finished(begun, entry.seq))


def head(config: Path) -> str:
    return git(config, "rev-parse", "HEAD")


def test_reads_the_protected_projects_of_the_last_applied_commit(
    config: Path, tmp_path: Path
) -> None:
    applied = head(config)
    record(tmp_path / "audit.jsonl", applied)
    (config / "projects.yaml").write_text("apiVersion: reconciler/v1\nkind: Project\nname: Z\n")
    commit(config.parents[1])  # what the files say now does not matter
    history = applied_history(config, tmp_path / "audit.jsonl", TARGET, use_cache=False)
    assert history.unknown is None
    assert history.declared == {"Bank", "Fit"}  # not other.yaml: outside the config dir
    where = Position(f"{applied[:12]}:infra/projects.d/projects.yaml", 4, 1)
    assert history.protected == {"Bank": where}
    assert history.source == f"commit {applied[:12]}, audit record #2 in {tmp_path}/audit.jsonl"


def test_a_relative_or_symlinked_config_dir_reads_the_same(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record(tmp_path / "audit.jsonl", head(config))
    (tmp_path / "link").symlink_to(config)
    monkeypatch.chdir(config.parent)
    relative = applied_history(Path("projects.d"), tmp_path / "audit.jsonl", TARGET)
    linked = applied_history(tmp_path / "link", tmp_path / "audit.jsonl", TARGET)
    assert relative.protected.keys() == linked.protected.keys() == {"Bank"}


def test_only_successful_applies_to_the_same_target_count(config: Path, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    record(log, head(config), target="https://staging.example.com/api/v1")
    history = applied_history(config, log, TARGET)
    assert history.unknown == f"the audit log {log} records no successful apply to {TARGET}"


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ("no log", "there is no audit log at {log}"),
        ("broken chain", "the audit log {log} does not verify (line 1 (seq 1): "),
        ("dirty", "ran from uncommitted files (--allow-dirty), so commit {short} does not say"),
        ("unknown commit", "commit {bogus12} of the last successful apply (audit record #2 in"),
        ("bad yaml", "{short}:infra/projects.d/projects.yaml:2:1 cannot be read: invalid YAML"),
        ("moved", "commit {short} has no YAML files under infra/projects.d/ (was the config"),
    ],
)
def test_what_cannot_be_told_says_why(config: Path, tmp_path: Path, how: str, why: str) -> None:
    log, applied, bogus = tmp_path / "audit.jsonl", head(config), "b" * 40
    if how == "bad yaml":
        (config / "projects.yaml").write_text("- [unclosed\n")
        applied = commit(config.parents[1])
    if how == "moved":
        os.rename(config, config.parents[1] / "projects.d")
        applied = commit(config.parents[1])
        (config.parents[1] / "projects.d").rename(config)
    if how != "no log":
        record(log, bogus if how == "unknown commit" else applied, dirty=how == "dirty")
    if how == "broken chain":
        log.write_text(log.read_text().replace("alice", "mallory", 1))
    history = applied_history(config, log, TARGET)
    expected = why.format(log=log, short=applied[:12], bogus12=bogus[:12])
    assert history.unknown is not None and expected in history.unknown
    assert history.protected == {}


def test_outside_git_it_says_so(tmp_path: Path, isolated_git: None) -> None:
    config = tmp_path / "plain" / "projects.d"
    config.mkdir(parents=True)
    record(tmp_path / "audit.jsonl", "c" * 40)
    history = applied_history(config, tmp_path / "audit.jsonl", TARGET)
    assert history.unknown == (
        f"{config} is not inside a git repository (or git is not installed), so what "
        f"commit {'c' * 12} (audit record #2 in {tmp_path}/audit.jsonl) declared cannot be read"
    )
