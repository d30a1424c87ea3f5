"""The permission matrix: every role shape times every endpoint.

The world: projects Bank and FitSecret next to Default. Bank holds a queue, four users
directly (one per role shape) and the group bank-team (holding gina); FitSecret holds a
queue and one user. What each role sees and may do is asserted exactly, and nothing of
FitSecret or Default may reach a user outside them: not in lists, object endpoints, the
change log or error messages.
"""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import (
    BANK_MEMBERS,
    RESTRICTED,
    ROLES,
    SECRETS,
    TILES,
    Api,
    UserFactory,
    World,
    build_world,
)


@pytest.fixture
def world(admin: Api, user: UserFactory) -> World:
    return build_world(admin, user)


def _visible_projects(api: Api) -> dict[str, str]:
    return {
        p["name"]: "full" if p["users"] is not None else "tile"
        for p in api.items("/projects", include="members,objects")
    }


def test_project_visibility(world: World) -> None:
    everything = {"Default": "full", "Bank": "full", "FitSecret": "full"}
    expected = {
        "admin": everything,
        "viewer": everything,
        "lister": {"Default": "tile", "Bank": "full", "FitSecret": "tile"},
        **{role: {"Bank": "full"} for role in ("accessor", "manager", "agent", "grouped")},
        "outsider": {},
    }
    for role in ROLES:
        assert _visible_projects(world.api[role]) == expected[role], role
    member_flags = {p["name"]: p["member"] for p in world.api["grouped"].items("/projects")}
    assert member_flags == {"Bank": True}


def test_object_user_and_group_visibility(world: World) -> None:
    admin = world.api["admin"]
    all_objects = {o["name"] for o in admin.items("/objects")}
    all_users = {u["login"] for u in admin.items("/users")}
    bank_people = {"lister", "accessor", "manager", "agent", "gina"}
    for role in ("admin", "viewer"):
        api = world.api[role]
        assert {o["name"] for o in api.items("/objects")} == all_objects
        assert {u["login"] for u in api.items("/users")} == all_users
        assert len(api.items("/groups")) == 6
    for role in BANK_MEMBERS:
        api = world.api[role]
        objects = api.items("/objects")
        assert sorted((o["name"], o["project_ids"]) for o in objects) == [
            ("24x7", [world.ids["bank"]]),
            ("Bank Collections Inbound", [world.ids["bank"]]),
        ]
        assert {u["login"] for u in api.items("/users")} == bank_people
        assert [g["name"] for g in api.items("/groups")] == ["bank-team"]
        assert api.items("/objects", kind="lists") == []
    outsider = world.api["outsider"]
    assert outsider.items("/objects") == [] and outsider.items("/groups") == []
    assert [u["login"] for u in outsider.items("/users")] == ["outsider"]


def test_objects_without_project_ids_are_the_same_objects(world: World) -> None:
    """``project_ids=false``: the same objects, page for page, ``project_ids`` null; as
    every role sees them (a restricted one no more than before)."""
    for role in ROLES:
        api = world.api[role]
        full = api.items("/objects")
        bare = api.items("/objects", project_ids="false")
        assert bare == [{**o, "project_ids": None} for o in full], role
        assert api.items("/objects", project_ids="true") == full, role
    first = world.api["admin"].ok("GET", "/objects", params={"limit": 1, "project_ids": "false"})
    assert first["total"] == len(world.api["admin"].items("/objects"))
    assert first["next_offset"] == 1


def test_roles_list_only_visible_holders(world: World) -> None:
    (admin_role,) = [r for r in world.api["agent"].items("/roles") if r["builtin"]]
    assert admin_role["user_ids"] == []
    (full,) = [r for r in world.api["viewer"].items("/roles") if r["builtin"]]
    assert full["user_ids"] == [world.ids["user:reconciler"], world.ids["user:olga.admin"]]


def test_changelog_visibility(world: World) -> None:
    admin_entries = world.api["admin"].items("/changelog")
    assert {e["project_id"] for e in admin_entries} >= {None, 1, world.ids["fit"]}
    assert world.api["viewer"].items("/changelog") == admin_entries
    for role in BANK_MEMBERS:
        entries = world.api[role].items("/changelog")
        assert entries and {e["project_id"] for e in entries} == {world.ids["bank"]}, role
    assert world.api["outsider"].items("/changelog") == []


def test_whoami_reports_effective_permissions(world: World) -> None:
    expected = {
        "admin": ["view_all", "project_list", "access_management", "project_management"],
        "viewer": ["view_all"],
        "lister": ["project_list"],
        "accessor": ["access_management"],
        "manager": ["project_management"],
        "agent": [],
        "grouped": [],
        "outsider": [],
    }
    for role in ROLES:
        me = world.api[role].ok("GET", "/whoami")
        assert (me["permissions"], me["is_admin"]) == (expected[role], role == "admin")


