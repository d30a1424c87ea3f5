"""Real git repositories for the audit tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_helpers import SECRET, git


@pytest.fixture
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git config: identities come from the test itself."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def repo(tmp_path: Path, isolated_git: None) -> Path:
    """A repository with one commit by Alice Doe on branch main, projects.d/ tracked,
    and an origin whose URL carries a token."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Alice Doe")
    git(root, "config", "user.email", "alice@example.com")
    git(root, "remote", "add", "origin", f"https://alice:{SECRET}@git.example.com/acme/access.git")
    (root / "projects.d").mkdir()
    (root / "projects.d" / "bank.yaml").write_text("name: Bank\n")
    (root / "README").write_text("hello\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "Give alice access to Bank (#42)")
    return root
