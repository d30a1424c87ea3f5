"""Who sees what, and how a plan changes it."""

from __future__ import annotations

from planner_helpers import ADMINS, desired, proj, q, role, s, world

from reconciler.plan.access import (
    EVERYTHING,
    access_impact,
    sees_everything,
    visible,
    what_can_see,
    who_can_see,
)
from reconciler.plan.model import AccessDelta, Sight
from reconciler.plan.planner import plan

LIVE = world(
    proj("Bank", ["anna"], ["collectors"], [q("Bank IVR"), s("Office hours")]),
    proj("Fit", ["ivan"], [], [q("Fit IVR"), s("Office hours")]),
    roles=[ADMINS, role("Sup", ["view_all"], ["sv"]), role("Lister", ["project_list"], ["ivan"])],
    groups={"collectors": ["boris"]},
    users=["nobody"],
)


def test_restricted_users_see_their_projects_directly_or_through_groups() -> None:
    assert what_can_see(LIVE, "anna") == [
        Sight("queues", "Bank IVR", "Bank"),
        Sight("schedules", "Office hours", "Bank"),
    ]
    assert visible(LIVE, "boris") == visible(LIVE, "anna")
    assert visible(LIVE, "nobody") == set()
    # project_list shows tiles, not objects
    assert visible(LIVE, "ivan") == {
        Sight("queues", "Fit IVR", "Fit"),
        Sight("schedules", "Office hours", "Fit"),
    }


def test_admin_and_view_all_see_everything() -> None:
    assert sees_everything(LIVE) == {"root", "sv"}
    assert visible(LIVE, "root") == {EVERYTHING}
    assert visible(LIVE, "sv") == {EVERYTHING}


def test_who_can_see_an_object() -> None:
    assert who_can_see(LIVE, "queues", "Bank IVR") == ["anna", "boris", "root", "sv"]
    assert who_can_see(LIVE, "schedules", "Office hours") == ["anna", "boris", "ivan", "root", "sv"]
    assert who_can_see(LIVE, "queues", "Unknown") == ["root", "sv"]


def test_impact_lists_gains_and_losses_by_object_and_project() -> None:
    after = world(
        proj("Bank", ["anna"], [], [q("Bank IVR"), s("Office hours")]),
        proj("Fit", ["ivan", "boris"], [], [s("Office hours")]),
        roles=[ADMINS, role("Sup", [], ["sv"]), role("Lister", ["view_all"], ["ivan"])],
        groups={"collectors": ["boris"]},
    )
    assert access_impact(LIVE, after) == (
        AccessDelta(
            "boris",
            gained=(),
            lost=(Sight("queues", "Bank IVR", "Bank"),),
        ),
        AccessDelta("ivan", gained=(EVERYTHING,)),
        AccessDelta("sv", lost=(EVERYTHING,)),
    )


def test_a_move_between_two_projects_a_user_is_in_changes_nothing_for_them() -> None:
    live = world(proj("A", ["u", "a"], objects=[q("q1")]), proj("B", ["u"]), roles=[ADMINS])
    result = plan(desired(proj("A", ["u", "a"]), proj("B", ["u"], objects=[q("q1")])), live)
    assert result.access_impact == (AccessDelta("a", lost=(Sight("queues", "q1", "A"),)),)
