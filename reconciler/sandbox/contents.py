"""What is inside a project: atomic batches of member and object changes, and moves.

A batch is all or nothing: every item is checked before anything is written, and the
whole batch runs in one transaction. Adding what is there and removing what is absent
change nothing; the version grows only when something changed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from reconciler.sandbox.authz import (
    Actor,
    require,
    visible_groups,
    visible_objects,
    visible_users,
    writable_project,
)
from reconciler.sandbox.changelog import Ctx, record
from reconciler.sandbox.company import require_projects_on
from reconciler.sandbox.objects import object_view
from reconciler.sandbox.problems import bad_request, conflict, not_found
from reconciler.sandbox.projects import bump_version, check_version, project_state
from reconciler.sandbox.store import column, ids_in, scalar

#: category -> (table, id column, table of the things, singular name)
CATEGORIES: dict[str, tuple[str, str, str, str]] = {
    "users": ("project_users", "user_id", "users", "user"),
    "groups": ("project_groups", "group_id", "groups", "group"),
    "objects": ("project_objects", "object_id", "objects", "object"),
}


@dataclass(frozen=True, slots=True)
class Batch:
    add: dict[str, list[int]] = field(default_factory=dict)
    remove: dict[str, list[int]] = field(default_factory=dict)

    def touched(self, category: str) -> set[int]:
        return {*self.add.get(category, []), *self.remove.get(category, [])}


def _check_permissions(actor: Actor, batch: Batch) -> None:
    if batch.touched("users") or batch.touched("groups"):
        require(actor, "access_management", "changing project members")
    if batch.touched("objects"):
        require(actor, "project_management", "changing project objects")


def _check_items(conn: sqlite3.Connection, actor: Actor, batch: Batch) -> None:
    """404 for any id that does not exist or the actor may not see; 400 for contradictions."""
    finders = {"users": visible_users, "groups": visible_groups, "objects": visible_objects}
    for category, (_, _, table, singular) in CATEGORIES.items():
        wanted = batch.touched(category)
        if not wanted:
            continue
        both = sorted(set(batch.add.get(category, [])) & set(batch.remove.get(category, [])))
        if both:
            raise bad_request(f"{singular} {both[0]} is both added and removed", ids=both)
        visible = finders[category](conn, actor)
        known = ids_in(conn, table, wanted)
        if visible is not None:
            known &= visible
        missing = sorted(wanted - known)
        if missing:
            raise not_found(singular, missing[0])


def _check_single_project(
    conn: sqlite3.Connection, actor: Actor, project_id: int, objects: list[int]
) -> None:
    """409 when a queue, script, dialer or CRM form is already in another project."""
    if not objects:
        return
    row = conn.execute(
        "SELECT po.object_id, p.id, p.name FROM project_objects po "
        "JOIN projects p ON p.id = po.project_id "
        "WHERE po.single = 1 AND po.project_id != ? "
        "AND po.object_id IN (SELECT value FROM json_each(?)) ORDER BY po.object_id LIMIT 1",
        (project_id, _json(objects)),
    ).fetchone()
    if row is None:
        return
    object_id, holder_id, holder_name = row
    if actor.sees_tile(holder_id):
        raise conflict(
            "single_project",
            f"object {object_id} already belongs to project {holder_name!r}; a queue, call "
            "script, auto-dialer or CRM form is in one project at most: move it instead",
            object_id=object_id,
            project_id=holder_id,
            project_name=holder_name,
        )
    raise conflict(
        "single_project",
        f"object {object_id} already belongs to another project; a queue, call script, "
        "auto-dialer or CRM form is in one project at most",
        object_id=object_id,
    )


def _json(ids: list[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def _current(conn: sqlite3.Connection, project_id: int, category: str) -> list[int]:
    table, col, _, _ = CATEGORIES[category]
    return column(
        conn,
        f"SELECT {col} FROM {table} WHERE project_id = ? ORDER BY {col}",  # noqa: S608
        (project_id,),
    )


def _apply(
    conn: sqlite3.Connection, project_id: int, batch: Batch
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Write the batch; answers (before, after) for the categories that changed."""
    before: dict[str, list[int]] = {}
    after: dict[str, list[int]] = {}
    for category, (table, col, _, _) in CATEGORIES.items():
        if not batch.touched(category):
            continue
        old = _current(conn, project_id, category)
        adds = sorted(set(batch.add.get(category, [])) - set(old))
        drops = sorted(set(batch.remove.get(category, [])) & set(old))
        if not adds and not drops:
            continue
        if category == "objects":
            conn.execute(
                "INSERT INTO project_objects SELECT ?, id, single FROM objects "
                "WHERE id IN (SELECT value FROM json_each(?))",
                (project_id, _json(adds)),
            )
        else:
            conn.executemany(
                f"INSERT INTO {table} (project_id, {col}) VALUES (?, ?)",  # noqa: S608
                [(project_id, i) for i in adds],
            )
        conn.executemany(
            f"DELETE FROM {table} WHERE project_id = ? AND {col} = ?",  # noqa: S608
            [(project_id, i) for i in drops],
        )
        before[category] = old
        after[category] = sorted((set(old) | set(adds)) - set(drops))
    return before, after


