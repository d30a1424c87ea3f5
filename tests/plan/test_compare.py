"""``compare_plans``: the reviewed plan against the plan made now, field by field."""

from __future__ import annotations

from reconciler.plan.changes import Change, MemberAdd, MemberRemove, ProjectDelete, RoleUpdate
from reconciler.plan.compare import compare_plans
from reconciler.plan.model import Plan, Violation


def _plan(*changes: Change, blocking: bool = False) -> Plan:
    violations = (Violation("no_admin", "x"),) if blocking else ()
    return Plan(
        changes=changes, live_fingerprint="l", desired_fingerprint="d", violations=violations
    )


ADD = MemberAdd("Bank", "user", "anna")
GONE = MemberRemove("Default", "user", "anna", reason="placed in project Bank")


def test_the_same_plan_has_no_difference() -> None:
    diff = compare_plans(_plan(ADD, GONE), _plan(ADD, GONE))
    assert diff.empty and diff.subset


def test_dropped_changes_make_a_subset_and_added_ones_do_not() -> None:
    dropped = compare_plans(_plan(ADD, GONE), _plan(ADD))
    assert dropped.dropped == ("member_remove project='Default' member_type='user' member='anna'",)
    assert dropped.subset
    everything = compare_plans(_plan(ADD, GONE), _plan())
    assert len(everything.dropped) == 2 and everything.subset and not everything.changed
    added = compare_plans(_plan(ADD), _plan(ADD, ProjectDelete("Old")))
    assert added.added == ("project_delete name='Old'",)
    assert not added.subset


def test_a_field_of_the_same_change_is_compared() -> None:
    now = MemberRemove("Default", "user", "anna", reason="not in members.users")
    diff = compare_plans(_plan(GONE), _plan(now))
    (field,) = diff.changed
    assert (field.field, field.reviewed, field.now) == (
        "reason",
        "placed in project Bank",
        "not in members.users",
    )
    assert not diff.subset  # the same write for another reason is not what was reviewed
    role = compare_plans(
        _plan(RoleUpdate("QA", ("a",), ("a", "b"))),
        _plan(RoleUpdate("QA", ("a",), ("a", "b", "view_all"))),
    )
    assert [(c.field, c.now) for c in role.changed] == [("after", ("a", "b", "view_all"))]


def test_a_plan_not_applicable_now_is_no_subset() -> None:
    diff = compare_plans(_plan(ADD), _plan(blocking=True))
    assert diff.applicable == (True, False)
    assert not diff.subset
