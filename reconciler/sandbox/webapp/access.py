"""The web app face's per-object and per-role screens: the projects one object is in,
the roles holding one permission, the roles of one user, and the user list.

Each write takes the whole new list (the projects of an object, the roles holding a
permission, the roles of a user) and makes it so in one transaction. Moving a queue,
call script, auto-dialer or CRM form is setting its one project: the object is never in
neither project nor in both.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from reconciler.kinds import PERMISSIONS, SINGLE_PROJECT_KINDS
from reconciler.sandbox import contents, roles
from reconciler.sandbox.authz import Actor, require, visible_users, writable_project
from reconciler.sandbox.changelog import Ctx
from reconciler.sandbox.objects import object_view
from reconciler.sandbox.problems import bad_request, not_found
from reconciler.sandbox.store import column
from reconciler.sandbox.webapp.views import kind_of, user_groups


def _object(conn: sqlite3.Connection, actor: Actor, object_id: int, web_type: str) -> str:
    kind = kind_of(web_type)
    if kind == "users":
        raise bad_request("users are put into projects from the project editor")
    found = object_view(conn, actor, object_id)
    if found["kind"] != kind:
        raise not_found(web_type, object_id)
    return kind


def _projects_of(conn: sqlite3.Connection, object_id: int) -> list[int]:
    return column(
        conn,
        "SELECT project_id FROM project_objects WHERE object_id = ? ORDER BY project_id",
        (object_id,),
    )


def object_projects(
    conn: sqlite3.Connection, actor: Actor, object_id: int, web_type: str
) -> dict[str, Any]:
    _object(conn, actor, object_id, web_type)
    choices = [
        {"id": pid, "name": name}
        for pid, name in conn.execute("SELECT id, name FROM projects ORDER BY id")
        if actor.sees_project(pid)
    ]
    current = [p for p in _projects_of(conn, object_id) if actor.sees_tile(p)]
    return {"projects": {"current_projects": current, "projects": choices}}


def set_object_projects(
    conn: sqlite3.Connection, ctx: Ctx, object_id: int, web_type: str, wanted: list[int]
) -> dict[str, Any]:
    """Put the object into exactly ``wanted`` (one project at most for single kinds)."""
    require(ctx.actor, "project_management", "changing the projects of an object")
    kind = _object(conn, ctx.actor, object_id, web_type)
    if kind in SINGLE_PROJECT_KINDS and len(set(wanted)) > 1:
        raise bad_request(
            "a queue, call script, auto-dialer or CRM form belongs to one project at most"
        )
    current = _projects_of(conn, object_id)
    leave = sorted(set(current) - set(wanted))
    enter = sorted(set(wanted) - set(current))
    for pid in [*leave, *enter]:
        writable_project(conn, ctx.actor, pid)
    if len(leave) == 1 and len(enter) == 1:
        contents.move_object(conn, ctx, contents.Move(object_id, leave[0], enter[0]))
    else:
        for pid in leave:
            batch = contents.Batch(remove={"objects": [object_id]})
            contents.change_contents(conn, ctx, pid, batch, None)
        for pid in enter:
            batch = contents.Batch(add={"objects": [object_id]})
            contents.change_contents(conn, ctx, pid, batch, None)
    return {"projects": {"current_projects": _projects_of(conn, object_id)}}


def role_list(conn: sqlite3.Connection) -> dict[str, Any]:
    rows = conn.execute("SELECT id, name, builtin FROM roles ORDER BY id")
    return {"roles": [{"id": r, "name": n, "builtin": bool(b)} for r, n, b in rows]}


def role_detail(conn: sqlite3.Connection, role_id: int) -> dict[str, Any]:
    found = roles.role(conn, role_id)
    keys = ("id", "name", "builtin", "permissions")
    return {"role": {k: found[k] for k in keys}}


def _permission(permission: str) -> str:
    if permission not in PERMISSIONS:
        raise bad_request(f"unknown permission {permission!r}")
    return permission


def permission_roles(conn: sqlite3.Connection, permission: str) -> dict[str, Any]:
    current = column(
        conn,
        "SELECT role_id FROM role_permissions WHERE permission = ? ORDER BY role_id",
        (_permission(permission),),
    )
    return {"current_roles": current, **role_list(conn)}


def set_permission_roles(
    conn: sqlite3.Connection, ctx: Ctx, permission: str, wanted: list[int]
) -> dict[str, Any]:
    """Give ``permission`` to exactly the roles ``wanted`` (never the built-in Admin)."""
    current = set(permission_roles(conn, permission)["current_roles"])
    for role_id in sorted(set(wanted) ^ current):
        held = set(roles.role(conn, role_id)["permissions"])
        now = held | {permission} if role_id in wanted else held - {permission}
        roles.update_role(conn, ctx, role_id, None, sorted(now))
    return permission_roles(conn, permission)


def user_roles(conn: sqlite3.Connection, actor: Actor, user_id: int) -> dict[str, Any]:
    _visible_user(conn, actor, user_id)
    current = column(
        conn, "SELECT role_id FROM role_holders WHERE user_id = ? ORDER BY role_id", (user_id,)
    )
    return {"current_roles": current, **role_list(conn)}


def set_user_roles(
    conn: sqlite3.Connection, ctx: Ctx, user_id: int, wanted: list[int]
) -> dict[str, Any]:
    """Make the user hold exactly the roles ``wanted``."""
    current = set(user_roles(conn, ctx.actor, user_id)["current_roles"])
    for role_id in sorted(set(wanted) - current):
        roles.change_holders(conn, ctx, role_id, [user_id], [])
    for role_id in sorted(current - set(wanted)):
        roles.change_holders(conn, ctx, role_id, [], [user_id])
    return user_roles(conn, ctx.actor, user_id)


def _visible_user(conn: sqlite3.Connection, actor: Actor, user_id: int) -> None:
    visible = visible_users(conn, actor)
    exists = conn.execute("SELECT 1 FROM users WHERE id = ?", (user_id,)).fetchone()
    if exists is None or (visible is not None and user_id not in visible):
        raise not_found("user", user_id)


def user_list(conn: sqlite3.Connection, actor: Actor) -> dict[str, Any]:
    """Users with their group and roles, as far as the caller may see."""
    visible = visible_users(conn, actor)
    groups = user_groups(conn)
    held: dict[int, list[int]] = {}
    for uid, rid in conn.execute("SELECT user_id, role_id FROM role_holders ORDER BY role_id"):
        held.setdefault(uid, []).append(rid)
    users = [
        {
            "id": uid,
            "login": login,
            "name": name,
            "group": groups.get(uid),
            "roles": held.get(uid, []),
        }
        for uid, login, name in conn.execute("SELECT id, login, name FROM users ORDER BY id")
        if visible is None or uid in visible
    ]
    return {"users": users}


def current_user(actor: Actor) -> dict[str, Any]:
    return {"user": {"id": actor.id, "login": actor.login, "name": actor.name}}
