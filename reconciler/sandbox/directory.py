"""Users and groups: listing within the caller's visibility, creation, group membership."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from reconciler.sandbox.authz import (
    Actor,
    require,
    require_admin,
    visible_groups,
    visible_users,
    writable_project,
)
from reconciler.sandbox.changelog import Ctx, record
from reconciler.sandbox.company import require_projects_on
from reconciler.sandbox.problems import bad_request, conflict, not_found
from reconciler.sandbox.projects import bump_version
from reconciler.sandbox.store import Window, ids_in, json_array, page_json, select_page


def whoami(actor: Actor) -> dict[str, Any]:
    return {
        "id": actor.id,
        "login": actor.login,
        "name": actor.name,
        "is_admin": actor.is_admin,
        "permissions": actor.effective_permissions(),
    }


#: The users, and the groups with their members, that ``{where}`` picks (a condition of
#: ``select_page``, in id order) as a JSON array.
_USERS = """
SELECT json_group_array(json_object('id', id, 'login', login, 'name', name))
FROM (SELECT id, login, name FROM users WHERE {where})
"""
_GROUPS = """
SELECT json_group_array(json_object('id', g.id, 'name', g.name, 'user_ids', json((
    SELECT json_group_array(user_id) FROM (SELECT user_id FROM group_members
    WHERE group_id = g.id ORDER BY user_id)))))
FROM (SELECT id, name FROM groups WHERE {where}) AS g
"""


def list_users(conn: sqlite3.Connection, actor: Actor, window: Window) -> str:
    """A page of the users the actor sees, as JSON text."""
    page = select_page(conn, "users", visible_users(conn, actor), window)
    items = json_array(conn, _USERS.format(where=page.where), page.params)
    return page_json(items, page, window)


def create_user(
    conn: sqlite3.Connection, ctx: Ctx, login: str, name: str, project_id: int | None
) -> dict[str, Any]:
    """Create a user (Admin or access_management), optionally straight into a project."""
    require(ctx.actor, "access_management", "creating a user")
    if project_id is not None:
        require_projects_on(conn)
        writable_project(conn, ctx.actor, project_id)
    if conn.execute("SELECT 1 FROM users WHERE login = ?", (login,)).fetchone():
        raise conflict("name_taken", f"a user with login {login!r} already exists", login=login)
    uid = conn.execute("INSERT INTO users (login, name) VALUES (?, ?)", (login, name)).lastrowid
    assert uid is not None
    after: dict[str, Any] = {"login": login, "name": name}
    if project_id is not None:
        conn.execute("INSERT INTO project_users VALUES (?, ?)", (project_id, uid))
        after["project_id"] = project_id
        after["version"] = bump_version(conn, project_id)
    cid = record(conn, ctx, "create", "user", uid, project_id=project_id, after=after)
    return {"id": uid, "login": login, "name": name, "change_ids": [cid]}


def list_groups(conn: sqlite3.Connection, actor: Actor, window: Window) -> str:
    """A page of the groups the actor sees, with their members, as JSON text."""
    page = select_page(conn, "groups", visible_groups(conn, actor), window)
    items = json_array(conn, _GROUPS.format(where=page.where), page.params)
    return page_json(items, page, window)


def _group(conn: sqlite3.Connection, group_id: int) -> dict[str, Any]:
    name = conn.execute("SELECT name FROM groups WHERE id = ?", (group_id,)).fetchone()[0]
    users = [
        r[0]
        for r in conn.execute(
            "SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id", (group_id,)
        )
    ]
    return {"id": group_id, "name": name, "user_ids": users}


def require_users(conn: sqlite3.Connection, user_ids: Iterable[int]) -> None:
    wanted = set(user_ids)
    missing = sorted(wanted - ids_in(conn, "users", wanted))
    if missing:
        raise not_found("user", missing[0])


def create_group(
    conn: sqlite3.Connection, ctx: Ctx, name: str, user_ids: list[int]
) -> dict[str, Any]:
    require_admin(ctx.actor, "creating a group")
    if conn.execute("SELECT 1 FROM groups WHERE name = ?", (name,)).fetchone():
        raise conflict("name_taken", f"a group named {name!r} already exists", name=name)
    require_users(conn, user_ids)
    gid = conn.execute("INSERT INTO groups (name) VALUES (?)", (name,)).lastrowid
    assert gid is not None
    conn.executemany(
        "INSERT INTO group_members VALUES (?, ?)", [(gid, u) for u in sorted(set(user_ids))]
    )
    group = _group(conn, gid)
    cid = record(
        conn, ctx, "create", "group", gid, after={"name": name, "users": group["user_ids"]}
    )
    return {**group, "change_ids": [cid]}


def change_group_members(
    conn: sqlite3.Connection, ctx: Ctx, group_id: int, add: list[int], remove: list[int]
) -> dict[str, Any]:
    """Add and remove group members in one idempotent step (Admin only)."""
    require_admin(ctx.actor, "changing group members")
    if not conn.execute("SELECT 1 FROM groups WHERE id = ?", (group_id,)).fetchone():
        raise not_found("group", group_id)
    both = sorted(set(add) & set(remove))
    if both:
        raise bad_request(f"user {both[0]} is both added and removed", user_ids=both)
    require_users(conn, [*add, *remove])
    before = _group(conn, group_id)
    conn.executemany(
        "INSERT OR IGNORE INTO group_members VALUES (?, ?)", [(group_id, u) for u in set(add)]
    )
    conn.executemany(
        "DELETE FROM group_members WHERE group_id = ? AND user_id = ?",
        [(group_id, u) for u in set(remove)],
    )
    after = _group(conn, group_id)
    if after["user_ids"] == before["user_ids"]:
        return {**after, "change_ids": []}
    cid = record(
        conn,
        ctx,
        "update",
        "group",
        group_id,
        before={"users": before["user_ids"]},
        after={"users": after["user_ids"]},
    )
    return {**after, "change_ids": [cid]}
