"""Which permissions reading and writing need, and the errors that name the missing one."""

from __future__ import annotations

import pytest

from reconciler.errors import AuthError
from reconciler.live.permissions import ADMIN, check_permissions, required_permissions
from reconciler.live.protocol import Identity
from reconciler.plan.changes import (
    MemberAdd,
    ObjectMove,
    ProjectCreate,
    RoleHolderAdd,
    SecurityTypeChange,
)

ADD_USER = MemberAdd("Bank", "user", "bank.anna")
MOVE = ObjectMove("queues", "Bank inbound", "Default", "Bank")


def who(*permissions: str, admin: bool = False) -> Identity:
    return Identity("bob", admin, frozenset(permissions))


def test_required_permissions_per_change_family() -> None:
    assert required_permissions([ADD_USER]) == {"access_management"}
    assert required_permissions([MOVE, ProjectCreate("X")]) == {"project_management"}
    assert required_permissions([RoleHolderAdd("QA", "bob")]) == {ADMIN}
    assert required_permissions([SecurityTypeChange("simple", "advanced")]) == {ADMIN}
    assert required_permissions([]) == set()


def test_reading_needs_admin_or_view_all() -> None:
    check_permissions(who(admin=True))
    check_permissions(who("view_all"))
    with pytest.raises(AuthError, match="Admin role or the view_all permission") as info:
        check_permissions(who("project_list", "access_management"))
    assert "'bob'" in str(info.value) and info.value.status == 403


def test_writing_names_every_missing_permission() -> None:
    me = who("view_all", "access_management")
    check_permissions(me, [ADD_USER], need_write=True)
    with pytest.raises(AuthError) as info:
        check_permissions(me, [ADD_USER, MOVE, RoleHolderAdd("QA", "x")], need_write=True)
    assert "needs the Admin role, project_management" in str(info.value)
    assert "access_management" not in str(info.value)


def test_admin_may_write_everything() -> None:
    changes = [ADD_USER, MOVE, RoleHolderAdd("QA", "x"), SecurityTypeChange("advanced", "simple")]
    check_permissions(who(admin=True), changes, need_write=True)


def test_a_plan_check_without_write_ignores_changes() -> None:
    check_permissions(who("view_all"), [MOVE], need_write=False)
