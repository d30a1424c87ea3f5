"""load_config over real directories: discovery, file-level failures, positions, digest."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from config_helpers import EXAMPLES

from reconciler.config.loader import MAX_FILE_BYTES, load_config
from reconciler.errors import ConfigError, Position, UsageError

PROJECT = "apiVersion: reconciler/v1\nkind: Project\nname: {name}\nmembers:\n  users: [{users}]\n"


def write(root: Path, relative: str, text: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_of(config: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(config, use_cache=False)
    return [str(p) for p in caught.value.problems]


def test_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="config directory not found"):
        load_config(tmp_path / "nope")


def test_directory_without_yaml_is_invalid(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "# not yaml\n")
    assert problems_of(tmp_path) == [f"{tmp_path}: error: no *.yaml or *.yml files found"]


def test_discovery_is_recursive_sorted_and_skips_hidden(tmp_path: Path) -> None:
    write(tmp_path, "b/two.yml", PROJECT.format(name="Two", users="b"))
    write(tmp_path, "a.yaml", PROJECT.format(name="One", users="a"))
    write(tmp_path, ".git/ignored.yaml", "not: [valid")
    write(tmp_path, ".hidden.yaml", "not: [valid")
    write(tmp_path, "notes.txt", "not: [valid")
    loaded = load_config(tmp_path, use_cache=False)
    assert loaded.files == ("a.yaml", "b/two.yml")
    assert [p.name for p in loaded.projects] == ["One", "Two"]


def test_file_level_failures_are_each_one_problem(tmp_path: Path) -> None:
    (tmp_path / "folder.yaml").mkdir()
    write(tmp_path, "empty.yaml", "")
    write(tmp_path, "big.yaml", "# " + "x" * MAX_FILE_BYTES + "\n")
    write(tmp_path, "latin1.yaml", b"name: caf\xe9\n")
    write(tmp_path, "ok.yaml", PROJECT.format(name="Fine", users="ann"))
    found = problems_of(tmp_path)
    assert found == [
        f"{tmp_path}/big.yaml: error: file is larger than 5 MiB; split it into smaller files",
        f"{tmp_path}/empty.yaml: error: no documents: the file is empty or holds only comments",
        f"{tmp_path}/folder.yaml: error: is a directory, not a YAML file",
        f"{tmp_path}/latin1.yaml:1:10: error: not valid UTF-8 (byte 0xe9); save the file as UTF-8",
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.yaml", PROJECT.format(name="S", users="a"))
    path.chmod(0)
    try:
        assert problems_of(tmp_path) == [
            f"{tmp_path}/secret.yaml: error: cannot read file: Permission denied"
        ]
    finally:
        path.chmod(0o644)


def test_broken_symlink_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "missing-target.yaml")
    [problem] = problems_of(tmp_path)
    broken = "is a broken symlink (its target does not exist)"
    assert problem == f"{tmp_path}/gone.yaml: error: {broken}"


def test_all_problems_of_all_files_come_together_sorted(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", PROJECT.format(name="B", users="x") + "colour: red\n")
    write(tmp_path, "a.yaml", "a: [unclosed\n")
    write(tmp_path, "c.yaml", PROJECT.format(name="D", users="y, y"))
    write(tmp_path, "d.yaml", PROJECT.format(name="D", users="z"))
    found = problems_of(tmp_path)
    assert [f.split(": error: ")[0] for f in found] == [
        f"{tmp_path}/a.yaml:2:1",
        f"{tmp_path}/b.yaml:6:1",
        f"{tmp_path}/c.yaml:5:14",
        f"{tmp_path}/d.yaml:3:1",
    ]
    assert "unknown field 'colour'" in found[1]
    assert "duplicate entry 'y'" in found[2]
    assert found[3].endswith(f"Project 'D' is declared twice (first at {tmp_path}/c.yaml:3:1)")


def test_single_project_rule_names_both_files(tmp_path: Path) -> None:
    queue = "objects:\n  queues:\n    - Shared Queue\n"
    write(tmp_path, "a.yaml", PROJECT.format(name="A", users="a") + queue)
    write(tmp_path, "b.yaml", PROJECT.format(name="B", users="b") + queue)
    [problem] = problems_of(tmp_path)
    assert problem == (
        f"{tmp_path}/b.yaml:8:7: error: queue 'Shared Queue' is already in project 'A' "
        f"({tmp_path}/a.yaml:8:7); a queue belongs to one project at most"
    )


def test_single_project_rule_also_counts_a_document_with_schema_errors(tmp_path: Path) -> None:
    queue = "objects:\n  queues:\n    - Shared Queue\n    - 7\n"
    write(tmp_path, "a.yaml", PROJECT.format(name="A", users="a") + "colour: red\n" + queue)
    write(tmp_path, "b.yaml", PROJECT.format(name="B", users="b") + queue)
    found = problems_of(tmp_path)
    assert any("unknown field 'colour'" in p for p in found), found
    assert f"{tmp_path}/b.yaml:8:7: error: queue 'Shared Queue' is already in project 'A' " in (
        "\n".join(found)
    )
    assert len(found) == 4, found  # colour, the shared queue, and 7 (not a string) twice


def test_a_name_in_two_lists_of_one_project_is_no_problem_a_repeat_in_one_list_is(
    tmp_path: Path,
) -> None:
    """The rules check all of a document's names at once first; a name shared by two of
    its lists sends them to the per-list check, which must still find nothing there."""
    shared = "  groups: [same]\nobjects:\n  queues: [same, Q]\n  lists: [same]\n"
    write(tmp_path, "a.yaml", PROJECT.format(name="A", users="same") + shared)
    assert len(load_config(tmp_path, use_cache=False).projects) == 1
    write(tmp_path, "b.yaml", PROJECT.format(name="B", users="b") + "objects:\n  queues: [R, R]\n")
    assert problems_of(tmp_path) == [
        f"{tmp_path}/b.yaml:7:15: error: duplicate entry 'R' in objects.queues (first at line 7)"
    ]


def test_position_lookups_for_later_stages() -> None:
    loaded = load_config(EXAMPLES, use_cache=False)
    bank = str(EXAMPLES / "projects" / "bank-collections.yaml")
    assert loaded.project_position("Bank Collections") == Position(bank, 7, 1)
    assert loaded.member_position("Bank Collections", "bank.chen") == Position(bank, 17, 7)
    assert loaded.member_position("Bank Collections", "bank-seniors", group=True) == Position(
        bank, 25, 7
    )
    assert loaded.object_position("Bank Collections", "crm_forms", "Bank Debtor Card") == (
        Position(bank, 35, 7)
    )
    roles = str(EXAMPLES / "roles.yaml")
    assert loaded.role_user_position("QA Lead", "qa.lead") == Position(roles, 31, 5)
    policies = str(EXAMPLES / "policies.yaml")
    assert loaded.isolate_position("client-isolation", "QuickDelivery") == Position(policies, 12, 5)
    # not declared: the nearest known place, never an exception
    assert loaded.member_position("Bank Collections", "nobody") == Position(bank, 13, 3)
    assert loaded.project_position("Nope") == Position(str(EXAMPLES))
    assert loaded.position_of("Company") == Position(str(EXAMPLES / "company.yaml"), 5, 1)


def test_positions_match_the_file_text() -> None:
    loaded = load_config(EXAMPLES, use_cache=False)
    for project in loaded.projects:
        for user in project.members.users:
            position = loaded.member_position(project.name, user)
            line = Path(position.path).read_text().splitlines()[position.line - 1]
            assert line[position.column - 1 :].startswith(user)


def test_default_project_policy_and_name(tmp_path: Path) -> None:
    company = "apiVersion: reconciler/v1\nkind: Company\ndefault_project:\n  name: Lobby\n"
    write(tmp_path, "company.yaml", company + "  remove_placed_members: false\n")
    write(tmp_path, "lobby.yaml", PROJECT.format(name="Lobby", users="zoe"))
    write(tmp_path, "a.yaml", PROJECT.format(name="A", users="zoe"))
    loaded = load_config(tmp_path, use_cache=False)
    assert loaded.default_project_name == "Lobby"
    write(tmp_path, "company.yaml", company)
    [problem] = problems_of(tmp_path)
    assert "user 'zoe' is listed in 'Lobby' and in project 'A'" in problem


def test_files_digest_binds_paths_and_bytes(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "a")
    first = load_config(tmp_path / "a", use_cache=False).files_digest
    assert first == load_config(EXAMPLES, use_cache=False).files_digest
    roles = tmp_path / "a" / "roles.yaml"
    roles.write_text(roles.read_text() + "# a comment changes the bytes\n")
    second = load_config(tmp_path / "a", use_cache=False).files_digest
    assert second != first
    roles.rename(tmp_path / "a" / "roles2.yaml")
    assert load_config(tmp_path / "a", use_cache=False).files_digest not in (first, second)
