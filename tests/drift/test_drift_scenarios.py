"""Drift against the sandbox served on loopback: hand edits made through the API by
another user are found, attributed to that user and time, and adopted into the files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from drift_helpers import (
    BANK_COMMENT,
    COMMIT,
    HAND_USER,
    Hand,
    Managed,
    entry_time,
    hand_client,
    parse_dir,
    plan_dir,
    read_live,
    reconciler_writes,
)
from ruamel.yaml import YAML

from reconciler.drift.adopt import adopt
from reconciler.drift.detect import Detected, explain
from reconciler.drift.render import render_json, render_markdown, render_text
from reconciler.engine.session import Planned
from reconciler.live.protocol import Identity
from reconciler.plan.changes import MemberAdd, MemberRemove, ObjectMove, ProjectRename
from reconciler.plan.planner import plan


def detect_now(managed: Managed) -> Detected:
    live, entries = read_live(managed.url, managed.token)
    desired = parse_dir(managed.config_dir)
    planned = Planned(
        plan=plan(desired.snapshot, live, desired.settings),
        live=live,
        desired=desired,
        settings=desired.settings,
        identity=Identity("reconciler", True, frozenset()),
        files_digest="",
        target_label="sandbox",
    )
    return explain(planned, entries)


@pytest.fixture
def hand_edited(managed: Managed) -> tuple[Managed, dict[str, int]]:
    """Three edits by hand: a user added, a queue moved, a project renamed."""
    with hand_client(managed.url, managed.hand_token) as http:
        hand = Hand(http)
        added = hand.add_user("Fitness", "bank.anna")
        moved = hand.move("queues", "Bank Collections Inbound", "Bank", "Fitness")
        renamed = hand.rename("Fitness", "FitLife")
    return managed, {
        "added": added["change_ids"][0],
        "moved_in": moved["change_ids"][1],
        "renamed": renamed["change_ids"][0],
    }


def test_in_sync_is_no_drift(managed: Managed) -> None:
    detected = detect_now(managed)
    assert not detected.report.drifted
    assert detected.report.exit_code == 0
    assert render_text(detected.report) == "No drift: live matches the files.\n"


def test_hand_edits_are_found_and_attributed(hand_edited: tuple[Managed, dict[str, int]]) -> None:
    managed, ids = hand_edited
    detected = detect_now(managed)
    report = detected.report
    assert report.exit_code == 2
    assert report.hand_renames == (("Fitness", "FitLife"),)
    changes = {type(i.change): i for i in report.items}
    assert set(changes) == {ProjectRename, MemberRemove, ObjectMove}
    assert changes[ProjectRename].change == ProjectRename("FitLife", "Fitness")
    assert changes[MemberRemove].change == MemberRemove(
        "Fitness", "user", "bank.anna", "not in members.users of project Fitness"
    )
    assert changes[ObjectMove].change == ObjectMove(
        "queues", "Bank Collections Inbound", "Fitness", "Bank"
    )
    _, entries = read_live(managed.url, managed.token)
    for change_type, key in (
        (ProjectRename, "renamed"),
        (MemberRemove, "added"),
        (ObjectMove, "moved_in"),
    ):
        attribution = changes[change_type].attribution
        assert attribution is not None, change_type
        expected = entry_time(entries, ids[key])
        assert (attribution.actor, attribution.time) == (HAND_USER, expected.time)
        assert attribution.entry_id == ids[key]
        assert not attribution.by_reconciler


def test_a_change_made_by_the_reconciler_names_its_commit(managed: Managed) -> None:
    reconciler_writes(managed.url, managed.token, [[MemberAdd("Bank", "user", "bank.boris")]])
    report = detect_now(managed).report
    (item,) = report.items
    assert item.change == MemberRemove(
        "Bank", "user", "bank.boris", "not in members.users of project Bank"
    )
    assert item.attribution is not None
    assert item.attribution.by_reconciler
    assert item.attribution.commit == COMMIT
    assert item.attribution.actor == "reconciler"
    assert "reconciler (commit c0ffee012345) as reconciler at" in render_text(report)


def test_renderings_say_who_and_when(hand_edited: tuple[Managed, dict[str, int]]) -> None:
    managed, _ = hand_edited
    report = detect_now(managed).report
    text = render_text(report)
    assert text.startswith("Drift: 3 difference(s) (1 project, 1 member, 1 object).\n")
    assert (
        "  user bank.anna: live member, files not a member "
        "(not in members.users of project Fitness)\n"
    ) in text
    assert f"    changed by hand: {HAND_USER} at " in text
    assert "Renamed by hand: project Fitness is now FitLife live." in text
    markdown = render_markdown(report)
    assert markdown.startswith("## Drift: 3 difference(s) between live and the files\n")
    assert markdown.count(f"**by hand**: {HAND_USER}") == 3
    data = json.loads(render_json(report))
    assert data["drifted"] is True
    assert data["summary"] == {"project": 1, "member": 1, "object": 1}
    assert {i["attribution"]["actor"] for i in data["items"]} == {HAND_USER}
    assert data["hand_renames"] == [{"from": "Fitness", "to": "FitLife"}]


def _load(path: Path) -> dict[str, object]:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_adopt_then_plan_is_empty_and_comments_stay(
    hand_edited: tuple[Managed, dict[str, int]],
) -> None:
    managed, _ = hand_edited
    root = managed.config_dir
    untouched = {p: p.read_bytes() for p in (root / "roles.yaml", root / "company.yaml")}
    detected = detect_now(managed)
    result = adopt(root, detected.planned.live, detected.hand_renames)
    assert sorted(p.name for p in result.changed) == ["bank.yaml", "fitness.yaml"]
    assert result.created == result.removed == []
    assert plan_dir(root, detected.planned.live).changes == ()
    for path, content in untouched.items():
        assert path.read_bytes() == content
    bank = (root / "projects" / "bank.yaml").read_text(encoding="utf-8")
    assert BANK_COMMENT in bank
    assert "    - sv.bank  # the supervisor\n" in bank
    assert bank.startswith("# yaml-language-server: $schema=")
    assert "Bank Collections Inbound" not in bank
    fitness = _load(root / "projects" / "fitness.yaml")
    assert fitness["name"] == "FitLife"
    assert fitness["previous_names"] == ["Fitness"]
    # lists are edited in place: live extras are appended after what was there
    assert fitness["members"] == {"users": ["sv.fit", "bank.anna"], "groups": ["fitness-sales"]}
    assert fitness["objects"] == {
        "queues": ["FitLife Membership Sales", "Bank Collections Inbound"]
    }
