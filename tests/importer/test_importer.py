"""``write_projects_dir``: a live company as a projects.d/ that plans to nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from importer_helpers import TRICKY, parse_dir
from ruamel.yaml import YAML

from reconciler.errors import ReconcilerError, UsageError
from reconciler.importer import placed_overlaps, project_slugs, slugify, write_projects_dir
from reconciler.importer.documents import company_file
from reconciler.plan.planner import plan
from reconciler.state.snapshot import ProjectState, Snapshot

LiveOf = Callable[[Path, str], Snapshot]


def _round_trip(live: Snapshot, out: Path) -> None:
    write_projects_dir(live, out)
    desired = parse_dir(out)
    result = plan(desired.snapshot, live, desired.settings)
    assert result.changes == ()
    assert result.applicable, result.violations
    assert result.unmanaged_projects == ()
    assert result.unmanaged_roles == ()


def test_demo_company_imports_to_an_empty_plan(
    sandbox_db: tuple[Path, str], live_of: LiveOf, tmp_path: Path
) -> None:
    live = live_of(*sandbox_db)
    out = tmp_path / "projects.d"
    written = write_projects_dir(live, out)
    assert [p.relative_to(out).as_posix() for p in written] == [
        "company.yaml",
        "roles.yaml",
        "projects/default.yaml",
    ]
    _round_trip(live, tmp_path / "again")
    default = (out / "projects" / "default.yaml").read_text(encoding="utf-8")
    assert default.startswith("# yaml-language-server: $schema=../../schemas/projects.schema.json")
    users = YAML(typ="safe").load(default)["members"]["users"]
    assert users == sorted(live.users)


def test_generated_200_project_company_imports_to_an_empty_plan(
    big_company: tuple[Path, str], live_of: LiveOf, tmp_path: Path
) -> None:
    live = live_of(*big_company)
    assert len(live.projects) == 201
    out = tmp_path / "projects.d"
    _round_trip(live, out)
    files = sorted(p.name for p in (out / "projects").iterdir())
    assert len(files) == 201
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*\.yaml", f) for f in files)
    company = YAML(typ="safe").load((out / "company.yaml").read_text(encoding="utf-8"))
    assert company["prune"] is False
    assert company["default_project"]["remove_placed_members"] is False
    text = (out / "company.yaml").read_text(encoding="utf-8")
    assert "# Live has members of Default who are also in other projects (user:agent.000" in text
    roles = list(YAML(typ="safe").load_all((out / "roles.yaml").read_text(encoding="utf-8")))
    assert [r["name"] for r in roles] == ["Admin", "Auditor", "Supervisor"]
    assert roles[2]["permissions"] == ["access_management", "project_list"]


def test_tricky_names_survive_the_round_trip(
    big_company: tuple[Path, str], live_of: LiveOf, tmp_path: Path
) -> None:
    live = live_of(*big_company)
    write_projects_dir(live, tmp_path / "out")
    declared = parse_dir(tmp_path / "out").snapshot.projects
    for name in TRICKY:
        assert declared[name] == live.projects[name]


def test_no_overlap_keeps_the_default_policy() -> None:
    live = Snapshot(
        projects={
            "Default": ProjectState("Default", users=frozenset({"a"})),
            "Bank": ProjectState("Bank", users=frozenset({"b"})),
        },
        groups={"g": frozenset({"a"})},
    )
    assert placed_overlaps(live) == []
    assert company_file(live).documents[0]["default_project"]["remove_placed_members"] is True
    through_group = Snapshot(
        projects={
            "Default": ProjectState("Default", users=frozenset({"a"})),
            "Bank": ProjectState("Bank", groups=frozenset({"g"})),
        },
        groups={"g": frozenset({"a"})},
    )
    assert placed_overlaps(through_group) == ["user:a"]


def test_refuses_a_non_empty_directory_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "projects.d"
    (out / "projects").mkdir(parents=True)
    (out / "projects" / "stale.yaml").write_text("apiVersion: reconciler/v1\n")
    (out / "README.txt").write_text("keep me\n")
    live = Snapshot(security_type="simple")
    with pytest.raises(UsageError, match="not empty"):
        write_projects_dir(live, out)
    assert (out / "projects" / "stale.yaml").exists()
    written = write_projects_dir(live, out, force=True)
    assert not (out / "projects" / "stale.yaml").exists()
    assert (out / "README.txt").read_text() == "keep me\n"
    assert [p.name for p in written] == ["company.yaml"]
    assert parse_dir(out).snapshot.security_type == "simple"


def test_a_failed_forced_import_keeps_the_old_files(tmp_path: Path) -> None:
    out = tmp_path / "projects.d"
    (out / "projects").mkdir(parents=True)
    (out / "projects" / "old.yaml").write_text("apiVersion: reconciler/v1\n")
    (out / "company.yaml").mkdir()  # a directory where company.yaml must go
    with pytest.raises(ReconcilerError, match="cannot write"):
        write_projects_dir(Snapshot(security_type="simple"), out, force=True)
    assert (out / "projects" / "old.yaml").read_text() == "apiVersion: reconciler/v1\n"
    assert sorted(p.name for p in out.rglob("*")) == ["company.yaml", "old.yaml", "projects"]


def test_slugs_collide_nowhere_and_do_not_depend_on_order() -> None:
    slugs = project_slugs(["Bank A", "bank-a", "Bank/A", "", "Клиент"])
    assert len(set(slugs.values())) == 5
    assert slugs["Bank A"] == "bank-a"
    assert slugs["bank-a"].startswith("bank-a-")
    assert slugify("") == "project"
    assert project_slugs(["Bank/A", "bank-a", "Bank A"]) == {
        k: v for k, v in slugs.items() if k in ("Bank/A", "bank-a", "Bank A")
    }


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=80), unique=True, max_size=30))
def test_slugs_are_unique_and_filesystem_safe(names: list[str]) -> None:
    slugs = project_slugs(names)
    assert len(set(slugs.values())) == len(names)
    for slug in slugs.values():
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug), slug
        assert len(slug) <= 80
