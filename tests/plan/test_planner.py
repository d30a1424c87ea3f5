"""Examples of the planner's semantics, each checked on the whole change list and, where
it matters, by simulating the plan on the live state."""

from __future__ import annotations

from dataclasses import replace

from planner_helpers import ADMINS, applied, desired, proj, q, role, s, world

from reconciler.errors import Position
from reconciler.plan.changes import (
    MemberAdd,
    MemberRemove,
    ObjectAdd,
    ObjectMove,
    ObjectRemove,
    Phase,
    ProjectCreate,
    ProjectDelete,
    ProjectRename,
    ProjectUpdate,
    RoleCreate,
    RoleDelete,
    RoleHolderAdd,
    RoleHolderRemove,
    RoleUpdate,
    SecurityTypeChange,
)
from reconciler.plan.planner import plan
from reconciler.plan.settings import PlanSettings
from reconciler.plan.simulate import apply_in_memory

REASON = "company default_project.remove_placed_members"
DELETED = (
    "project {p} is deleted; the platform deletes a project only once it holds no queue, "
    "call script, auto-dialer or CRM form"
)


def test_same_state_plans_nothing() -> None:
    live = world(proj("A", ["u1"], ["g"], [q("q1"), s("s1")]), roles=[ADMINS])
    result = plan(live, live)
    assert result.changes == ()
    assert result.violations == ()
    assert result.applicable


def test_swapping_two_queues_between_two_projects_is_two_moves() -> None:
    live = world(proj("A", objects=[q("q1")]), proj("B", objects=[q("q2")]), roles=[ADMINS])
    want = desired(proj("A", objects=[q("q2")]), proj("B", objects=[q("q1")]))
    result = plan(want, live)
    assert result.changes == (
        ObjectMove("queues", "q1", "A", "B"),
        ObjectMove("queues", "q2", "B", "A"),
    )
    after = apply_in_memory(live, result.changes)
    assert after.projects["A"].objects == {q("q2")}
    assert after.projects["B"].objects == {q("q1")}


def test_object_in_an_undeclared_project_moves_and_the_project_stays() -> None:
    live = world(proj("A"), proj("C", ["u"], objects=[q("q1"), q("q9")]), roles=[ADMINS])
    result = plan(desired(proj("A", objects=[q("q1")])), live)
    assert result.changes == (ObjectMove("queues", "q1", "C", "A"),)
    assert result.unmanaged_projects == ("C",)


def test_new_project_is_created_before_objects_move_into_it() -> None:
    live = world(proj("A", objects=[q("q1"), s("s1")]), roles=[ADMINS])
    want = desired(proj("A", objects=[s("s1")]), proj("N", ["u"], objects=[q("q1"), s("s1")]))
    result = plan(want, live)
    assert result.changes == (
        ProjectCreate("N"),
        MemberAdd("N", "user", "u"),
        ObjectAdd("N", "schedules", "s1"),
        ObjectMove("queues", "q1", "A", "N"),
    )
    assert [c.phase for c in result.changes] == sorted(c.phase for c in result.changes)


def test_member_moving_between_projects_is_added_before_removed() -> None:
    live = world(proj("A", ["u"]), proj("B"), roles=[ADMINS])
    result = plan(desired(proj("A"), proj("B", ["u"])), live)
    assert result.changes == (
        MemberAdd("B", "user", "u"),
        MemberRemove("A", "user", "u", "not in members.users of project A"),
    )
    assert result.changes[0].phase == Phase.GRANT
    assert result.changes[1].phase == Phase.REVOKE


def test_rename_keeps_identity_and_later_changes_use_the_new_name() -> None:
    live = world(proj("Old", ["u1"], description="x"), roles=[ADMINS], users=["u2"])
    want = desired(proj("New", ["u2"], description="y"))
    result = plan(want, live, PlanSettings(renames={"New": ("Gone", "Old")}))
    assert result.changes == (
        ProjectRename("Old", "New"),
        ProjectUpdate("New", "x", "y"),
        MemberAdd("New", "user", "u2"),
        MemberRemove("New", "user", "u1", "not in members.users of project New"),
    )
    assert result.unmanaged_projects == ()
    after = apply_in_memory(live, result.changes)
    assert set(after.projects) == {"New"}
    # nobody's visibility changes by a rename alone
    assert result.access_impact == ()


def test_rename_is_not_needed_once_done() -> None:
    live = world(proj("New"), proj("Old"), roles=[ADMINS])
    result = plan(desired(proj("New")), live, PlanSettings(renames={"New": ("Old",)}))
    assert result.changes == ()
    assert result.unmanaged_projects == ("Old",)


