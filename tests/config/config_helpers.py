"""Shared helpers for the config tests: paths of the examples and fixtures."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "projects.d"
SCHEMA_FILE = REPO / "schemas" / "projects.schema.json"
INVALID = Path(__file__).resolve().parent / "fixtures" / "invalid"

#: Fixtures whose failure is a rule across documents, which a JSON Schema of one
#: document cannot express: each of their documents is valid on its own.
RULE_FIXTURES = frozenset(
    {
        "duplicate_project_name.yaml",
        "previous_name_clash.yaml",
        "single_project_rule.yaml",
        "simple_with_projects.yaml",
        "admin_with_permissions.yaml",
        "admin_lowercase.yaml",
        "two_companies.yaml",
        "duplicate_role.yaml",
        "duplicate_policy.yaml",
        "isolate_undeclared.yaml",
        "isolation_violation.yaml",
        "default_contradiction.yaml",
        "duplicate_list_entry.yaml",
    }
)

_EXPECT = re.compile(rb"^# expect (\d+): (.*)$")


@dataclass(frozen=True)
class Expectation:
    line: int
    text: str


def expectation(fixture: Path) -> Expectation:
    """The ``# expect LINE: TEXT`` header of a fixture (line 0: no line, file-level)."""
    first = fixture.read_bytes().splitlines()[0]
    match = _EXPECT.match(first)
    assert match, f"{fixture.name} lacks an '# expect LINE: TEXT' header"
    return Expectation(int(match.group(1)), match.group(2).decode())


def invalid_fixtures() -> list[Path]:
    return sorted(INVALID.glob("*.yaml"))


def example_files() -> list[Path]:
    return sorted(EXAMPLES.rglob("*.yaml"))


def copy_alone(fixture: Path, tmp: Path) -> Path:
    """A config dir holding only ``fixture``."""
    config = tmp / "projects.d"
    config.mkdir()
    shutil.copy(fixture, config / fixture.name)
    return config
