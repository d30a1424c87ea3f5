"""Queries over a real log file: who got access, through which commit, when."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audit_helpers import member_add, started

from reconciler.audit.log import AuditLog
from reconciler.audit.query import Query, describe_change, find_changes
from reconciler.audit.record import apply_finished

C1, C2, C3 = "1111111" + "a" * 33, "2222222" + "b" * 33, "3333333" + "c" * 33


def outcome(change: dict[str, Any], status: str, ids: list[int]) -> dict[str, Any]:
    return {**change, "outcome": status, "change_ids": ids}


def history(path: Path) -> AuditLog:
    """C1 gives alice Bank (applied) and bob Bank (failed); C2 makes alice a role holder
    and removes her from Default; C3 is interrupted while adding alice to Shop."""
    log = AuditLog(path)
    alice_bank, bob_bank = member_add("Bank", "alice"), member_add("Bank", "bob")
    first = started([alice_bank, bob_bank], commit=C1)
    seq = log.append(first).seq
    log.append(
        apply_finished(
            first,
            seq,
            time="2026-05-01T10:00:05Z",
            outcome="partial",
            changes=[outcome(alice_bank, "applied", [11]), outcome(bob_bank, "failed", [])],
        )
    )
    holder = {"type": "role_holder_add", "action": "add", "role": "Supervisor", "user": "alice"}
    leave = {
        "type": "member_remove",
        "action": "remove",
        "project": "Default",
        "member_type": "user",
        "member": "alice",
        "reason": "default-project policy",
    }
    group = member_add("Bank", "alice", member_type="group")
    second = started([holder, leave, group], commit=C2)
    seq = log.append(second).seq
    done = [outcome(c, "applied", [20 + i]) for i, c in enumerate([holder, leave, group])]
    log.append(
        apply_finished(second, seq, time="2026-05-02T09:00:00Z", outcome="applied", changes=done)
    )
    log.append(started([member_add("Shop", "alice")], commit=C3))
    return log


def test_which_commit_gave_alice_the_bank_project(tmp_path: Path) -> None:
    log = history(tmp_path / "a.jsonl")
    found = find_changes(log.entries(), Query(project="Bank", user="alice"))
    assert len(found) == 1, "the group named alice is not the user alice"
    hit = found[0]
    assert (hit.commit, hit.time, hit.outcome, hit.change_ids) == (
        C1,
        "2026-05-01T10:00:05Z",
        "applied",
        (11,),
    )
    assert (hit.author, hit.pr_number, hit.actor, hit.seq) == (
        "Alice Doe <alice@example.com>",
        42,
        "github:alice",
        2,
    )
    assert hit.change == member_add("Bank", "alice")


def test_user_filter_covers_role_holders_and_interrupted_applies(tmp_path: Path) -> None:
    log = history(tmp_path / "a.jsonl")
    found = find_changes(log.entries(), Query(user="alice"))
    assert [(f.change["type"], f.outcome, f.interrupted) for f in found] == [
        ("member_add", "applied", False),
        ("role_holder_add", "applied", False),
        ("member_remove", "applied", False),
        ("member_add", "unknown", True),
    ]


def test_commit_prefix_and_outcomes(tmp_path: Path) -> None:
    log = history(tmp_path / "a.jsonl")
    assert [f.change["member"] for f in find_changes(log.entries(), Query(commit="1111"))] == [
        "alice"
    ]
    every = Query(commit="1111111A", outcomes=frozenset({"applied", "failed"}))
    assert [f.outcome for f in find_changes(log.entries(), every)] == ["applied", "failed"]
    assert find_changes(log.entries(), Query(commit="9999")) == []


def test_project_filter_matches_renames_and_moves(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    rename = {"type": "project_rename", "action": "rename", "old_name": "Bnk", "new_name": "Bank"}
    move = {
        "type": "object_move",
        "action": "move",
        "kind": "queues",
        "object": "IVR",
        "source": "Bank",
        "target": "Shop",
    }
    role = {"type": "role_create", "action": "create", "role": "Bank", "permissions": []}
    begun = started([rename, move, role])
    seq = log.append(begun).seq
    changes = [outcome(c, "applied", [1]) for c in (rename, move, role)]
    log.append(apply_finished(begun, seq, time="t", outcome="applied", changes=changes))
    found = find_changes(log.entries(), Query(project="Bank"))
    assert [f.change["type"] for f in found] == ["project_rename", "object_move"]
    assert [f.change["type"] for f in find_changes(log.entries(), Query(project="Bnk"))] == [
        "project_rename"
    ]


def test_describe_change() -> None:
    assert describe_change(member_add("Bank", "alice")) == "project Bank: + user alice"
    removal = {
        "type": "member_remove",
        "action": "remove",
        "project": "Default",
        "member_type": "user",
        "member": "al\nice",
        "reason": "policy",
    }
    assert describe_change(removal) == "project Default: - user al\\nice (policy)"
    holder = {"type": "role_holder_add", "action": "add", "role": "Sup", "user": "alice"}
    assert describe_change(holder) == "+ role Sup: holder alice"
    assert describe_change({"type": "future_change", "x": 1}) == "future_change x=1"
