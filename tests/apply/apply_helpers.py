"""Helpers for the apply tests."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(repo: Path, *args: str) -> str:
    env_args = ["-c", "user.name=Test Author", "-c", "user.email=author@example.com"]
    done = subprocess.run(
        ["git", *env_args, *args], cwd=repo, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()
