"""Fixtures for apply: a git repository holding a copy of the bundled projects.d/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from apply_helpers import git

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config_repo(tmp_path: Path) -> Path:
    """A git repo (committed, clean) with projects.d/ copied from the bundled example."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copytree(REPO_ROOT / "projects.d", repo / "projects.d")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Bank, FitLife and QuickDelivery projects (#7)")
    return repo
