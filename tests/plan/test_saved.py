from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reconciler.errors import Position, StalePlanError, UsageError
from reconciler.plan.changes import MemberAdd, MemberRemove, ObjectMove, ProjectCreate, RoleUpdate
from reconciler.plan.model import AccessDelta, Plan, Sight, Unplaced, Violation
from reconciler.plan.saved import (
    file_checksum,
    load_saved_plan,
    parse_position,
    redact_target,
    save_plan,
    verify_saved_plan,
)

LIVE = "sha256:" + "a" * 64
FILES = "sha256:" + "f" * 64


def _plan() -> Plan:
    changes = (
        RoleUpdate("Supervisors", ("project_list",), ("access_management", "project_list")),
        ProjectCreate("Bank Collections", "Debt collection"),
        MemberAdd("Bank Collections", "group", "bank-collectors"),
        ObjectMove("queues", "Bank IVR", "Default", "Bank Collections"),
        MemberRemove("Default", "group", "bank-collectors", "placed in Bank Collections"),
    )
    return Plan(
        changes=tuple(sorted(changes)),
        live_fingerprint=LIVE,
        desired_fingerprint="sha256:" + "d" * 64,
        violations=(
            Violation("isolate", "two projects", Position("projects.d/a.yaml", 3, 5)),
            Violation("mass_change", "too many", None, blocking=False),
        ),
        access_impact=(
            AccessDelta(
                "bank.anna",
                gained=(Sight("queues", "Bank IVR", "Bank Collections"),),
                lost=(Sight("lists", "VIP", "Default"),),
            ),
        ),
        unmanaged_projects=("Legacy",),
        unmanaged_roles=("Old",),
        notes=("a note",),
        unplaced=(Unplaced("sv.old", ("Default",)),),
    )


def _save(path: Path, plan: Plan | None = None, target: str = "sandbox:s.db") -> str:
    return save_plan(
        path,
        plan or _plan(),
        files_digest=FILES,
        git_commit="0123abcd" * 5,
        target_label=target,
        now=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
    )


def test_roundtrip_rebuilds_the_same_plan(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    checksum = _save(path)
    saved = load_saved_plan(path)
    assert saved.plan == _plan()
    assert saved.plan.checksum() == _plan().checksum()
    assert saved.checksum == checksum
    assert saved.files_digest == FILES
    assert saved.git_commit == "0123abcd" * 5
    assert saved.created_at == "2024-05-01T12:00:00Z"
    assert saved.created_by.startswith("reconciler ")
    verify_saved_plan(saved, live_fingerprint=LIVE, files_digest=FILES)


def test_file_has_the_documented_top_level_keys(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    _save(path)
    data = json.loads(path.read_text())
    assert set(data) == {
        "format_version",
        "plan",
        "files_digest",
        "git_commit",
        "target",
        "created_by",
        "created_at",
        "sensitive",
        "checksum",
    }
    assert data["plan"]["checksum"] == _plan().checksum()


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["plan"]["changes"].pop(),
        lambda d: d.update(files_digest="sha256:" + "0" * 64),
        lambda d: d["plan"].update(applicable=True),
        lambda d: d["plan"]["changes"][0].update(role="Admin"),
    ],
)
def test_altered_file_is_refused(tmp_path: Path, edit: object) -> None:
    path = tmp_path / "plan.json"
    _save(path)
    data = json.loads(path.read_text())
    edit(data)  # type: ignore[operator]
    path.write_text(json.dumps(data))
    with pytest.raises(StalePlanError, match="plan file was altered"):
        load_saved_plan(path)


def test_consistently_forged_plan_is_refused(tmp_path: Path) -> None:
    """Recomputing the outer checksum is not enough: the plan must rebuild to its own."""
    path = tmp_path / "plan.json"
    _save(path)
    data = json.loads(path.read_text())
    del data["checksum"]
    data["plan"]["changes"].pop()
    data["checksum"] = file_checksum(data)
    path.write_text(json.dumps(data))
    with pytest.raises(StalePlanError, match="does not rebuild to its own checksum"):
        load_saved_plan(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON at line 1"),
        ("[1, 2]", "expected a JSON object"),
        ('{"plan": {}}', "has no checksum"),
        ('{"format_version": 99, "checksum": "x"}', "saved-plan format 99"),
    ],
)
def test_invalid_files_get_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content)
    with pytest.raises(StalePlanError, match=message):
        load_saved_plan(path)


def test_unknown_change_type_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    _save(path)
    data = json.loads(path.read_text())
    del data["checksum"]
    data["plan"]["changes"][0]["type"] = "teleport"
    data["checksum"] = file_checksum(data)
    path.write_text(json.dumps(data))
    with pytest.raises(StalePlanError, match="cannot read"):
        load_saved_plan(path)


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read plan file"):
        load_saved_plan(tmp_path / "nope.json")


def test_verify_names_every_change(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    _save(path)
    saved = load_saved_plan(path)
    with pytest.raises(StalePlanError) as caught:
        verify_saved_plan(saved, live_fingerprint="sha256:" + "b" * 64, files_digest=FILES)
    assert "live platform changed" in str(caught.value)
    assert "desired files" not in str(caught.value)
    with pytest.raises(StalePlanError) as caught:
        verify_saved_plan(saved, live_fingerprint="sha256:" + "b" * 64, files_digest="sha256:0")
    assert "live platform changed" in str(caught.value)
    assert "desired files changed" in str(caught.value)
    with pytest.raises(StalePlanError, match=r"made for target sandbox:s\.db"):
        verify_saved_plan(
            saved,
            live_fingerprint=LIVE,
            files_digest=FILES,
            target_label="https://prod.example/api/v1",
        )


def test_target_is_saved_without_secrets(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    _save(path, target="https://bot:s3cret@pbx.example:8443/api/v1?api_token=tok3n#x")
    text = path.read_text()
    assert "s3cret" not in text and "tok3n" not in text and "bot" not in text
    assert load_saved_plan(path).target == "https://pbx.example:8443/api/v1"
    assert redact_target("sandbox:.reconciler/sandbox.db") == "sandbox:.reconciler/sandbox.db"


def test_plan_checksum_does_not_depend_on_time(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    save_plan(
        a,
        _plan(),
        files_digest=FILES,
        git_commit=None,
        target_label="t",
        now=datetime(2024, 1, 1, tzinfo=UTC),
    )
    save_plan(
        b,
        _plan(),
        files_digest=FILES,
        git_commit=None,
        target_label="t",
        now=datetime(2025, 1, 1, tzinfo=UTC),
    )
    da, db = json.loads(a.read_text()), json.loads(b.read_text())
    assert da["plan"] == db["plan"]
    assert da["checksum"] != db["checksum"]


def test_unwritable_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot write plan file"):
        _save(tmp_path / "missing-dir" / "plan.json")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("projects.d/a.yaml:3:5", Position("projects.d/a.yaml", 3, 5)),
        ("projects.d/a.yaml", Position("projects.d/a.yaml")),
        ("C:/x/a.yaml:1:2", Position("C:/x/a.yaml", 1, 2)),
        (None, None),
    ],
)
def test_parse_position_inverts_str(text: str | None, expected: Position | None) -> None:
    assert parse_position(text) == expected
    if expected is not None:
        assert str(expected) == text
