"""``adopt`` on files alone: layout kept, documents dropped and added as live says."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from drift_helpers import parse_dir
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from ruamel.yaml import YAML

from reconciler.config.loader import load_config
from reconciler.config.models import Name
from reconciler.drift.adopt import adopt
from reconciler.drift.yamledit import guess_indent
from reconciler.errors import ReconcilerError
from reconciler.plan.planner import plan
from reconciler.state.normalize import normalize
from reconciler.state.snapshot import ProjectState, RoleState, Snapshot

FILES = {
    "company.yaml": "apiVersion: reconciler/v1\nkind: Company\nsecurity_type: advanced\n",
    "team.yaml": (
        "# two documents, flow lists, four-space indent\n"
        "apiVersion: reconciler/v1\n"
        "kind: Project\n"
        "name: 'Bank'  # quoted on purpose\n"
        "members: {users: [a, b]}\n"
        "objects:\n"
        "    queues:\n"
        "    - Q1\n"
        "---\n"
        "apiVersion: reconciler/v1\n"
        "kind: Project\n"
        "name: Gone\n"
        "---\n"
        "apiVersion: reconciler/v1\n"
        "kind: Role\n"
        "name: Sup\n"
        "permissions: [view_all]\n"
        "users: [a]\n"
    ),
}

LIVE = Snapshot(
    projects={
        "Bank": ProjectState("Bank", users=frozenset({"a", "c"}), objects=frozenset()),
        "New one": ProjectState("New one", groups=frozenset({"g"})),
    },
    roles={
        "Admin": RoleState("Admin", users=frozenset({"root"}), builtin=True),
        "Sup": RoleState("Sup", frozenset({"project_list"}), frozenset({"a"})),
    },
    users=frozenset({"a", "b", "c", "root"}),
    groups={"g": frozenset()},
)


def test_adopt_edits_in_place_drops_and_adds(tmp_path: Path) -> None:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = adopt(tmp_path, LIVE, {})
    assert [p.name for p in result.changed] == ["team.yaml"]
    assert [p.relative_to(tmp_path).as_posix() for p in result.created] == ["projects/new-one.yaml"]
    assert "project Gone no longer exists live: removed" in result.notes
    desired = parse_dir(tmp_path)
    assert plan(desired.snapshot, LIVE, desired.settings).changes == ()
    team = (tmp_path / "team.yaml").read_text(encoding="utf-8")
    assert team.startswith("# two documents, flow lists, four-space indent\n")
    assert "name: 'Bank'  # quoted on purpose\n" in team
    assert "members: {users: [a, c]}\n" in team
    assert "permissions: [project_list]\n" in team
    assert "name: Gone" not in team
    assert "name: Admin" in team
    assert (tmp_path / "company.yaml").read_text(encoding="utf-8") == FILES["company.yaml"]


def test_policies_and_the_default_policy_follow_renamed_and_removed_projects(
    tmp_path: Path,
) -> None:
    files = {
        "company.yaml": (
            "apiVersion: reconciler/v1\nkind: Company\nsecurity_type: advanced\n"
            "default_project:\n  name: Lobby\n  remove_placed_members: false\n"
        ),
        "projects.yaml": "".join(
            f"---\napiVersion: reconciler/v1\nkind: Project\nname: {name}\n"
            for name in ("Lobby", "Bank", "Fit", "Gone")
        ),
        "policies.yaml": (
            "apiVersion: reconciler/v1\nkind: Policy\nname: walls\n"
            "isolate:\n  - Bank  # the bank's contract\n  - Fit\n  - Gone\n"
        ),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    live = Snapshot(
        projects={n: ProjectState(n) for n in ("Front Desk", "Bank Collections", "Fit")},
        roles={"Admin": RoleState("Admin", users=frozenset({"root"}), builtin=True)},
        users=frozenset({"root"}),
    )
    result = adopt(tmp_path, live, {"Lobby": "Front Desk", "Bank": "Bank Collections"})
    assert "policy walls: dropped project Gone" in result.notes
    policies = (tmp_path / "policies.yaml").read_text(encoding="utf-8")
    assert re.search(r"\n  - Bank Collections +# the bank's contract\n  - Fit\n", policies)
    assert "Gone" not in policies
    assert "  name: Front Desk\n" in (tmp_path / "company.yaml").read_text(encoding="utf-8")
    desired = parse_dir(tmp_path)  # valid again: every policy names a declared project
    assert plan(desired.snapshot, live, desired.settings).changes == ()


def test_guess_indent() -> None:
    assert guess_indent("a:\n  b:\n  - x\n") == (2, 0)
    assert guess_indent("a:\n    b:\n      - x\n") == (4, 2)
    assert guess_indent("a: 1\n") == (2, 2)


#: Names that are valid in the files but easy to write back wrongly.
TRICKY = (
    "yes",
    "null",
    "~",
    "123",
    "0x1F",
    "1e3",
    "2024-01-01",
    "12:30",
    ": x",
    "- x",
    "#x",
    "x #y",
    "[a]",
    "{a}",
    "*a",
    "&a",
    "!a",
    "%a",
    "@a",
    "`a",
    "'a",
    '"a',
    "a: b",
    "? a",
    "|a",
    ">a",
    "a\tb",
    "a\u2028b",
    "a\x1bb",
    "a\x85b",
    "é 日本",
    "a  b",
    "--- x",
    "...",
    "x" * 99 + "  " + "y" * 99,
    "a\ufeffb",
    "a\x7fb",
)
_NAME = TypeAdapter(Name)


def _valid(name: str) -> bool:
    try:
        _NAME.validate_python(name)
    except ValidationError:
        return False
    return True


names = st.one_of(st.sampled_from(TRICKY), st.text(min_size=1, max_size=40)).filter(_valid)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(project=names, user=names, obj=names, new_project=names, role_name=names)
def test_adopted_odd_names_validate_and_round_trip(
    project: str, user: str, obj: str, new_project: str, role_name: str
) -> None:
    assume(len({project, new_project}) == 2 and role_name.casefold() != "admin")
    live = Snapshot(
        projects={
            project: ProjectState(
                project, user, frozenset({user}), objects=frozenset({("lists", obj)})
            ),
            new_project: ProjectState(new_project, groups=frozenset({user})),
        },
        roles={role_name: RoleState(role_name, frozenset({"view_all"}), frozenset({user}))},
        users=frozenset({user, "a"}),
        groups={user: frozenset()},
        objects=frozenset({("lists", obj)}),
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "company.yaml").write_text(FILES["company.yaml"], encoding="utf-8")
        (root / "p.yaml").write_text(
            "apiVersion: reconciler/v1\nkind: Project\nname: Old\nprevious_names: "
            + json.dumps([project])
            + "\nmembers:\n  users: [a]\n",
            encoding="utf-8",
        )
        adopt(root, live, {})
        loaded = load_config(root, use_cache=False)
    desired = normalize([d.model for d in loaded.documents])
    assert plan(desired.snapshot, live, desired.settings).changes == ()
    assert {p.name for p in desired.snapshot.projects.values()} == {project, new_project}


def test_values_no_file_can_hold_write_nothing(tmp_path: Path) -> None:
    (tmp_path / "company.yaml").write_text(FILES["company.yaml"], encoding="utf-8")
    live = Snapshot(
        projects={"Bank": ProjectState("Bank", "x" * 2001, frozenset({"anna\n"}))},
        roles={"Sup": RoleState("Sup", frozenset({"superpowers"}))},
        users=frozenset({"anna\n"}),
    )
    with pytest.raises(ReconcilerError) as caught:
        adopt(tmp_path, live, {})
    message = str(caught.value)
    assert message.startswith("drift --adopt wrote nothing: live holds values no file can hold:")
    assert "project 'Bank': its description is longer than 2000 characters" in message
    assert "project 'Bank': user 'anna\\n' is not a valid name in the files" in message
    assert "role 'Sup': permissions 'superpowers' are not among those the files know" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["company.yaml"]


def test_a_hand_renamed_default_stays_the_default_project(tmp_path: Path) -> None:
    files = {
        "company.yaml": FILES["company.yaml"],
        "default.yaml": "apiVersion: reconciler/v1\nkind: Project\nname: Default\n"
        "members:\n  users: [a]\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    live = Snapshot(
        projects={
            "Lobby": ProjectState("Lobby", users=frozenset({"a", "b"})),
            "Bank": ProjectState("Bank", users=frozenset({"b"})),
        },
        users=frozenset({"a", "b"}),
    )
    result = adopt(tmp_path, live, {"Default": "Lobby"})
    company = _yaml(tmp_path / "company.yaml")
    assert company["default_project"] == {"name": "Lobby"}
    assert [(o.project, o.member) for o in result.left_out] == [("Lobby", "b")]
    desired = parse_dir(tmp_path)
    after = plan(desired.snapshot, live, desired.settings).changes
    assert [(c.type, c.project, c.member) for c in after] == [("member_remove", "Lobby", "b")]


def test_switched_to_simple_live_drops_projects_and_what_names_them(tmp_path: Path) -> None:
    files = {
        "company.yaml": FILES["company.yaml"],
        "p.yaml": "apiVersion: reconciler/v1\nkind: Project\nname: Bank\n---\n"
        "apiVersion: reconciler/v1\nkind: Policy\nname: walls\nisolate: [Bank]\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    live = Snapshot(security_type="simple", users=frozenset({"a"}))
    result = adopt(tmp_path, live, {})
    assert [p.name for p in result.changed] == ["company.yaml", "p.yaml"]
    loaded = load_config(tmp_path, use_cache=False)
    desired = normalize([d.model for d in loaded.documents])
    assert desired.snapshot.security_type == "simple"
    assert plan(desired.snapshot, live, desired.settings).changes == ()


def _yaml(path: Path) -> dict[str, object]:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data
