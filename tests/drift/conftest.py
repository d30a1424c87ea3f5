"""Fixtures for the drift tests: a company the reconciler manages, with its files."""

from __future__ import annotations

from pathlib import Path

import pytest
from drift_helpers import (
    BANK_COMMENT,
    BASELINE,
    HAND_USER,
    Managed,
    plan_dir,
    read_live,
    reconciler_writes,
)

from reconciler.importer import write_projects_dir
from reconciler.sandbox.demo import make_user


@pytest.fixture
def managed(
    served_sandbox: tuple[str, str], sandbox_db: tuple[Path, str], tmp_path: Path
) -> Managed:
    """The reconciler set up Bank and Fitness; the files were imported, then annotated
    with comments a person wrote; files and live agree."""
    url, token = served_sandbox
    reconciler_writes(url, token, BASELINE)
    roles = ["view_all", "access_management", "project_management"]
    hand_token = make_user(sandbox_db[0], HAND_USER, roles=roles)
    live, _ = read_live(url, token)
    config_dir = tmp_path / "projects.d"
    write_projects_dir(live, config_dir)
    bank = config_dir / "projects" / "bank.yaml"
    text = bank.read_text(encoding="utf-8")
    text = text.replace("apiVersion:", BANK_COMMENT + "apiVersion:", 1)
    text = text.replace("    - sv.bank\n", "    - sv.bank  # the supervisor\n")
    bank.write_text(text, encoding="utf-8")
    assert plan_dir(config_dir, live).changes == ()
    return Managed(url, token, hand_token, config_dir)
