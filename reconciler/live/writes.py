"""Turning a batch of changes into projects API v1 write requests.

A batch is what the executor hands to ``LiveSystem.write``: changes sharing one phase and
one ``batch_key``. One batch becomes as few requests as the API allows:

* contents (member/object adds and removes of one project) -> one
  ``POST /projects/{id}/contents`` with ``If-Match``;
* an object move -> ``POST /moves`` with both projects' versions;
* project create -> ``POST /projects``; rename and/or description -> one ``PATCH`` with
  ``If-Match``; delete -> ``DELETE`` with ``If-Match``;
* a role -> ``POST /roles`` (with its first holders), ``PATCH /roles/{id}``,
  ``POST /roles/{id}/holders``, ``DELETE /roles/{id}``;
* the security type -> ``PUT /company`` (``confirm=true`` for advanced -> simple).

Writes that touch a project hold that project's lock (several: taken in sorted order),
so concurrent batches never race each other into a spurious 412. A write whose answer
was lost, or that was refused as a conflict, is settled by its ``resolve`` before the
batch reports anything (``reconciler.live.settle``): a re-read of what it wrote and the
platform's change log since this client's first write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack

from reconciler.live import api_models as api
from reconciler.live.batch import Batch
from reconciler.live.changelog import RawEntry
from reconciler.live.folding import IdMaps
from reconciler.live.protocol import WriteMeta, WriteResult
from reconciler.live.role_writes import write_company, write_role
from reconciler.live.session import RetryMode, Session
from reconciler.live.settle import Witness, about_created, about_project
from reconciler.plan.changes import (
    Change,
    MemberAdd,
    MemberRemove,
    ObjectAdd,
    ObjectMove,
    ObjectRemove,
    ProjectCreate,
    ProjectDelete,
    ProjectRename,
    ProjectUpdate,
    batch_key,
)


def touched_projects(changes: Sequence[Change]) -> list[str]:
    """The projects a batch writes to, sorted (the lock order)."""
    names: set[str] = set()
    for change in changes:
        if change.scope:
            names.add(change.scope)
        if isinstance(change, ProjectRename):
            names.add(change.old_name)
        if isinstance(change, ObjectMove):
            names.add(change.source)
    return sorted(names)


class Writer:
    def __init__(
        self,
        session: Session,
        maps: Callable[[], Awaitable[IdMaps]],
        invalidate: Callable[[], None],
    ) -> None:
        self.session, self._maps, self._invalidate = session, maps, invalidate
        self._locks: dict[str, asyncio.Lock] = {}
        self.witness = Witness(session)

    async def write(self, changes: Sequence[Change], meta: WriteMeta) -> WriteResult:
        if not changes:
            return WriteResult()
        keys = {(c.phase, batch_key(c)) for c in changes}
        if len(keys) != 1:
            raise ValueError(f"a write batch must share one phase and batch key, got {keys}")
        kind = batch_key(changes[0])[0]
        await self.witness.mark()
        async with AsyncExitStack() as stack:
            for name in touched_projects(changes):
                await stack.enter_async_context(self._locks.setdefault(name, asyncio.Lock()))
            batch = Batch(self.session, await self._maps(), meta, self.witness)
            try:
                ids = await _HANDLERS[kind](batch, changes)
            finally:
                if batch.stale:
                    self._invalidate()
        return WriteResult(change_ids=tuple(ids), by=batch.by)


async def _contents(batch: Batch, changes: Sequence[Change]) -> list[int]:
    name = changes[0].scope or ""
    pid, maps = batch.maps.project_id(name), batch.maps
    add: dict[str, list[int]] = {"users": [], "groups": [], "objects": []}
    remove: dict[str, list[int]] = {"users": [], "groups": [], "objects": []}
    for change in changes:
        side = add if isinstance(change, MemberAdd | ObjectAdd) else remove
        if isinstance(change, MemberAdd | MemberRemove):
            if change.member_type == "user":
                side["users"].append(maps.user_id(change.member))
            else:
                side["groups"].append(maps.group_id(change.member))
        elif isinstance(change, ObjectAdd | ObjectRemove):
            side["objects"].append(maps.object_id((change.kind, change.object)))

    about = about_project(pid, "project_contents", "update")

    async def resolve() -> api.ProjectWritten | None:
        now = await batch.project(pid)
        held = {"users": now.users or [], "groups": now.groups or [], "objects": now.objects or []}
        holds = all(set(ids) <= set(held[k]) for k, ids in add.items()) and not any(
            set(ids) & set(held[k]) for k, ids in remove.items()
        )
        return await batch.settle(about, now, holds=holds)

    body = {
        "add": {k: v for k, v in add.items() if v},
        "remove": {k: v for k, v in remove.items() if v},
    }
    answer = await batch.send(
        "POST",
        f"/projects/{pid}/contents",
        api.ProjectWritten,
        body=body,
        headers=batch.if_match(name),
        about=about,
        resolve=resolve,
    )
    maps.versions[name] = answer.version
    return answer.change_ids


async def _move(batch: Batch, changes: Sequence[Change]) -> list[int]:
    (move,) = changes
    assert isinstance(move, ObjectMove)
    maps = batch.maps
    oid = maps.object_id((move.kind, move.object))
    src, dst = maps.project_id(move.source), maps.project_id(move.target)
    body = {
        "object_id": oid,
        "from_project_id": src,
        "to_project_id": dst,
        "from_version": maps.version(move.source),
        "to_version": maps.version(move.target),
    }

    def about(e: RawEntry) -> bool:
        return about_project(src, "project_contents", "move_out")(e) or about_project(
            dst, "project_contents", "move_in"
        )(e)

    async def resolve() -> api.MoveWritten | None:
        a, b = await batch.project(src), await batch.project(dst)
        holds = oid in (b.objects or []) and oid not in (a.objects or [])
        obj = api.ApiObject(id=oid, kind=move.kind, name=move.object, project_ids=[dst])
        now = api.MoveWritten(object=obj, from_version=a.version, to_version=b.version)
        return await batch.settle(about, now, holds=holds)

    answer = await batch.send(
        "POST",
        "/moves",
        api.MoveWritten,
        body=body,
        headers=batch.headers,
        about=about,
        resolve=resolve,
    )
    maps.versions[move.source], maps.versions[move.target] = answer.from_version, answer.to_version
    return answer.change_ids


async def _project(batch: Batch, changes: Sequence[Change]) -> list[int]:
    first = changes[0]
    if isinstance(first, ProjectCreate):
        return await _project_create(batch, first)
    if isinstance(first, ProjectDelete):
        return await _project_delete(batch, first.name)
    return await _project_patch(batch, changes)


async def _project_create(batch: Batch, create: ProjectCreate) -> list[int]:
    about = about_created("project", create.name)

    async def resolve() -> api.ProjectWritten | None:
        entries = await batch.witness.entries(about)
        if not entries or entries[-1].resource_id is None:
            return None
        now = await batch.project(entries[-1].resource_id)
        holds = (now.name, now.description or "") == (create.name, create.description)
        return await batch.settle(about, now, holds=holds)

    answer = await batch.send(
        "POST",
        "/projects",
        api.ProjectWritten,
        body={"name": create.name, "description": create.description},
        headers=batch.headers,
        mode=RetryMode.UNSENT,
        about=about,
        resolve=resolve,
    )
    batch.maps.remember_project(answer)
    return answer.change_ids


async def _project_delete(batch: Batch, name: str) -> list[int]:
    pid = batch.maps.project_id(name)
    path = f"/projects/{pid}"

    about = about_project(pid, "project", "delete")

    async def resolve() -> api.Written | None:
        return await batch.settle(about, api.Written(), holds=await batch.absent(path))

    answer = await batch.send(
        "DELETE", path, api.Written, headers=batch.if_match(name), about=about, resolve=resolve
    )
    batch.maps.forget_project(name)
    return answer.change_ids


async def _project_patch(batch: Batch, changes: Sequence[Change]) -> list[int]:
    current = changes[0].scope or ""
    old, body = current, {}
    for change in changes:
        if isinstance(change, ProjectRename):
            old, body["name"] = change.old_name, change.new_name
        elif isinstance(change, ProjectUpdate):
            body["description"] = change.after
    pid = batch.maps.project_id(old)

    about = about_project(pid, "project", "update")

    async def resolve() -> api.ProjectWritten | None:
        now = await batch.project(pid)
        holds = all(getattr(now, k) == v for k, v in body.items())
        return await batch.settle(about, now, holds=holds)

    answer = await batch.send(
        "PATCH",
        f"/projects/{pid}",
        api.ProjectWritten,
        body=body,
        headers=batch.if_match(old),
        about=about,
        resolve=resolve,
    )
    batch.maps.forget_project(old)
    batch.maps.remember_project(answer)
    return answer.change_ids


_HANDLERS: dict[str, Callable[[Batch, Sequence[Change]], Awaitable[list[int]]]] = {
    "contents": _contents,
    "move": _move,
    "project": _project,
    "role": write_role,
    "company": write_company,
}