def test_rename_chain_and_swap_are_refused_with_the_position() -> None:
    live = world(proj("A"), proj("B"), roles=[ADMINS])
    where = Position("projects.d/b.yaml", 4, 5)

    def locate(key: tuple[str, ...]) -> Position | None:
        return where if key == ("project", "B", "previous_names", "A") else None

    swap = PlanSettings(renames={"A": ("B",), "B": ("A",)}, locate=locate)
    result = plan(desired(proj("A"), proj("B")), live, swap)
    assert not result.applicable
    codes = [(v.code, v.position) for v in result.violations]
    assert codes == [("rename_conflict", None), ("rename_conflict", where)]
    chain = PlanSettings(renames={"C": ("B",), "B": ("A",)})
    result = plan(desired(proj("B"), proj("C")), live, chain)
    assert [v.code for v in result.violations] == ["rename_conflict"]
    assert "'B'" in result.violations[0].message
    assert not any(isinstance(c, ProjectRename) for c in result.changes)


def test_ambiguous_rename_is_refused() -> None:
    live = world(proj("A"), proj("B"), roles=[ADMINS])
    result = plan(desired(proj("N")), live, PlanSettings(renames={"N": ("A", "B")}))
    assert [v.code for v in result.violations] == ["ambiguous_rename"]
    assert ProjectCreate("N") in result.changes


def test_default_policy_removes_placed_members_with_a_reason() -> None:
    live = world(proj("Default", ["u1", "u2", "u3"], ["g"], [q("q1")]), roles=[ADMINS])
    want = desired(proj("A", ["u1"], ["g"]), proj("B", ["u1"]))
    result = plan(want, live)
    removals = [c for c in result.changes if isinstance(c, MemberRemove)]
    assert removals == [
        MemberRemove("Default", "group", "g", f"placed in project A; {REASON}"),
        MemberRemove("Default", "user", "u1", f"placed in projects A, B; {REASON}"),
    ]
    assert result.unmanaged_projects == ("Default",)
    after = apply_in_memory(live, result.changes)
    assert after.projects["Default"].users == {"u2", "u3"}
    assert after.projects["Default"].objects == {q("q1")}


def test_default_policy_off_leaves_default_alone() -> None:
    live = world(proj("Default", ["u1"]), roles=[ADMINS])
    off = PlanSettings(remove_placed_members=False)
    assert plan(desired(proj("A", ["u1"])), live, off).changes == (
        ProjectCreate("A"),
        MemberAdd("A", "user", "u1"),
    )


def test_declared_default_is_authoritative() -> None:
    live = world(proj("Default", ["u1", "u2"]), roles=[ADMINS])
    result = plan(desired(proj("Default", ["u2"]), proj("A", ["u2"])), live)
    assert (
        MemberRemove("Default", "user", "u1", "not in members.users of project Default")
        in result.changes
    )
    assert not any(isinstance(c, MemberRemove) and c.member == "u2" for c in result.changes)


def test_renamed_default_project_is_found_by_its_configured_name() -> None:
    live = world(proj("Everyone", ["u1", "u2"]), roles=[ADMINS])
    settings = PlanSettings(default_project="Everyone")
    result = plan(desired(proj("A", ["u1"])), live, settings)
    assert MemberRemove("Everyone", "user", "u1", f"placed in project A; {REASON}") in (
        result.changes
    )


def test_prune_deletes_undeclared_projects_after_emptying_their_queues() -> None:
    live = world(
        proj("Default", ["u"]),
        proj("A"),
        proj("Gone", ["u"], objects=[q("q1"), q("q2"), s("s1")]),
        roles=[ADMINS],
    )
    result = plan(desired(proj("A", objects=[q("q1")])), live, PlanSettings(prune=True))
    assert result.changes == (
        ObjectMove("queues", "q1", "Gone", "A"),
        ObjectRemove("Gone", "queues", "q2", DELETED.format(p="Gone")),
        ProjectDelete("Gone"),
    )
    assert result.unmanaged_projects == ("Default",)
    after = apply_in_memory(live, result.changes)
    assert set(after.projects) == {"A", "Default"}
    unpruned = plan(desired(proj("A", objects=[q("q1")])), live)
    assert unpruned.unmanaged_projects == ("Default", "Gone")
    assert not any(isinstance(c, ProjectDelete) for c in unpruned.changes)


def test_roles_create_update_holders_and_prune() -> None:
    live = world(
        roles=[ADMINS, role("Sup", ["project_list"], ["u1"]), role("Old", ["view_all"], ["u2"])]
    )
    want = desired(
        roles=[
            role("Admin", users=["root", "u3"]),
            role("Sup", ["project_list", "access_management"], ["u2"]),
            role("New", ["view_all"], ["u1"]),
        ]
    )
    result = plan(want, live, PlanSettings(prune=True))
    assert result.changes == (
        RoleCreate("New", ("view_all",)),
        RoleHolderAdd("Admin", "u3"),
        RoleHolderAdd("New", "u1"),
        RoleHolderAdd("Sup", "u2"),
        RoleUpdate("Sup", ("project_list",), ("access_management", "project_list")),
        RoleDelete("Old"),
        RoleHolderRemove("Sup", "u1"),
    )
    assert plan(want, live).unmanaged_roles == ("Old",)


