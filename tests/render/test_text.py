from __future__ import annotations

from collections.abc import Callable

import click

from reconciler.plan.changes import (
    Change,
    MemberAdd,
    MemberRemove,
    ProjectDelete,
    RoleCreate,
    RoleHolderAdd,
)
from reconciler.plan.model import AccessDelta, Plan, Sight
from reconciler.render.text import render_text
from reconciler.render.view import RenderContext

Golden = Callable[[str, str], None]


def test_realistic_plan_matches_golden(realistic_plan: Plan, golden: Golden) -> None:
    golden("realistic.txt", render_text(realistic_plan))


def test_blocked_plan_matches_golden(blocked_plan: Plan, golden: Golden) -> None:
    golden("blocked.txt", render_text(blocked_plan))


def test_empty_plan_matches_golden(empty_plan: Plan, golden: Golden) -> None:
    golden("empty.txt", render_text(empty_plan))


def test_colour_only_when_asked_and_only_adds_styling(realistic_plan: Plan) -> None:
    plain = render_text(realistic_plan)
    coloured = render_text(realistic_plan, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured
    assert click.unstyle(coloured) == plain


def test_same_plan_gives_identical_bytes(realistic_plan: Plan) -> None:
    rebuilt = Plan(
        changes=tuple(reversed(realistic_plan.changes)),
        live_fingerprint=realistic_plan.live_fingerprint,
        desired_fingerprint=realistic_plan.desired_fingerprint,
    )
    again = Plan(
        changes=realistic_plan.changes,
        live_fingerprint=realistic_plan.live_fingerprint,
        desired_fingerprint=realistic_plan.desired_fingerprint,
    )
    # the change listing is sorted by the renderer, whatever order the tuple has
    listing = render_text(rebuilt).split("\n\nPlan:")[0]
    assert listing == render_text(again).split("\n\nPlan:")[0]
    assert render_text(realistic_plan) == render_text(realistic_plan)


def _delta(user: str, n: int, project: str = "P") -> AccessDelta:
    return AccessDelta(user, gained=tuple(Sight("lists", f"L{i:03}", project) for i in range(n)))


def _plan(*changes: Change, access: tuple[AccessDelta, ...] = ()) -> Plan:
    fingerprints = ("sha256:" + "0" * 64, "sha256:" + "1" * 64)
    return Plan(tuple(sorted(changes)), *fingerprints, access_impact=access)


def test_access_impact_groups_users_with_an_identical_change() -> None:
    deltas = (*(_delta(f"u{i:03}", 25) for i in range(60)), _delta("solo", 2, "Q"))
    out = render_text(_plan(MemberAdd("P", "user", "u000"), access=deltas), max_sights=10)
    assert "Access impact (61 users see different objects, 2 distinct):" in out
    assert "  60 users (u000, u001, u002, ...): gain 25 objects in P\n" in out
    assert "  solo: gains 2 objects in Q\n" in out
    assert out.count("    ... and 15 more\n") == 1  # one listing for the 60 users
    users_line = out[out.index("    users: u000") :].split("\n    + ")[0]
    assert all(f"u{i:03}" in users_line for i in range(50))
    assert "... and 10 more" in users_line


def test_a_group_whose_members_are_exactly_the_users_is_named() -> None:
    deltas = tuple(_delta(u, 1) for u in ("ann", "bob", "cy"))
    plan = _plan(MemberAdd("P", "group", "team"), access=deltas)
    groups = {"team": frozenset({"ann", "bob", "cy"}), "more": frozenset({"ann", "bob", "d"})}
    out = render_text(plan, context=RenderContext(groups=groups))
    assert "  group team (3 users: ann, bob, cy): gain 1 object in P\n" in out
    assert "3 users (ann, bob, cy)" in render_text(plan)  # without the live groups: no name


def test_removals_for_one_reason_fold_into_one_line_with_every_name() -> None:
    why = "placed in project Bank; company default_project.remove_placed_members"
    users = [f"agent.{i:02}" for i in range(30)]
    plan = _plan(
        *(MemberRemove("Default", "user", u, why) for u in users),
        MemberRemove("Default", "user", "olga", "not in members.users of project Default"),
        MemberRemove("Default", "group", "g1", why),
    )
    out = render_text(plan)
    section = out[out.index("project Default:") : out.index("\n\nPlan:")]
    assert section.startswith("project Default: 32 to remove\n")
    assert "  - 30 users: agent.00, agent.01," in section
    assert f"      reason: {why}" in section
    assert "  - user olga\n      reason: not in members.users" in section
    assert "  - group g1\n" in section  # alone: not folded
    start = section.index("30 users:")
    folded = section[start : section.index("      reason", start)]
    assert [u for u in users if u in folded] == users
    assert max(len(line) for line in section.splitlines() if "agent." in line) <= 100


def test_the_headline_comes_first_and_names_what_needs_a_second_look() -> None:
    plan = _plan(
        ProjectDelete("Old"),
        RoleCreate("Auditors", ("view_all",)),
        RoleHolderAdd("Auditors", "eve"),
        access=(
            AccessDelta("eve", gained=(Sight("*", "*", "*"),)),
            _delta("ann", 2, "Bank"),
        ),
    )
    lines = render_text(plan).splitlines()
    assert lines[0] == (
        "Plan: 3 changes in 1 project and company-wide: 1 to create, 1 to add, 1 to delete."
    )
    assert lines[1] == "Access: 2 users gain sight of objects, 0 users lose sight of objects."
    assert lines[2] == "Violations: none."
    assert lines[3] == "Needs a second look:"
    assert lines[4:8] == [
        "  ! deletes 1 project: Old",
        "  ! eve will see everything (Admin or view_all)",
        "  ! role Auditors is created with view_all",
        "  ! 1 user gains sight of objects in Bank: ann",
    ]


def test_nothing_to_look_at_twice_is_said() -> None:
    out = render_text(_plan(MemberAdd("P", "user", "u")))
    assert "Needs a second look: nothing (no deletion, no wider access, no Admin).\n" in out
