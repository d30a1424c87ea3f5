"""The company and its security type: switching to advanced creates Default."""

from __future__ import annotations

import sqlite3
from typing import Any

from reconciler.kinds import DEFAULT_PROJECT
from reconciler.sandbox.authz import require_admin
from reconciler.sandbox.changelog import Ctx, record
from reconciler.sandbox.problems import conflict
from reconciler.sandbox.store import column, scalar


def get_company(conn: sqlite3.Connection) -> dict[str, Any]:
    name, security_type = conn.execute(
        "SELECT name, security_type FROM company WHERE id = 1"
    ).fetchone()
    return {"name": name, "security_type": security_type}


def is_advanced(conn: sqlite3.Connection) -> bool:
    return bool(scalar(conn, "SELECT security_type FROM company WHERE id = 1") == "advanced")


def require_projects_on(conn: sqlite3.Connection) -> None:
    if not is_advanced(conn):
        raise conflict(
            "projects_off",
            "the company uses the simple security type, which has no projects; "
            "switch it to advanced first (PUT /company)",
        )


def set_security_type(
    conn: sqlite3.Connection, ctx: Ctx, security_type: str, *, confirm: bool
) -> dict[str, Any]:
    """Switch the security type (Admin only); answers the company and the change ids."""
    require_admin(ctx.actor, "changing the security type")
    company = get_company(conn)
    before = company["security_type"]
    if before == security_type:
        return {**company, "change_ids": []}
    if security_type == "simple" and not confirm:
        raise conflict(
            "confirmation_required",
            "switching to simple deletes every project and its memberships; "
            "repeat the request with ?confirm=true to do it",
        )
    conn.execute("UPDATE company SET security_type = ? WHERE id = 1", (security_type,))
    ids = [
        record(
            conn,
            ctx,
            "update",
            "company",
            None,
            before={"security_type": before},
            after={"security_type": security_type},
        )
    ]
    if security_type == "advanced":
        ids.append(create_default_project(conn, ctx))
    else:
        ids.extend(_delete_all_projects(conn, ctx))
    return {**get_company(conn), "change_ids": ids}


def create_default_project(conn: sqlite3.Connection, ctx: Ctx) -> int:
    """Create Default holding every user, group and object; answers the log entry id."""
    cur = conn.execute(
        "INSERT INTO projects (name, description, version) VALUES (?, ?, 1)",
        (DEFAULT_PROJECT, "Created when the company switched to the advanced security type"),
    )
    pid = cur.lastrowid
    conn.execute("INSERT INTO project_users SELECT ?, id FROM users", (pid,))
    conn.execute("INSERT INTO project_groups SELECT ?, id FROM groups", (pid,))
    conn.execute("INSERT INTO project_objects SELECT ?, id, single FROM objects", (pid,))
    after = {
        "name": DEFAULT_PROJECT,
        "users": column(conn, "SELECT id FROM users ORDER BY id"),
        "groups": column(conn, "SELECT id FROM groups ORDER BY id"),
        "objects": column(conn, "SELECT id FROM objects ORDER BY id"),
    }
    return record(conn, ctx, "create", "project", pid, project_id=pid, after=after)


def _delete_all_projects(conn: sqlite3.Connection, ctx: Ctx) -> list[int]:
    ids = []
    for pid, name in conn.execute("SELECT id, name FROM projects ORDER BY id").fetchall():
        ids.append(
            record(conn, ctx, "delete", "project", pid, project_id=pid, before={"name": name})
        )
    conn.execute("DELETE FROM projects")
    return ids
