"""Git and CI provenance against real repositories in temporary directories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_helpers import SECRET, git

from reconciler.audit.git import (
    CiInfo,
    actor_label,
    ci_metadata,
    git_metadata,
    is_dirty,
    locate,
    pr_from_message,
    strip_credentials,
)


def test_metadata_of_a_commit(repo: Path) -> None:
    info = git_metadata(repo)
    assert info.commit == git(repo, "rev-parse", "HEAD")
    assert len(info.commit or "") == 40
    assert info.branch == "main"
    assert (info.author_name, info.author_email) == ("Alice Doe", "alice@example.com")
    assert info.subject == "Give alice access to Bank (#42)"
    assert info.pr_number == 42
    assert info.dirty is None  # not asked


def test_remote_url_loses_its_token(repo: Path) -> None:
    info = git_metadata(repo)
    assert info.remote_url == "https://git.example.com/acme/access.git"
    assert SECRET not in json.dumps(info.to_data())


def test_remote_other_than_origin_is_used(repo: Path) -> None:
    git(repo, "remote", "rename", "origin", "upstream")
    assert git_metadata(repo).remote_url == "https://git.example.com/acme/access.git"


def test_subdirectory_and_detached_head(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach")
    info = git_metadata(repo / "projects.d")
    assert info.commit == git(repo, "rev-parse", "HEAD")
    assert info.branch is None


def test_dirty_detection_is_scoped_to_the_directory(repo: Path) -> None:
    config = repo / "projects.d"
    assert is_dirty(config) is False
    (repo / "README").write_text("changed\n")
    assert is_dirty(repo) is True
    assert is_dirty(config) is False, "changes outside the config dir do not count"
    (config / "bank.yaml").write_text("name: Bank2\n")
    assert is_dirty(config) is True
    assert git_metadata(config, dirty=True).dirty is True


def test_untracked_and_staged_files_make_it_dirty(repo: Path) -> None:
    config = repo / "projects.d"
    (config / "new.yaml").write_text("name: New\n")
    assert is_dirty(config) is True
    git(repo, "add", "projects.d/new.yaml")
    assert is_dirty(config) is True
    git(repo, "commit", "-q", "-m", "add new")
    assert is_dirty(config) is False
    assert git_metadata(config, dirty=True).dirty is False


def test_ignored_files_count_when_the_loader_reads_them(repo: Path) -> None:
    config = repo / "projects.d"
    (repo / ".gitignore").write_text("*.local.yaml\n*.swp\n.cache/\n")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-q", "-m", "ignore")
    (config / "x.swp").write_text("editor\n")
    (config / ".cache").mkdir()
    (config / ".cache" / "c.yaml").write_text("hidden: skipped by the loader\n")
    assert is_dirty(config) is False, "ignored files the loader skips do not count"
    (config / "mine.local.yaml").write_text("name: Local\n")
    assert is_dirty(config) is True, "an ignored YAML file is read, and no commit holds it"


def test_every_way_to_name_the_directory(repo: Path, tmp_path: Path) -> None:
    (repo / "projects.d" / "sub").mkdir()
    (repo / "projects.d" / "sub" / "a.yaml").write_text("name: A\n")
    link = tmp_path / "link"
    link.symlink_to(repo / "projects.d")
    head = git(repo, "rev-parse", "HEAD")
    for named in (repo / "projects.d", repo, link, repo / "projects.d" / "sub"):
        checkout = locate(named)
        assert checkout.root == repo.resolve()
        assert checkout.metadata().commit == head
        assert checkout.is_dirty() is True, named
    assert locate(link).pathspec == "projects.d"
    assert locate(repo).pathspec == "."


def test_not_a_repository(tmp_path: Path, isolated_git: None) -> None:
    info = git_metadata(tmp_path, dirty=True)
    assert info.commit is None and info.branch is None and info.remote_url is None
    assert info.dirty is None
    assert locate(tmp_path).problem == "not in a git repository"
    assert not locate(tmp_path).unknown
    assert locate(tmp_path / "missing").problem == "not a directory"


def test_repository_without_commits(tmp_path: Path, isolated_git: None) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "a.yaml").write_text("name: A\n")
    info = git_metadata(tmp_path, dirty=True)
    assert info.commit is None
    assert info.dirty is True, "no commit holds the files"


def test_git_missing(repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    (repo / "projects.d" / "bank.yaml").write_text("changed\n")
    info = git_metadata(repo / "projects.d", dirty=True)
    assert info.commit is None and info.dirty is None, "unknown, not a crash"
    assert locate(repo).problem == "git is not installed"


def test_a_repository_git_refuses_is_unknown(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / ".git" / "HEAD").write_text("garbage\n")
    checkout = locate(repo / "projects.d")
    assert checkout.root is None and checkout.unknown
    assert checkout.problem is not None and "git cannot read its repository" in checkout.problem


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("https://user:tok@github.com/a/b.git", "https://github.com/a/b.git"),
        ("https://tok@github.com/a/b.git", "https://github.com/a/b.git"),
        ("https://h.example:8443/a?token=x#f", "https://h.example:8443/a"),
        ("ssh://git:pw@[::1]:22/a.git", "ssh://[::1]:22/a.git"),
        ("git@github.com:a/b.git", "git@github.com:a/b.git"),
        ("https://h.example:notaport/a", "<unparseable URL>"),
    ],
)
def test_strip_credentials(url: str, clean: str) -> None:
    assert strip_credentials(url) == clean


@pytest.mark.parametrize(
    ("message", "number"),
    [
        ("Merge pull request #123 from acme/alice", 123),
        ("Give alice access (#7)", 7),
        ("Merge branch 'x' into 'main'\n\nSee merge request acme/access!45", 45),
        ("Fix #12 typo in bank.yaml", None),
    ],
)
def test_pr_from_message(message: str, number: int | None) -> None:
    assert pr_from_message(message) == number


def test_github_pull_request_from_event_file(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 88}}))
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTOR": "alice",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REF": "refs/pull/99/merge",
        "GITHUB_RUN_ID": "1234",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/access",
        "GITHUB_HEAD_REF": "alice-bank",
    }
    ci = ci_metadata(env)
    assert ci == CiInfo(
        system="github",
        actor="alice",
        pr_number=88,
        run_id="1234",
        run_url="https://github.com/acme/access/actions/runs/1234",
        branch="alice-bank",
    )
    assert actor_label(ci) == "github:alice"


def test_github_pull_request_from_ref_when_event_is_unreadable(tmp_path: Path) -> None:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTOR": "bob",
        "GITHUB_EVENT_PATH": str(tmp_path / "missing.json"),
        "GITHUB_REF": "refs/pull/99/merge",
    }
    assert ci_metadata(env).pr_number == 99
    push = {"GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/heads/main", "GITHUB_REF_NAME": "main"}
    assert ci_metadata(push).pr_number is None
    assert ci_metadata(push).branch == "main"


def test_gitlab_and_generic_ci() -> None:
    gitlab = ci_metadata(
        {
            "GITLAB_CI": "true",
            "GITLAB_USER_LOGIN": "carol",
            "CI_MERGE_REQUEST_IID": "17",
            "CI_PIPELINE_ID": "555",
            "CI_PIPELINE_URL": "https://gitlab.example.com/acme/access/-/pipelines/555",
            "CI_COMMIT_REF_NAME": "main",
        }
    )
    assert (gitlab.system, gitlab.actor, gitlab.pr_number, gitlab.branch) == (
        "gitlab",
        "carol",
        17,
        "main",
    )
    assert actor_label(gitlab) == "gitlab:carol"
    generic = ci_metadata({"CI": "true"})
    assert generic.system == "ci" and actor_label(generic) == "ci"
    jenkins = ci_metadata({"JENKINS_URL": "https://j", "BUILD_USER_ID": "dave", "CHANGE_ID": "3"})
    assert (jenkins.actor, jenkins.pr_number) == ("dave", 3)


def test_local_user_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ci_metadata({}) == CiInfo()
    assert actor_label(CiInfo(), user="erin") == "local:erin"
    monkeypatch.setenv("LOGNAME", "frank")
    monkeypatch.setenv("USER", "frank")
    assert actor_label(ci_metadata({})) == "local:frank"
