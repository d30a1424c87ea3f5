"""Projects: listing with members and objects inline, create, rename, describe, delete.

Reading a whole company costs a few queries per page (never per project). Every write
that changes a project bumps its version by one; ``If-Match`` guards against writing
over a change the client has not seen.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from typing import Any

from reconciler.sandbox.authz import (
    Actor,
    ProjectRow,
    json_ids,
    readable_project,
    require,
    writable_project,
)
from reconciler.sandbox.changelog import Ctx, record
from reconciler.sandbox.company import is_advanced, require_projects_on
from reconciler.sandbox.problems import bad_request, conflict, stale
from reconciler.sandbox.store import (
    Page,
    Window,
    column,
    json_array,
    page_json,
    scalar,
    select_page,
)

INCLUDES = frozenset({"members", "objects"})


def parse_include(include: str | None) -> frozenset[str]:
    if not include:
        return frozenset()
    parts = frozenset(p.strip() for p in include.split(",") if p.strip())
    unknown = sorted(parts - INCLUDES)
    if unknown:
        raise bad_request(
            f"include accepts members and objects, not {unknown[0]!r}", include=unknown
        )
    return parts


def bump_version(conn: sqlite3.Connection, project_id: int) -> int:
    conn.execute("UPDATE projects SET version = version + 1 WHERE id = ?", (project_id,))
    return int(scalar(conn, "SELECT version FROM projects WHERE id = ?", (project_id,)))


def check_version(row: ProjectRow, expected: int | None) -> None:
    if expected is not None and row[3] != expected:
        raise stale(row[0], row[3], expected)


#: The projects ``{where}`` picks (an SQL condition, in id order) as a JSON array.
#: ``:mine``: the ids of the projects the caller belongs to; ``:all``: the caller sees
#: every project in full; ``:members``, ``:objects``: asked for. Id lists are null where
#: not seen or not asked for.
_PROJECTS = """
WITH mine(id) AS (SELECT value FROM json_each(:mine))
SELECT json_group_array(json_object(
    'id', p.id, 'name', p.name, 'description', p.description, 'version', p.version,
    'member', json(CASE WHEN p.id IN mine THEN 'true' ELSE 'false' END),
    'users', CASE WHEN :members AND (:all OR p.id IN mine) THEN json((
        SELECT json_group_array(user_id) FROM (SELECT user_id FROM project_users
        WHERE project_id = p.id ORDER BY user_id))) END,
    'groups', CASE WHEN :members AND (:all OR p.id IN mine) THEN json((
        SELECT json_group_array(group_id) FROM (SELECT group_id FROM project_groups
        WHERE project_id = p.id ORDER BY group_id))) END,
    'objects', CASE WHEN :objects AND (:all OR p.id IN mine) THEN json((
        SELECT json_group_array(object_id) FROM (SELECT object_id FROM project_objects
        WHERE project_id = p.id ORDER BY object_id))) END))
