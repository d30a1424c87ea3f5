"""Objects of the ten kinds: list within visibility, create (optionally into a project),
rename, delete."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from reconciler.kinds import SINGLE_PROJECT_KINDS
from reconciler.sandbox.authz import Actor, json_ids, require, visible_objects, writable_project
from reconciler.sandbox.changelog import Ctx, record
from reconciler.sandbox.company import require_projects_on
from reconciler.sandbox.problems import conflict, not_found
from reconciler.sandbox.projects import bump_version
from reconciler.sandbox.store import Window, column, json_array, page_json, select_page

#: The objects ``{where}`` picks as a JSON array, each with ``{project_ids}``.
_OBJECTS = """
SELECT json_group_array(json_object('id', o.id, 'kind', o.kind, 'name', o.name,
    'project_ids', {project_ids}))
FROM (SELECT id, kind, name FROM objects WHERE {where}) AS o
"""
#: The projects holding object ``o`` of those the caller sees: ``:mine`` (the ids of the
#: projects they belong to), or all. Looked up per object: three quarters of the query's
#: time for a page of 1,000 objects, so ``NULL`` in its place when not asked for.
_PROJECT_IDS = """json((SELECT json_group_array(project_id) FROM (SELECT project_id
        FROM project_objects WHERE object_id = o.id
        AND (:all OR project_id IN (SELECT value FROM json_each(:mine)))
        ORDER BY project_id)))"""


def _objects(
    conn: sqlite3.Connection,
    actor: Actor,
    where: str,
    params: dict[str, Any],
    project_ids: bool = True,
) -> str:
    """The objects ``where`` picks (an SQL condition, in id order), as a JSON array;
    ``project_ids`` only those of the projects the actor sees, or null when not asked."""
    if not project_ids:
        return json_array(conn, _OBJECTS.format(where=where, project_ids="NULL"), params)
    named = {**params, "mine": json_ids(actor.member_projects), "all": actor.sees_everything}
    return json_array(conn, _OBJECTS.format(where=where, project_ids=_PROJECT_IDS), named)


def list_objects(
    conn: sqlite3.Connection,
    actor: Actor,
    kind: str | None,
    window: Window,
    project_ids: bool = True,
) -> str:
    """A page of the objects the actor sees (of ``kind``, when given), as JSON text;
    ``project_ids`` null when it is false."""
    where = None if kind is None else ("kind = :kind", {"kind": kind})
    visible = visible_objects(conn, actor)
    page = select_page(conn, "objects", visible, window, where)
    return page_json(_objects(conn, actor, page.where, page.params, project_ids), page, window)


def object_view(conn: sqlite3.Connection, actor: Actor, object_id: int) -> dict[str, Any]:
    """The object as the actor sees it; 404 when it does not exist or is invisible."""
    visible = visible_objects(conn, actor)
    found: list[dict[str, Any]] = json.loads(_objects(conn, actor, "id = :id", {"id": object_id}))
    if not found or (visible is not None and object_id not in visible):
        raise not_found("object", object_id)
    return found[0]


def _name_free(conn: sqlite3.Connection, kind: str, name: str, object_id: int = 0) -> None:
    taken = conn.execute(
        "SELECT 1 FROM objects WHERE kind = ? AND name = ? AND id != ?", (kind, name, object_id)
    ).fetchone()
    if taken:
        raise conflict(
            "name_taken", f"{kind} already has an object named {name!r}", kind=kind, name=name
        )


def create_object(
    conn: sqlite3.Connection, ctx: Ctx, kind: str, name: str, project_id: int | None
) -> dict[str, Any]:
    require(ctx.actor, "project_management", "creating an object")
    if project_id is not None:
        require_projects_on(conn)
        writable_project(conn, ctx.actor, project_id)
    _name_free(conn, kind, name)
    single = int(kind in SINGLE_PROJECT_KINDS)
    oid = conn.execute(
        "INSERT INTO objects (kind, name, single) VALUES (?, ?, ?)", (kind, name, single)
    ).lastrowid
    assert oid is not None
    after: dict[str, Any] = {"kind": kind, "name": name}
    if project_id is not None:
        conn.execute("INSERT INTO project_objects VALUES (?, ?, ?)", (project_id, oid, single))
        after["project_id"] = project_id
        after["version"] = bump_version(conn, project_id)
    cid = record(conn, ctx, "create", "object", oid, project_id=project_id, after=after)
    return {**object_view(conn, ctx.actor, oid), "change_ids": [cid]}


def _projects_of(conn: sqlite3.Connection, object_id: int) -> list[int]:
    return column(
        conn,
        "SELECT project_id FROM project_objects WHERE object_id = ? ORDER BY project_id",
        (object_id,),
    )


def _holders(conn: sqlite3.Connection, object_id: int) -> list[int | None]:
    """The projects holding an object, or ``[None]``: one log entry each."""
    return [*_projects_of(conn, object_id)] or [None]


def rename_object(conn: sqlite3.Connection, ctx: Ctx, object_id: int, name: str) -> dict[str, Any]:
    """Rename an object; logged once per project holding it (or once if it is in none)."""
    require(ctx.actor, "project_management", "renaming an object")
    current = object_view(conn, ctx.actor, object_id)
    if current["name"] == name:
        return {**current, "change_ids": []}
    _name_free(conn, current["kind"], name, object_id)
    conn.execute("UPDATE objects SET name = ? WHERE id = ?", (name, object_id))
    ids = [
        record(
            conn,
            ctx,
            "update",
            "object",
            object_id,
            project_id=pid,
            before={"name": current["name"]},
            after={"name": name},
        )
        for pid in _holders(conn, object_id)
    ]
    return {**object_view(conn, ctx.actor, object_id), "change_ids": ids}


def delete_object(conn: sqlite3.Connection, ctx: Ctx, object_id: int) -> dict[str, Any]:
    """Delete an object; every project that held it gets a new version."""
    require(ctx.actor, "project_management", "deleting an object")
    current = object_view(conn, ctx.actor, object_id)
    holders = _holders(conn, object_id)
    conn.execute("DELETE FROM objects WHERE id = ?", (object_id,))
    state = {"kind": current["kind"], "name": current["name"]}
    ids = []
    for pid in holders:
        after = None if pid is None else {"version": bump_version(conn, pid)}
        ids.append(
            record(
                conn, ctx, "delete", "object", object_id, project_id=pid, before=state, after=after
            )
        )
    return {"change_ids": ids}
