"""Fixtures for the importer tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from importer_helpers import build_company, read_live

from reconciler.state.snapshot import Snapshot


@pytest.fixture
def live_of() -> Callable[[Path, str], Snapshot]:
    return read_live


@pytest.fixture
def big_company(sandbox_db: tuple[Path, str]) -> tuple[Path, str]:
    build_company(sandbox_db[0])
    return sandbox_db
