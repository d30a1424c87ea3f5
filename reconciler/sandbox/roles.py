"""Roles: the built-in Admin (untouchable, never without a holder) and custom roles
made of the four project permissions. Every write here needs Admin."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from reconciler.kinds import ADMIN_ROLE, PERMISSIONS
from reconciler.sandbox.authz import Actor, json_ids, require_admin, visible_users
from reconciler.sandbox.changelog import Ctx, record
from reconciler.sandbox.directory import require_users
from reconciler.sandbox.problems import bad_request, conflict, not_found
from reconciler.sandbox.store import (
    Window,
    column,
    grouped,
    page_ids,
    page_json,
    scalar,
    select_page,
)


def _roles(
    conn: sqlite3.Connection, ids: list[int], visible: set[int] | None
) -> list[dict[str, Any]]:
    page = json_ids(ids)
    holders = grouped(
        conn,
        "SELECT role_id, user_id FROM role_holders "
        "WHERE role_id IN (SELECT value FROM json_each(?))",
        page,
    )
    perms: dict[int, list[str]] = {}
    for rid, perm in conn.execute(
        "SELECT role_id, permission FROM role_permissions "
        "WHERE role_id IN (SELECT value FROM json_each(?))",
        (page,),
    ):
        perms.setdefault(rid, []).append(perm)
    rows = conn.execute(
        "SELECT id, name, builtin FROM roles WHERE id IN (SELECT value FROM json_each(?)) "
        "ORDER BY id",
        (page,),
    )
    return [
        {
            "id": rid,
            "name": name,
            "builtin": bool(builtin),
            "permissions": [p for p in PERMISSIONS if p in perms.get(rid, [])],
            "user_ids": [u for u in holders.get(rid, []) if visible is None or u in visible],
        }
        for rid, name, builtin in rows
    ]


def list_roles(conn: sqlite3.Connection, actor: Actor, window: Window) -> str:
    """Every role, as JSON text; holders are limited to the users the caller may see."""
    page = select_page(conn, "roles", None, window)
    items = _roles(conn, page_ids(conn, "roles", page), visible_users(conn, actor))
    return page_json(json.dumps(items, separators=(",", ":")), page, window)


def role(conn: sqlite3.Connection, role_id: int) -> dict[str, Any]:
    found = _roles(conn, [role_id], None)
    if not found:
        raise not_found("role", role_id)
    return found[0]


def _editable(conn: sqlite3.Connection, role_id: int, doing: str) -> dict[str, Any]:
    current = role(conn, role_id)
    if current["builtin"]:
        raise conflict(
            "builtin_role", f"the built-in {ADMIN_ROLE} role cannot be {doing}", role_id=role_id
        )
    return current


def _name_free(conn: sqlite3.Connection, name: str, role_id: int = 0) -> None:
    if scalar(conn, "SELECT 1 FROM roles WHERE name = ? AND id != ?", (name, role_id)):
        raise conflict("name_taken", f"a role named {name!r} already exists", name=name)


def create_role(
    conn: sqlite3.Connection, ctx: Ctx, name: str, permissions: list[str], user_ids: list[int]
) -> dict[str, Any]:
    require_admin(ctx.actor, "creating a role")
    _name_free(conn, name)
    require_users(conn, user_ids)
    rid = conn.execute("INSERT INTO roles (name, builtin) VALUES (?, 0)", (name,)).lastrowid
    assert rid is not None
    conn.executemany(
        "INSERT INTO role_permissions VALUES (?, ?)", [(rid, p) for p in set(permissions)]
    )
    conn.executemany("INSERT INTO role_holders VALUES (?, ?)", [(rid, u) for u in set(user_ids)])
    created = role(conn, rid)
    after = {k: created[k] for k in ("name", "permissions", "user_ids")}
    cid = record(conn, ctx, "create", "role", rid, after=after)
    return {**created, "change_ids": [cid]}


def update_role(
    conn: sqlite3.Connection,
    ctx: Ctx,
    role_id: int,
    name: str | None,
    permissions: list[str] | None,
) -> dict[str, Any]:
    require_admin(ctx.actor, "editing a role")
    before = _editable(conn, role_id, "edited")
    if name is not None and name != before["name"]:
        _name_free(conn, name, role_id)
        conn.execute("UPDATE roles SET name = ? WHERE id = ?", (name, role_id))
    if permissions is not None:
        conn.execute("DELETE FROM role_permissions WHERE role_id = ?", (role_id,))
        conn.executemany(
            "INSERT INTO role_permissions VALUES (?, ?)", [(role_id, p) for p in set(permissions)]
        )
    after = role(conn, role_id)
    keys = [k for k in ("name", "permissions") if after[k] != before[k]]
    if not keys:
        return {**after, "change_ids": []}
    cid = record(
        conn,
        ctx,
        "update",
        "role",
        role_id,
        before={k: before[k] for k in keys},
        after={k: after[k] for k in keys},
    )
    return {**after, "change_ids": [cid]}


def change_holders(
    conn: sqlite3.Connection, ctx: Ctx, role_id: int, add: list[int], remove: list[int]
) -> dict[str, Any]:
    """Grant and revoke a role (allowed on Admin, which must keep one holder)."""
    require_admin(ctx.actor, "granting or revoking a role")
    before = role(conn, role_id)
    both = sorted(set(add) & set(remove))
    if both:
        raise bad_request(f"user {both[0]} is both added and removed", user_ids=both)
    require_users(conn, [*add, *remove])
    conn.executemany(
        "INSERT OR IGNORE INTO role_holders VALUES (?, ?)", [(role_id, u) for u in set(add)]
    )
    conn.executemany(
        "DELETE FROM role_holders WHERE role_id = ? AND user_id = ?",
        [(role_id, u) for u in set(remove)],
    )
    after = role(conn, role_id)
    if after["builtin"] and not after["user_ids"]:
        raise conflict(
            "builtin_role",
            f"the built-in {ADMIN_ROLE} role must keep at least one holder",
            role_id=role_id,
        )
    if after["user_ids"] == before["user_ids"]:
        return {**after, "change_ids": []}
    cid = record(
        conn,
        ctx,
        "update",
        "role",
        role_id,
        before={"user_ids": before["user_ids"]},
        after={"user_ids": after["user_ids"]},
    )
    return {**after, "change_ids": [cid]}


def delete_role(conn: sqlite3.Connection, ctx: Ctx, role_id: int) -> dict[str, Any]:
    require_admin(ctx.actor, "deleting a role")
    before = _editable(conn, role_id, "deleted")
    conn.execute("DELETE FROM roles WHERE id = ?", (role_id,))
    state = {k: before[k] for k in ("name", "permissions", "user_ids")}
    return {"change_ids": [record(conn, ctx, "delete", "role", role_id, before=state)]}


def admin_holders(conn: sqlite3.Connection) -> list[int]:
    return column(
        conn,
        "SELECT h.user_id FROM role_holders h JOIN roles r ON r.id = h.role_id "
        "WHERE r.builtin = 1 ORDER BY h.user_id",
    )
