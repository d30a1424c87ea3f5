"""``sensitive_changes``: what needs an approval before apply."""

from __future__ import annotations

from reconciler.plan.changes import (
    Change,
    MemberAdd,
    ObjectAdd,
    ObjectMove,
    ProjectDelete,
    RoleHolderAdd,
    RoleUpdate,
)
from reconciler.plan.model import Plan
from reconciler.plan.sensitive import sensitive_changes
from reconciler.plan.settings import PlanSettings, PolicySpec
from reconciler.state.snapshot import ProjectState, RoleState, Snapshot

SETTINGS = PlanSettings(policies=(PolicySpec("clients", isolate=("Bank", "Fit")),))
LIVE = Snapshot(
    projects={"Bank": ProjectState("Bank", users=frozenset({"anna"})), "Fit": ProjectState("Fit")}
)
DESIRED = Snapshot(
    projects={
        "Bank": ProjectState("Bank", objects=frozenset({("lists", "Blocked")})),
        "Fit": ProjectState("Fit", objects=frozenset({("lists", "Blocked"), ("lists", "VIP")})),
        "Other": ProjectState("Other"),
    },
    roles={
        "QA": RoleState("QA", frozenset({"view_all"}), frozenset({"qa"})),
        "Sup": RoleState("Sup", frozenset({"project_list"}), frozenset({"sv"})),
    },
)


def _codes(*changes: Change) -> list[tuple[str, str]]:
    plan = Plan(changes=changes, live_fingerprint="l", desired_fingerprint="d")
    return [(s.code, s.message) for s in sensitive_changes(plan, DESIRED, LIVE, SETTINGS)]


def test_deletes_and_grants_need_an_approval() -> None:
    assert _codes(ProjectDelete("Old")) == [("deletes_project", "deletes project 'Old'")]
    assert _codes(RoleHolderAdd("Admin", "eve")) == [
        ("grants_admin", "makes 'eve' an Admin holder")
    ]
    assert [c for c, _ in _codes(RoleHolderAdd("QA", "eve"))] == ["grants_view_all"]
    assert _codes(RoleHolderAdd("Sup", "eve")) == []
    assert [c for c, _ in _codes(RoleUpdate("QA", ("a",), ("a", "view_all")))] == [
        "grants_view_all"
    ]


def test_only_access_across_isolated_projects_needs_one() -> None:
    shared = _codes(ObjectAdd("Bank", "lists", "Blocked"))
    assert shared == [
        (
            "isolated_access",
            "adds lists/Blocked to project 'Bank', which policy 'clients' isolates from 'Fit'",
        )
    ]
    assert _codes(ObjectAdd("Fit", "lists", "VIP")) == []  # only Fit holds it
    assert _codes(ObjectAdd("Other", "lists", "Blocked")) == []  # not isolated
    moved = _codes(ObjectMove("queues", "In", "Bank", "Fit"))
    assert [c for c, _ in moved] == ["isolated_access"]
    assert _codes(ObjectMove("queues", "In", "Other", "Fit")) == []
    crossing = _codes(MemberAdd("Fit", "user", "anna"))  # anna is live in Bank
    assert [c for c, _ in crossing] == ["isolated_access"]
    assert _codes(MemberAdd("Fit", "user", "bob")) == []
