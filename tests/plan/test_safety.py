"""Safety checks and policies: each finding, and that it blocks (or not) the plan."""

from __future__ import annotations

from dataclasses import replace

from planner_helpers import ADMINS, applied, desired, proj, q, role, world

from reconciler.errors import Position
from reconciler.plan.changes import ProjectDelete
from reconciler.plan.planner import plan
from reconciler.plan.settings import PlanSettings, PolicySpec


def codes(result: object) -> list[str]:
    return [v.code for v in result.violations]  # type: ignore[attr-defined]


def test_removing_over_a_quarter_of_memberships_is_refused_unless_allowed() -> None:
    live = world(proj("A", [f"u{i}" for i in range(20)]), roles=[ADMINS])
    keep = desired(proj("A", [f"u{i}" for i in range(15)]))
    assert codes(plan(keep, live)) == []  # 5 of 20 = 25%: at the limit, allowed
    cut = desired(proj("A", [f"u{i}" for i in range(14)]))
    refused = plan(cut, live)
    assert codes(refused) == ["mass_remove"]
    assert refused.violations[0].message == (
        "the plan removes 6 of 20 live memberships (30%, limit 25%); "
        "if intended, run with --allow-mass-change"
    )
    assert not refused.applicable
    allowed = plan(cut, live, PlanSettings(allow_mass_change=True))
    assert codes(allowed) == ["mass_remove"]
    assert allowed.applicable
    assert "allowed by --allow-mass-change" in allowed.violations[0].message


def test_thresholds_do_not_apply_to_tiny_companies() -> None:
    live = world(proj("A", ["u1", "u2"]), roles=[ADMINS])
    assert codes(plan(desired(proj("A")), live)) == []


def test_deleting_over_a_quarter_of_projects_is_refused_and_counts_their_members() -> None:
    live = world(*(proj(f"P{i}", [f"u{i}"]) for i in range(12)), roles=[ADMINS])
    keep = desired(*(proj(f"P{i}", [f"u{i}"]) for i in range(8)))
    history = applied(*live.projects)
    result = plan(keep, live, PlanSettings(prune=True, history=history))
    assert sum(isinstance(c, ProjectDelete) for c in result.changes) == 4
    assert codes(result) == ["mass_delete", "mass_remove"]
    assert "deletes 4 of 12 live projects (33%" in result.violations[0].message


def test_protected_project_is_never_deleted() -> None:
    live = world(proj("Keep"), proj("A"), roles=[ADMINS])
    where = Position("projects.d/keep.yaml", 1, 1)
    settings = PlanSettings(
        prune=True,
        protected=frozenset({"Keep"}),
        locate=lambda k: where if k[0] == "project" else None,
    )
    result = plan(desired(proj("A")), live, settings)
    assert codes(result) == ["protected_project"]
    assert result.violations[0].position == where
    assert not result.applicable


def test_token_user_losing_admin_or_a_permission_is_refused() -> None:
    live = world(
        roles=[role("Admin", users=["bot", "root"]), role("Ops", ["access_management"], ["bot"])]
    )
    settings = PlanSettings(token_user="bot")
    drop_admin = desired(roles=[role("Admin", users=["root"])])
    result = plan(drop_admin, live, settings)
    assert codes(result) == ["self_lockout"]
    assert "takes Admin away from 'bot'" in result.violations[0].message
    drop_perm = desired(roles=[role("Ops", ["project_list"], ["bot"])])
    assert "access_management" in plan(drop_perm, live, settings).violations[0].message
    assert codes(plan(drop_perm, live)) == []  # no token user known: nothing to protect


def test_a_plan_leaving_no_admin_is_refused() -> None:
    live = world(roles=[ADMINS])
    assert codes(plan(desired(roles=[role("Admin")]), live)) == ["no_admin"]


def test_single_project_rule_is_checked_on_the_result() -> None:
    live = world(proj("A"), proj("B"), roles=[ADMINS], objects=[q("q1")])
    result = plan(desired(proj("A", objects=[q("q1")]), proj("B", objects=[q("q1")])), live)
    assert codes(result) == ["single_project"]
    assert result.violations[0].message == (
        "queues/q1 would be in projects A, B; it can belong to one project at most"
    )


def test_an_object_in_three_projects_is_one_finding_naming_them_all() -> None:
    live = world(proj("A"), proj("B"), proj("C"), roles=[ADMINS], objects=[q("q1"), q("q2")])
    result = plan(
        desired(
            proj("C", objects=[q("q1"), q("q2")]),
            proj("A", objects=[q("q1")]),
            proj("B", objects=[q("q1"), q("q2")]),
        ),
        live,
    )
    assert [v.message for v in result.violations] == [
        "queues/q1 would be in projects A, B, C; it can belong to one project at most",
        "queues/q2 would be in projects B, C; it can belong to one project at most",
    ]


def test_isolation_counts_users_through_groups() -> None:
    live = world(
        proj("A", ["u1"], ["g2"]),
        proj("B", [], ["g1", "g2"]),
        proj("C", ["u1"]),
        roles=[ADMINS],
        groups={"g1": ["u1"], "g2": []},
    )
    policy = PolicySpec("clients", isolate=("A", "B", "Missing"))
    where = Position("projects.d/policy.yaml", 3, 1)
    settings = PlanSettings(policies=(policy,), locate=lambda k: where)
    result = plan(live, live, settings)
    assert [(v.code, v.message) for v in result.violations] == [
        ("isolate", "policy 'clients': group 'g2' would be in isolated projects A, B"),
        (
            "isolate",
            "policy 'clients': user 'u1' would be in isolated projects A, B (through group g1)",
        ),
    ]
    assert {v.position for v in result.violations} == {where}
    fixed = replace(live, groups={"g1": frozenset(), "g2": frozenset()})
    fixed = replace(fixed, projects={**fixed.projects, "B": proj("B", [], ["g1"])})
    assert codes(plan(fixed, fixed, settings)) == []


def test_max_view_all_users_counts_admins_and_view_all_holders() -> None:
    live = world(roles=[role("Admin", users=["root"]), role("Sup", ["view_all"], ["s1", "root"])])
    one = PlanSettings(policies=(PolicySpec("limits", max_view_all_users=1),))
    result = plan(live, live, one)
    assert [v.message for v in result.violations] == [
        "policy 'limits': 2 users would see everything (Admin or view_all: root, s1); "
        "the limit is 1"
    ]
    two = PlanSettings(policies=(PolicySpec("limits", max_view_all_users=2),))
    assert codes(plan(live, live, two)) == []


def test_relocated_members_do_not_count_as_removed() -> None:
    users = [f"u{i}" for i in range(20)]
    live = world(proj("A", users), proj("B"), roles=[ADMINS])
    moved = desired(proj("A", users[:10]), proj("B", users[10:]))
    assert codes(plan(moved, live)) == []  # 10 relocations, nobody loses every project
    dropped = desired(proj("A", users[:10]), proj("B", users[10:12]))
    assert codes(plan(dropped, live)) == ["mass_remove"]  # 8 removed outright = 40%
