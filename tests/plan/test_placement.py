"""Who a plan leaves seeing nothing, removal reasons, and ``require_placement`` (pure)."""

from __future__ import annotations

from hypothesis import given, settings
from planner_helpers import ADMINS, desired, proj, q, role, world
from test_planner_properties import cases

from reconciler.plan.access import _Index, sees_everything
from reconciler.plan.changes import MemberRemove, ObjectRemove
from reconciler.plan.model import Unplaced
from reconciler.plan.planner import plan, resolve
from reconciler.plan.settings import PlanSettings, PolicySpec
from reconciler.state.snapshot import Snapshot

PLACED = PlanSettings(policies=(PolicySpec("placed", require_placement=True),))


def test_a_user_still_in_a_group_of_a_project_is_not_unplaced() -> None:
    live = world(proj("A", ["u"], ["g"]), roles=[ADMINS], groups={"g": ["u"]})
    assert plan(desired(proj("A", groups=["g"])), live).unplaced == ()


def test_users_left_in_no_project_are_listed_with_what_they_leave() -> None:
    live = world(proj("A", ["u1", "u2"]), proj("B", ["u1"]), roles=[ADMINS])
    result = plan(desired(proj("A", ["u2"]), proj("B")), live)
    assert result.unplaced == (Unplaced("u1", ("A", "B")),)


def test_a_user_losing_view_all_with_no_project_is_listed() -> None:
    live = world(roles=[ADMINS, role("Auditors", ["view_all"], ["u"])], users=["u"])
    result = plan(desired(roles=[role("Auditors", ["project_list"], ["u"])]), live)
    assert result.unplaced == (Unplaced("u"),)


def test_admin_and_view_all_holders_are_never_unplaced_and_their_removal_says_so() -> None:
    live = world(
        proj("A", ["root", "qa"]),
        roles=[ADMINS, role("QA", ["view_all"], ["qa"])],
    )
    result = plan(desired(proj("A")), live)
    assert result.unplaced == ()
    reasons = {c.member: c.reason for c in result.changes if isinstance(c, MemberRemove)}
    assert reasons == {
        "root": "not in members.users of project A; holds Admin: still sees everything",
        "qa": "not in members.users of project A; holds view_all (role QA): still sees everything",
    }


def test_no_one_is_unplaced_when_projects_are_off() -> None:
    live = world(proj("Default", ["u"]), roles=[ADMINS])
    result = plan(desired(security_type="simple"), live, PLACED)
    assert result.unplaced == ()
    assert not [v for v in result.violations if v.code == "require_placement"]


def test_require_placement_counts_users_already_in_no_project() -> None:
    live = world(proj("A", ["u1"]), roles=[ADMINS], users=["idle"])
    result = plan(desired(proj("A", ["u1"])), live, PLACED)
    assert result.changes == ()
    assert result.unplaced == ()  # the plan leaves nobody out: idle already was
    (violation,) = result.violations
    assert violation.code == "require_placement"
    assert violation.blocking
    assert "1 user would be in no project" in violation.message
    assert violation.message.endswith("see nothing: idle; add them to a project's members")


def test_the_note_names_unnamed_users_and_who_then_sees_nothing() -> None:
    live = world(
        proj("Default", ["new1", "new2", "kept"]),
        proj("B", groups=["g"]),
        roles=[ADMINS],
        groups={"g": ["new2"]},
    )
    result = plan(desired(proj("Default", ["kept"]), proj("B", groups=["g"])), live)
    assert result.notes == (
        "2 users exist live that no file names: new1, new2; the plan removes them from "
        "project Default, and then new1 would see nothing; declare them in members.users "
        "of a project (Default included) to keep them placed",
    )
    assert result.unplaced == (Unplaced("new1", ("Default",)),)


def test_an_object_left_out_of_a_declared_list_says_so() -> None:
    live = world(proj("A", objects=[q("q1")]), roles=[ADMINS])
    (change,) = plan(desired(proj("A")), live).changes
    assert change == ObjectRemove("A", "queues", "q1", "not in objects.queues of project A")


def _sees_nothing(snapshot: Snapshot, user: str) -> bool:
    """In no project, directly or through a group, and neither Admin nor view_all."""
    return user not in sees_everything(snapshot) and not _Index(snapshot).projects_of(user)


@settings(max_examples=80, deadline=None)
@given(cases())
def test_every_removal_has_a_reason_and_unplaced_is_exactly_who_loses_all_sight(
    case: tuple[Snapshot, Snapshot, PlanSettings],
) -> None:
    want, live, cfg = case
    result = plan(want, live, cfg)
    removals = [c for c in result.changes if isinstance(c, MemberRemove | ObjectRemove)]
    assert all(c.reason for c in removals), removals
    resolution = resolve(want, live, cfg)
    base, target = resolution.base, resolution.target
    if target.security_type == "simple":
        assert result.unplaced == ()
        return
    expected = {u for u in live.users if not _sees_nothing(base, u) and _sees_nothing(target, u)}
    assert {u.user for u in result.unplaced} == expected
