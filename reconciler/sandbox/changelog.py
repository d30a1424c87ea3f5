"""The change log: every write, who made it, what changed, and the client's metadata.

Entries are readable by project and time range. Admin and ``view_all`` see every entry;
everyone else sees only the entries of projects they belong to.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reconciler.sandbox.authz import Actor, json_ids, readable_project
from reconciler.sandbox.problems import forbidden
from reconciler.sandbox.store import scalar

CLIENT_FIELD_LIMIT = 200


def _bounded(value: str | None) -> str | None:
    return None if value is None else value[:CLIENT_FIELD_LIMIT]


@dataclass(frozen=True, slots=True)
class ClientMeta:
    """What the client said about itself in ``X-Reconciler-*`` headers (``apply``: the
    run id of one apply, telling apart two applies of the same plan and commit)."""

    commit: str | None = None
    plan: str | None = None
    actor: str | None = None
    apply: str | None = None

    def bounded(self) -> ClientMeta:
        return ClientMeta(
            _bounded(self.commit), _bounded(self.plan), _bounded(self.actor), _bounded(self.apply)
        )


@dataclass(frozen=True, slots=True)
class Ctx:
    """One write request: who acts and what the client told about itself."""

    actor: Actor
    meta: ClientMeta = ClientMeta()


def utc_text(moment: datetime) -> str:
    """RFC 3339 UTC with microseconds: sorts as text in time order."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # the edge of the calendar: clamp to it
        moment = datetime.max if moment.year > 1 else datetime.min
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record(
    conn: sqlite3.Connection,
    ctx: Ctx,
    action: str,
    resource: str,
    resource_id: int | None,
    *,
    project_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> int:
    """Write one entry inside the caller's transaction; answer its id."""
    meta = ctx.meta.bounded()
    cur = conn.execute(
        "INSERT INTO changelog (time, actor_id, actor_login, action, resource, resource_id, "
        "project_id, before, after, client_commit, client_plan, client_actor, client_apply) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            utc_text(datetime.now(UTC)),
            ctx.actor.id,
            ctx.actor.login,
            action,
            resource,
            resource_id,
            project_id,
            None if before is None else json.dumps(before, sort_keys=True),
            None if after is None else json.dumps(after, sort_keys=True),
            meta.commit,
            meta.plan,
            meta.actor,
            meta.apply,
        ),
    )
    assert cur.lastrowid is not None
    return int(cur.lastrowid)


def _entry(row: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "id": row[0],
        "time": row[1],
        "actor_id": row[2],
        "actor_login": row[3],
        "action": row[4],
        "resource": row[5],
        "resource_id": row[6],
        "project_id": row[7],
        "before": None if row[8] is None else json.loads(row[8]),
        "after": None if row[9] is None else json.loads(row[9]),
        "client": {"commit": row[10], "plan": row[11], "actor": row[12], "apply": row[13]},
    }


def list_changes(
    conn: sqlite3.Connection,
    actor: Actor,
    *,
    project_id: int | None,
    since: datetime | None,
    until: datetime | None,
    offset: int,
    limit: int,
) -> dict[str, Any]:
    """A page of entries the actor may see, oldest first."""
    where = ["1 = 1"]
    params: list[Any] = []
    if project_id is not None:
        readable_project_entries(conn, actor, project_id)
        where.append("project_id = ?")
        params.append(project_id)
    if not actor.sees_everything:
        where.append("project_id IN (SELECT value FROM json_each(?))")
        params.append(json_ids(actor.member_projects))
    if since is not None:
        where.append("time >= ?")
        params.append(utc_text(since))
    if until is not None:
        where.append("time < ?")
        params.append(utc_text(until))
    clause = " AND ".join(where)
    total = int(scalar(conn, f"SELECT COUNT(*) FROM changelog WHERE {clause}", params))  # noqa: S608
    columns = (
        "id, time, actor_id, actor_login, action, resource, resource_id, project_id, "
        "before, after, client_commit, client_plan, client_actor, client_apply"
    )
    sql = f"SELECT {columns} FROM changelog WHERE {clause} ORDER BY id LIMIT ? OFFSET ?"  # noqa: S608
    rows = conn.execute(sql, (*params, limit, offset)).fetchall()
    items = [_entry(tuple(r)) for r in rows]
    end = offset + len(items)
    return {"items": items, "total": total, "next_offset": end if end < total else None}


def readable_project_entries(conn: sqlite3.Connection, actor: Actor, project_id: int) -> None:
    """404 for a project the actor cannot see; 403 when they see only its tile.

    The log of a deleted project stays readable by those who see everything.
    """
    if actor.sees_everything:
        return
    row = readable_project(conn, actor, project_id)
    if not actor.sees_project(project_id):
        raise forbidden(f"the change log of project {row[1]!r} is visible to its members only")