ALLOWED = {"admin"}
PM = {"admin", "manager"}
AM = {"admin", "accessor"}

#: (case name, method, path, body, {role: status}, default status)
Case = tuple[str, str, str, Any, dict[str, int], int]


def cases(ids: dict[str, int], login: str) -> list[Case]:
    bank, fit = ids["bank"], ids["fit"]
    agent = ids["user:agent"]
    only = {"admin": 200}
    return [
        ("create project", "POST", "/projects", {"name": f"New {login}"},
         {"admin": 201, "manager": 201}, 403),
        ("edit own project", "PATCH", f"/projects/{bank}", {"description": login},
         {"admin": 200, "manager": 200}, 403),
        ("edit other project", "PATCH", f"/projects/{fit}", {"description": login},
         {"admin": 200, "manager": 404}, 403),
        ("members of own", "POST", f"/projects/{bank}/contents", {"add": {"users": [agent]}},
         {"admin": 200, "accessor": 200}, 403),
        ("objects of own", "POST", f"/projects/{bank}/contents",
         {"add": {"objects": [ids["bank_queue"]]}}, {"admin": 200, "manager": 200}, 403),
        ("members of other", "POST", f"/projects/{fit}/contents", {"add": {"users": [agent]}},
         {"admin": 200, "accessor": 404}, 403),
        ("create user", "POST", "/users",
         {"login": f"hire.{login}", "name": "New hire", "project_id": bank},
         {"admin": 201, "accessor": 201}, 403),
        ("create object", "POST", "/objects",
         {"kind": "lists", "name": f"list {login}", "project_id": bank},
         {"admin": 201, "manager": 201}, 403),
        ("rename hidden object", "PATCH", f"/objects/{ids['fit_queue']}", {"name": "x"},
         {"admin": 200, "manager": 404}, 403),
        ("security type", "PUT", "/company", {"security_type": "advanced"}, only, 403),
        ("create role", "POST", "/roles", {"name": f"r {login}"}, {"admin": 201}, 403),
        ("create group", "POST", "/groups", {"name": f"g {login}"}, {"admin": 201}, 403),
        ("group members", "POST", f"/groups/{ids['group']}/members", {"add": [agent]}, only, 403),
        ("role holders", "POST", "/roles/1/holders", {"add": [agent]}, only, 403),
        ("read faults", "GET", "/admin/faults", None, only, 403),
        ("read other log", "GET", f"/changelog?project_id={fit}", None,
         {"admin": 200, "viewer": 200, "lister": 403}, 404),
        ("read other project", "GET", f"/projects/{fit}", None,
         {"admin": 200, "viewer": 200, "lister": 200}, 404),
        ("read own log", "GET", f"/changelog?project_id={bank}", None,
         {"outsider": 404}, 200),
        ("move hidden object", "POST", "/moves",
         {"object_id": ids["fit_queue"], "from_project_id": fit, "to_project_id": bank},
         {"admin": 200, "manager": 404}, 403),
        ("delete other project", "DELETE", f"/projects/{fit}?move_to={bank}", None,
         {"admin": 200, "manager": 404}, 403),
        ("delete own project into hidden", "DELETE", f"/projects/{bank}?move_to=1", None,
         {"admin": 200, "manager": 404}, 403),
    ]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_write_and_read_matrix(role: str, admin: Api, user: UserFactory) -> None:
    world = build_world(admin, user)
    api = world.api[role]
    seen: list[str] = []
    for name, method, path, body, statuses, default in cases(world.ids, role):
        response = api.call(method, path, json=body)
        expected = statuses.get(role, default)
        assert response.status_code == expected, (role, name, response.text)
        if expected >= 400:
            assert set(response.json()["error"]) == {"code", "message", "details"}
        seen.append(response.text)
    if role in RESTRICTED:
        _assert_no_leak(world, role, seen)


def _assert_no_leak(world: World, role: str, seen: list[str]) -> None:
    api = world.api[role]
    for path in ("/projects?include=members,objects", "/objects",
                 "/objects?project_ids=false", "/users", "/groups",
                 "/roles", "/changelog", f"/projects/{world.ids['fit']}",
                 f"/projects/{world.ids['fit']}?include=members,objects"):  # fmt: skip
        seen.append(api.get(path).text)
    blob = "\n".join(seen)
    secrets = SECRETS if role != "lister" else tuple(s for s in SECRETS if s not in TILES)
    for secret in secrets:
        assert secret not in blob, (role, secret)
    if role != "lister":
        for tile in TILES:
            assert tile not in blob, (role, tile)
