"""One fixture per failure mode: each gives its expected message at its expected line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from config_helpers import EXAMPLES, copy_alone, expectation, invalid_fixtures

from reconciler.config.loader import load_config
from reconciler.errors import ConfigError
from reconciler.kinds import OBJECT_KINDS


@pytest.mark.parametrize("fixture", invalid_fixtures(), ids=lambda p: p.stem)
def test_invalid_fixture_reports_its_problem_at_its_line(fixture: Path, tmp_path: Path) -> None:
    expected = expectation(fixture)
    config = copy_alone(fixture, tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_config(config, use_cache=False)
    found = [(p.position.line, p.message) for p in caught.value.problems]
    assert any(
        expected.text in message and (expected.line == 0 or line == expected.line)
        for line, message in found
    ), found
    for problem in caught.value.problems:
        assert problem.position.path == str(config / fixture.name)


def test_fixture_set_covers_every_failure_mode() -> None:
    names = {p.stem for p in invalid_fixtures()}
    assert len(names) >= 40
    assert {"billion_laughs", "not_utf8", "merge_key", "single_project_rule"} <= names


def test_examples_are_valid() -> None:
    loaded = load_config(EXAMPLES, use_cache=False)
    assert loaded.company is not None
    assert loaded.company.security_type == "advanced"
    assert {p.name for p in loaded.projects} == {
        "Default",
        "Bank Collections",
        "FitLife Clubs",
        "QuickDelivery",
    }
    assert {r.name for r in loaded.roles} == {"Admin", "Supervisor", "QA Lead"}
    assert [p.isolate for p in loaded.policies] == [
        ["Bank Collections", "FitLife Clubs", "QuickDelivery"]
    ]


def test_examples_use_only_demo_names_and_every_object_kind() -> None:
    demo = json.loads((EXAMPLES.parent / "reconciler/sandbox/demo_data.json").read_text())
    loaded = load_config(EXAMPLES, use_cache=False)
    logins = {u["login"] for u in demo["users"]}
    groups = {g["name"] for g in demo["groups"]}
    users = {u for p in loaded.projects for u in p.members.users}
    users |= {u for r in loaded.roles for u in r.users}
    assert users <= logins and len(users) >= 25
    assert {g for p in loaded.projects for g in p.members.groups} <= groups
    for kind in OBJECT_KINDS:
        used = {o for p in loaded.projects for o in getattr(p.objects, kind)}
        assert used, kind
        assert used <= set(demo["objects"][kind]), kind


def test_example_modelines_point_at_the_schema() -> None:
    for path in EXAMPLES.rglob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        prefix = "# yaml-language-server: $schema="
        assert first.startswith(prefix), path
        assert (path.parent / first[len(prefix) :]).resolve().is_file(), path
