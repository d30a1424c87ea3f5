"""The planner asks what the target can do (``PlanSettings.capabilities``)."""

from __future__ import annotations

from planner_helpers import ADMINS, desired, proj, q, world

from reconciler.live.okitoki import WEBAPP_CAPABILITIES
from reconciler.plan.changes import MemberAdd, MemberRemove
from reconciler.plan.planner import plan
from reconciler.plan.settings import PlanSettings

WEB = PlanSettings(capabilities=WEBAPP_CAPABILITIES)
LIVE = world(
    proj("Default", users=["anna", "boris", "vera"]),
    proj("Bank"),
    roles=[ADMINS],
    groups={"collectors": ["anna", "boris"]},
)


def test_a_group_stands_for_its_users_where_groups_cannot_be_members() -> None:
    files = desired(proj("Bank", users=["vera"], groups=["collectors"]))
    made = plan(files, LIVE, WEB)
    adds = {c.member: c.reason for c in made.changes if isinstance(c, MemberAdd)}
    assert adds == {"vera": "", "anna": "via group collectors", "boris": "via group collectors"}
    assert not any(c.member_type == "group" for c in made.changes if isinstance(c, MemberAdd))
    removed = {c.member for c in made.changes if isinstance(c, MemberRemove)}
    assert removed == {"anna", "boris", "vera"}  # placed in Bank, so they leave Default
    assert any("stand for their current users (2 planned through a group)" in n for n in made.notes)
    assert any("keeps no project versions" in n for n in made.notes)


def test_the_same_files_plan_a_group_member_where_the_target_has_them() -> None:
    files = desired(proj("Bank", users=["vera"], groups=["collectors"]))
    made = plan(files, LIVE, PlanSettings())
    adds = {(c.member_type, c.member) for c in made.changes if isinstance(c, MemberAdd)}
    assert adds == {("user", "vera"), ("group", "collectors")}
    assert not any("web app" in n for n in made.notes), made.notes


def test_a_user_who_joins_the_group_later_is_planned_again() -> None:
    files = desired(proj("Bank", groups=["collectors"]))
    applied = world(
        proj("Default", users=["vera"]),
        proj("Bank", users=["anna", "boris"]),
        roles=[ADMINS],
        groups={"collectors": ["anna", "boris"]},
    )
    assert plan(files, applied, WEB).empty
    joined = world(
        proj("Default", users=["vera"]),
        proj("Bank", users=["anna", "boris"]),
        roles=[ADMINS],
        groups={"collectors": ["anna", "boris", "vera"]},
    )
    changes = plan(files, joined, WEB).changes
    assert MemberAdd("Bank", "user", "vera", "via group collectors") in changes


def test_what_the_target_cannot_do_is_refused_where_it_is_written() -> None:
    files = desired(
        proj("Bank", objects=[q("Bank In"), ("ip_phones", "Desk 1")]), security_type="simple"
    )
    live = world(proj("Default", objects=[q("Bank In"), ("ip_phones", "Desk 1")]), roles=[ADMINS])
    made = plan(files, live, WEB)
    found = sorted(v.message for v in made.violations if v.code == "unsupported")
    assert len(found) == 2, made.violations
    assert found[0].startswith("project 'Bank': ip_phones cannot be put into projects")
    assert found[1].startswith("the platform's web app cannot change the security type")
    assert not made.applicable
    assert "unsupported" not in {v.code for v in plan(files, live, PlanSettings()).violations}