def test_admin_permissions_cannot_be_declared() -> None:
    live = world(roles=[ADMINS])
    result = plan(desired(roles=[role("Admin", ["view_all"], ["root"])]), live)
    assert [v.code for v in result.violations] == ["builtin_role"]
    assert result.changes == ()


def test_unknown_references_name_the_place_and_close_live_names() -> None:
    live = world(
        proj("A"),
        roles=[ADMINS],
        users=["Anna.K", "boris"],
        groups={"bank-collectors": []},
        objects=[q("Bank Inbound"), s("Bank Inbound")],
    )
    where = Position("projects.d/a.yaml", 7, 9)

    def locate(key: tuple[str, ...]) -> Position | None:
        return where if key == ("project", "A", "users", "anna.k") else None

    want = desired(
        proj("A", ["anna.k"], ["bank-collector"], [q("Bank inbound")]),
        roles=[role("Admin", users=["root", "zed"])],
    )
    result = plan(want, live, PlanSettings(locate=locate))
    messages = [(str(v.position) if v.position else None, v.message) for v in result.violations]
    assert messages == [
        (
            None,
            "project 'A': group 'bank-collector' does not exist on the platform; "
            "did you mean 'bank-collectors'?",
        ),
        (
            None,
            "project 'A': queues object 'Bank inbound' does not exist on the platform; "
            "did you mean 'Bank Inbound'?",
        ),
        (
            None,
            "role 'Admin': user 'zed' does not exist on the platform; "
            "if they left, `reconciler offboard zed` removes them from the files",
        ),
        (
            "projects.d/a.yaml:7:9",
            "project 'A': user 'anna.k' does not exist on the platform; did you mean 'Anna.K'?; "
            "if they left, `reconciler offboard anna.k` removes them from the files",
        ),
    ]
    assert not result.applicable
    assert (
        "2 users in the files no longer exist on the platform: anna.k, zed; if they left "
        "(deactivated), `reconciler offboard anna.k zed` removes them from every project and "
        "role in the files"
    ) in result.notes


def test_switching_to_advanced_plans_from_the_default_the_platform_creates() -> None:
    live = world(roles=[ADMINS], users=["u1", "u2"], objects=[q("q1")], security_type="simple")
    want = desired(proj("A", ["u1"], objects=[q("q1")]), security_type="advanced")
    result = plan(want, live)
    assert result.changes == (
        SecurityTypeChange("simple", "advanced"),
        ProjectCreate("A"),
        MemberAdd("A", "user", "u1"),
        ObjectMove("queues", "q1", "Default", "A"),
        MemberRemove("Default", "user", "u1", f"placed in project A; {REASON}"),
    )
    assert result.notes[0].startswith("switching to the advanced security type")
    after = apply_in_memory(live, result.changes)
    assert after.projects["Default"].users == {"u2", "root"}


def test_switching_to_simple_deletes_all_projects_and_counts_as_mass_change() -> None:
    many = [proj(f"P{i}", [f"u{i}"]) for i in range(12)]
    live = world(*many, roles=[ADMINS])
    history = PlanSettings(history=applied(*live.projects))
    result = plan(desired(security_type="simple"), live, history)
    assert result.changes == (SecurityTypeChange("advanced", "simple"),)
    assert sorted(v.code for v in result.violations) == ["mass_delete", "mass_remove"]
    assert apply_in_memory(live, result.changes).projects == {}


def test_projects_declared_with_simple_security_type_are_refused() -> None:
    live = world(roles=[ADMINS], security_type="simple", users=["u"])
    result = plan(desired(proj("A", ["u"]), security_type="simple"), live)
    assert [v.code for v in result.violations] == ["projects_off"]
    assert result.changes == ()


def test_fingerprints_bind_both_states() -> None:
    live = world(proj("A"), roles=[ADMINS])
    want = desired(proj("A", description="x"))
    result = plan(want, live)
    assert result.live_fingerprint == live.fingerprint()
    assert result.desired_fingerprint == want.fingerprint()
    other = plan(replace(want, projects={"A": proj("A", description="y")}), live)
    assert other.desired_fingerprint != result.desired_fingerprint


def test_role_losing_a_permission_narrows_after_every_grant() -> None:
    live = world(roles=[ADMINS, role("Sup", ["view_all"], ["u1"])])
    want = desired(roles=[role("Sup", ["project_list"], ["u1"])])
    result = plan(want, live)
    widen = RoleUpdate("Sup", ("view_all",), ("project_list", "view_all"))
    narrow = RoleUpdate("Sup", ("project_list", "view_all"), ("project_list",))
    assert result.changes == (widen, narrow)
    assert widen.phase < narrow.phase