FROM (SELECT id, name, description, version FROM projects WHERE {where}) AS p
"""


def _render(
    conn: sqlite3.Connection,
    actor: Actor,
    where: str,
    params: dict[str, Any],
    include: frozenset[str],
) -> str:
    """The projects ``where`` picks as a JSON array, in id order: members and objects
    (as ``include`` asks) where the actor sees the project in full, else null."""
    named = {
        **params,
        "mine": json_ids(actor.member_projects),
        "all": actor.sees_everything,
        "members": "members" in include,
        "objects": "objects" in include,
    }
    return json_array(conn, _PROJECTS.format(where=where), named)


def list_projects(
    conn: sqlite3.Connection, actor: Actor, include: frozenset[str], window: Window
) -> str:
    """A page of the projects the actor sees (tiles only where they see no more), as
    JSON text."""
    if not is_advanced(conn):
        return page_json("[]", Page("", {}, 0, 0, more=False), window)
    everything = actor.sees_everything or "project_list" in actor.permissions
    visible = None if everything else set(actor.member_projects)
    page = select_page(conn, "projects", visible, window)
    return page_json(_render(conn, actor, page.where, page.params, include), page, window)


def get_project(
    conn: sqlite3.Connection, actor: Actor, project_id: int, include: frozenset[str]
) -> dict[str, Any]:
    readable_project(conn, actor, project_id)
    text = _render(conn, actor, "id = :id", {"id": project_id}, include)
    views: list[dict[str, Any]] = json.loads(text)
    return views[0]


def project_state(conn: sqlite3.Connection, actor: Actor, project_id: int) -> dict[str, Any]:
    """The project with members and objects (for write answers)."""
    return get_project(conn, actor, project_id, INCLUDES)


def _name_free(conn: sqlite3.Connection, name: str, project_id: int = 0) -> None:
    if scalar(conn, "SELECT 1 FROM projects WHERE name = ? AND id != ?", (name, project_id)):
        raise conflict("name_taken", f"a project named {name!r} already exists", name=name)


def create_project(
    conn: sqlite3.Connection, ctx: Ctx, name: str, description: str
) -> dict[str, Any]:
    require(ctx.actor, "project_management", "creating a project")
    require_projects_on(conn)
    _name_free(conn, name)
    pid = conn.execute(
        "INSERT INTO projects (name, description, version) VALUES (?, ?, 1)", (name, description)
    ).lastrowid
    assert pid is not None
    after: dict[str, Any] = {"name": name, "description": description}
    actor = ctx.actor
    if not actor.sees_everything:
        # a restricted creator joins the project, or it would vanish from their view
        conn.execute("INSERT INTO project_users VALUES (?, ?)", (pid, actor.id))
        after["users"] = [actor.id]
        ctx = replace(ctx, actor=replace(actor, member_projects=actor.member_projects | {pid}))
    cid = record(conn, ctx, "create", "project", pid, project_id=pid, after=after)
    return {**project_state(conn, ctx.actor, pid), "change_ids": [cid]}


def update_project(
    conn: sqlite3.Connection,
    ctx: Ctx,
    project_id: int,
    changes: dict[str, str],
    expected: int | None,
) -> dict[str, Any]:
    """Rename and/or describe a project; a no-op answers the project unchanged."""
    require(ctx.actor, "project_management", "editing a project")
    require_projects_on(conn)
    row = writable_project(conn, ctx.actor, project_id)
    check_version(row, expected)
    current = {"name": row[1], "description": row[2]}
    changed = {k: v for k, v in changes.items() if current[k] != v}
    if not changed:
        return {**project_state(conn, ctx.actor, project_id), "change_ids": []}
    if "name" in changed:
        _name_free(conn, changed["name"], project_id)
    for key, value in changed.items():
        conn.execute(f"UPDATE projects SET {key} = ? WHERE id = ?", (value, project_id))  # noqa: S608
    version = bump_version(conn, project_id)
    before = {k: current[k] for k in changed}
    cid = record(
        conn,
        ctx,
        "update",
        "project",
        project_id,
        project_id=project_id,
        before={**before, "version": row[3]},
        after={**changed, "version": version},
    )
    return {**project_state(conn, ctx.actor, project_id), "change_ids": [cid]}


def delete_project(
    conn: sqlite3.Connection, ctx: Ctx, project_id: int, move_to: int | None, expected: int | None
) -> dict[str, Any]:
    """Delete a project; its single-project objects must move (``move_to``) or block it."""
    require(ctx.actor, "project_management", "deleting a project")
    require_projects_on(conn)
    row = writable_project(conn, ctx.actor, project_id)
    check_version(row, expected)
    single = column(
        conn,
        "SELECT object_id FROM project_objects WHERE project_id = ? AND single = 1 "
        "ORDER BY object_id",
        (project_id,),
    )
    ids: list[int] = []
    if single and move_to is None:
        raise conflict(
            "project_not_empty",
            f"project {row[1]!r} still holds {len(single)} queue(s), call script(s), "
            "auto-dialer(s) or CRM form(s); move them first or pass move_to",
            object_ids=single,
        )
    if single and move_to is not None:
        ids.append(_adopt(conn, ctx, row, move_to, single))
    cid = record(
        conn,
        ctx,
        "delete",
        "project",
        project_id,
        project_id=project_id,
        before={"name": row[1], "description": row[2], "version": row[3]},
    )
    conn.execute("DELETE FROM projects WHERE id = ?", (project_id,))
    return {"change_ids": [cid, *ids]}


def _adopt(
    conn: sqlite3.Connection, ctx: Ctx, row: ProjectRow, move_to: int, objects: list[int]
) -> int:
    """Move a deleted project's single-project objects into ``move_to`` in one statement."""
    if move_to == row[0]:
        raise bad_request("move_to must name another project than the one deleted")
    target = writable_project(conn, ctx.actor, move_to)
    before = column(
        conn,
        "SELECT object_id FROM project_objects WHERE project_id = ? ORDER BY object_id",
        (move_to,),
    )
    conn.execute(
        "UPDATE project_objects SET project_id = ? WHERE project_id = ? AND single = 1",
        (move_to, row[0]),
    )
    version = bump_version(conn, move_to)
    return record(
        conn,
        ctx,
        "update",
        "project",
        move_to,
        project_id=move_to,
        before={"objects": before, "version": target[3]},
        after={"objects": sorted([*before, *objects]), "version": version},
    )
