"""What the web app face reads and writes, on the same store and rules as the v1 API.

The web app edits a project per object type, as a whole list of ids, and keeps project
membership as users only: a user carries (at most) one group, which the editor filters
by. Object type names are the web app's own (``dialers``, ``post_companies``,
``interview``, ...); IP phones do not appear in it. Writes go through the same
functions as the v1 API (``contents``, ``projects``, ``roles``), so the single-project
rule, permissions and the change log hold here exactly as there.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Final

from reconciler.sandbox import contents
from reconciler.sandbox.authz import Actor, readable_project, visible_objects, visible_users
from reconciler.sandbox.changelog import Ctx
from reconciler.sandbox.company import is_advanced
from reconciler.sandbox.problems import ApiProblem, bad_request, not_found
from reconciler.sandbox.store import column

#: The web app's object type names -> the platform's kinds (``users``: project members).
WEB_TYPES: Final[dict[str, str]] = {
    "users": "users",
    "queues": "queues",
    "call_scripts": "call_scripts",
    "dialers": "auto_dialers",
    "interview": "crm_forms",
    "schedules": "schedules",
    "post_companies": "sip_providers",
    "lists": "lists",
    "notify_templates": "notification_templates",
    "contact_field": "contact_fields",
}
TITLES: Final[dict[str, str]] = {
    "users": "Users",
    "queues": "Queues",
    "call_scripts": "Call scripts",
    "dialers": "Auto-dialers",
    "interview": "CRM forms",
    "schedules": "Schedules",
    "post_companies": "SIP providers",
    "lists": "Lists",
    "notify_templates": "Notification templates",
    "contact_field": "Contact fields",
}


def kind_of(web_type: str) -> str:
    kind = WEB_TYPES.get(web_type)
    if kind is None:
        raise not_found("object type", web_type)
    return kind


def project_list(conn: sqlite3.Connection, actor: Actor) -> dict[str, Any]:
    if not is_advanced(conn):
        return {"projects": []}
    rows = conn.execute("SELECT id, name, description FROM projects ORDER BY id")
    projects = [
        {"id": pid, "name": name, "description": description}
        for pid, name, description in rows
        if actor.sees_tile(pid)
    ]
    return {"projects": projects}


def _user_items(conn: sqlite3.Connection, ids: list[int]) -> list[dict[str, Any]]:
    """Users as the editor lists them: id, display name, and their group."""
    groups = user_groups(conn)
    rows = conn.execute(
        "SELECT id, name FROM users WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
        (_json(ids),),
    )
    return [{"id": uid, "name": name, "group": groups.get(uid)} for uid, name in rows]


def user_groups(conn: sqlite3.Connection) -> dict[int, dict[str, Any]]:
    """Each user's group: the first (by id) group they are in."""
    found: dict[int, dict[str, Any]] = {}
    rows = conn.execute(
        "SELECT gm.user_id, g.id, g.name FROM group_members gm JOIN groups g ON g.id = gm.group_id "
        "ORDER BY gm.user_id, g.id"
    )
    for uid, gid, name in rows:
        found.setdefault(uid, {"id": gid, "name": name, "color": _color(gid)})
    return found


def _color(group_id: int) -> str:
    return f"#{(group_id * 2654435761) & 0xFFFFFF:06x}"


def _object_items(conn: sqlite3.Connection, ids: list[int]) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT id, name FROM objects WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
        (_json(ids),),
    )
    return [{"id": oid, "name": name} for oid, name in rows]


def _json(ids: list[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def _held(conn: sqlite3.Connection, project_id: int, kind: str) -> list[int]:
    if kind == "users":
        return column(
            conn,
            "SELECT user_id FROM project_users WHERE project_id = ? ORDER BY user_id",
            (project_id,),
        )
    return column(
        conn,
        "SELECT po.object_id FROM project_objects po JOIN objects o ON o.id = po.object_id "
        "WHERE po.project_id = ? AND o.kind = ? ORDER BY po.object_id",
        (project_id, kind),
    )


def items(conn: sqlite3.Connection, ids: list[int], kind: str) -> list[dict[str, Any]]:
    return _user_items(conn, ids) if kind == "users" else _object_items(conn, ids)


def project_detail(conn: sqlite3.Connection, actor: Actor, project_id: int) -> dict[str, Any]:
    row = _full_project(conn, actor, project_id)
    objects = [
        {"name": web, "title": TITLES[web], "items": items(conn, _held(conn, row[0], kind), kind)}
        for web, kind in WEB_TYPES.items()
    ]
    return {"project": {"id": row[0], "name": row[1], "description": row[2], "objects": objects}}


def _full_project(conn: sqlite3.Connection, actor: Actor, project_id: int) -> tuple[Any, ...]:
    row = readable_project(conn, actor, project_id)
    if not actor.sees_project(project_id):
        raise ApiProblem(403, "forbidden", "You do not have access to this project.")
    return row


def candidates(
    conn: sqlite3.Connection, actor: Actor, project_id: int, web_type: str
) -> dict[str, Any]:
    """Every object of one type the caller may put into the project (users: with groups)."""
    kind = kind_of(web_type)
    _full_project(conn, actor, project_id)
    if kind == "users":
        visible = visible_users(conn, actor)
        ids = [i for i in column(conn, "SELECT id FROM users ORDER BY id") if _seen(i, visible)]
        listed = _user_items(conn, ids)
        counts: dict[int, int] = {}
        for item in listed:
            if item["group"] is not None:
                counts[item["group"]["id"]] = counts.get(item["group"]["id"], 0) + 1
        groups = [
            {"value": gid, "text": name, "color": _color(gid), "count": counts.get(gid, 0)}
            for gid, name in conn.execute("SELECT id, name FROM groups ORDER BY id")
        ]
        return {"items": listed, "groups": groups}
    visible = visible_objects(conn, actor)
    ids = column(conn, "SELECT id FROM objects WHERE kind = ? ORDER BY id", (kind,))
    return {"items": _object_items(conn, [i for i in ids if _seen(i, visible)])}


def _seen(ident: int, visible: set[int] | None) -> bool:
    return visible is None or ident in visible


def set_items(
    conn: sqlite3.Connection, ctx: Ctx, project_id: int, web_type: str, wanted: list[int]
) -> dict[str, Any]:
    """Make one type's list of the project exactly ``wanted``: one atomic batch."""
    kind = kind_of(web_type)
    _full_project(conn, ctx.actor, project_id)
    current = _held(conn, project_id, kind)
    if kind != "users":
        known = column(conn, "SELECT id FROM objects WHERE kind = ?", (kind,))
        stray = sorted(set(wanted) - set(known))
        if stray:
            raise bad_request(f"object {stray[0]} is not one of the {TITLES[web_type].lower()}")
    add = sorted(set(wanted) - set(current))
    remove = sorted(set(current) - set(wanted))
    category = "users" if kind == "users" else "objects"
    batch = contents.Batch(add={category: add}, remove={category: remove})
    contents.change_contents(conn, ctx, project_id, batch, None)
    held = _held(conn, project_id, kind)
    return {"added": add, "removed": remove, "items": items(conn, held, kind)}