def change_contents(
    conn: sqlite3.Connection, ctx: Ctx, project_id: int, batch: Batch, expected: int | None
) -> dict[str, Any]:
    """One atomic, idempotent batch of member and object changes to a project."""
    _check_permissions(ctx.actor, batch)
    require_projects_on(conn)
    row = writable_project(conn, ctx.actor, project_id)
    check_version(row, expected)
    _check_items(conn, ctx.actor, batch)
    _check_single_project(conn, ctx.actor, project_id, batch.add.get("objects", []))
    before, after = _apply(conn, project_id, batch)
    if not after:
        return {**project_state(conn, ctx.actor, project_id), "change_ids": []}
    version = bump_version(conn, project_id)
    cid = record(
        conn,
        ctx,
        "update",
        "project_contents",
        project_id,
        project_id=project_id,
        before={**before, "version": row[3]},
        after={**after, "version": version},
    )
    return {**project_state(conn, ctx.actor, project_id), "change_ids": [cid]}


@dataclass(frozen=True, slots=True)
class Move:
    object_id: int
    from_project_id: int
    to_project_id: int
    from_version: int | None = None
    to_version: int | None = None


def move_object(conn: sqlite3.Connection, ctx: Ctx, move: Move) -> dict[str, Any]:
    """Move an object between projects in one statement: never in neither, nor in both."""
    require(ctx.actor, "project_management", "moving an object")
    require_projects_on(conn)
    if move.from_project_id == move.to_project_id:
        raise bad_request("from_project_id and to_project_id must differ")
    source = writable_project(conn, ctx.actor, move.from_project_id)
    target = writable_project(conn, ctx.actor, move.to_project_id)
    check_version(source, move.from_version)
    check_version(target, move.to_version)
    oid = move.object_id
    here = scalar(
        conn,
        "SELECT 1 FROM project_objects WHERE project_id = ? AND object_id = ?",
        (source[0], oid),
    )
    if not here:
        visible = visible_objects(conn, ctx.actor)
        exists = ids_in(conn, "objects", [oid])
        if not exists or (visible is not None and oid not in visible):
            raise not_found("object", oid)
        raise conflict(
            "not_in_project",
            f"object {oid} is not in project {source[1]!r}, so it cannot move out of it",
            object_id=oid,
            project_id=source[0],
        )
    conn.execute(
        "DELETE FROM project_objects WHERE project_id = ? AND object_id = ?", (target[0], oid)
    )
    conn.execute(
        "UPDATE project_objects SET project_id = ? WHERE project_id = ? AND object_id = ?",
        (target[0], source[0], oid),
    )
    from_version = bump_version(conn, source[0])
    to_version = bump_version(conn, target[0])
    ids = [
        record(
            conn,
            ctx,
            "move_out",
            "project_contents",
            source[0],
            project_id=source[0],
            before={"objects": [oid], "version": source[3]},
            after={"objects": [], "version": from_version},
        ),
        record(
            conn,
            ctx,
            "move_in",
            "project_contents",
            target[0],
            project_id=target[0],
            before={"version": target[3]},
            after={"objects": [oid], "version": to_version},
        ),
    ]
    return {
        "object": object_view(conn, ctx.actor, oid),
        "from_version": from_version,
        "to_version": to_version,
        "change_ids": ids,
    }
