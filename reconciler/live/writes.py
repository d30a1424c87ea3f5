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
so concurrent batches never race each other into a spurious 412.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from typing import Any

from reconciler.errors import NotFoundError
from reconciler.live import api_models as api
from reconciler.live.protocol import WriteMeta
from reconciler.live.reading import IdMaps
from reconciler.live.session import RetryMode, Session
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
    RoleCreate,
    RoleDelete,
    RoleHolderAdd,
    RoleHolderRemove,
    RoleUpdate,
    SecurityTypeChange,
    batch_key,
)

Headers = dict[str, str]
_META_HEADERS = (
    ("commit", "X-Reconciler-Commit"),
    ("plan", "X-Reconciler-Plan"),
    ("actor", "X-Reconciler-Actor"),
)
_INCLUDE = {"include": "members,objects"}


def meta_headers(meta: WriteMeta) -> Headers:
    """The client metadata headers: printable ASCII only, at most 200 characters."""
    headers: Headers = {}
    for attr, name in _META_HEADERS:
        value = getattr(meta, attr)
        if value:
            text = str(value).encode("ascii", "backslashreplace").decode("ascii")
            headers[name] = "".join(ch if ch.isprintable() else " " for ch in text)[:200]
    return headers


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

    async def write(self, changes: Sequence[Change], meta: WriteMeta) -> list[int]:
        if not changes:
            return []
        keys = {(c.phase, batch_key(c)) for c in changes}
        if len(keys) != 1:
            raise ValueError(f"a write batch must share one phase and batch key, got {keys}")
        kind = batch_key(changes[0])[0]
        async with AsyncExitStack() as stack:
            for name in touched_projects(changes):
                await stack.enter_async_context(self._locks.setdefault(name, asyncio.Lock()))
            batch = _Batch(self.session, await self._maps(), meta_headers(meta))
            try:
                return await _HANDLERS[kind](batch, changes)
            finally:
                if batch.stale:
                    self._invalidate()


class _Batch:
    """One batch's writes: the session, the id maps to use and update, the headers."""

    def __init__(self, session: Session, maps: IdMaps, headers: Headers) -> None:
        self.session, self.maps, self.headers = session, maps, headers
        self.stale = False

    def if_match(self, project: str) -> Headers:
        return {**self.headers, "If-Match": str(self.maps.version(project))}

    async def project(self, pid: int) -> api.Project:
        return await self.session.call("GET", f"/projects/{pid}", api.Project, params=_INCLUDE)

    async def gone(self, path: str) -> api.Written | None:
        """After an uncertain DELETE: ``Written()`` when ``path`` no longer exists."""
        try:
            await self.session.call("GET", path, api.Written)
        except NotFoundError:
            return api.Written()
        return None


async def _contents(batch: _Batch, changes: Sequence[Change]) -> list[int]:
    name = changes[0].scope or ""
    pid, version, maps = batch.maps.project_id(name), batch.maps.version(name), batch.maps
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

    async def resolve() -> api.ProjectWritten | None:
        now = await batch.project(pid)
        held = {"users": now.users or [], "groups": now.groups or [], "objects": now.objects or []}
        landed = all(set(ids) <= set(held[k]) for k, ids in add.items()) and not any(
            set(ids) & set(held[k]) for k, ids in remove.items()
        )
        ok = landed and now.version == version + 1
        return api.ProjectWritten(**now.model_dump()) if ok else None

    body = {
        "add": {k: v for k, v in add.items() if v},
        "remove": {k: v for k, v in remove.items() if v},
    }
    answer = await batch.session.call(
        "POST",
        f"/projects/{pid}/contents",
        api.ProjectWritten,
        body=body,
        headers=batch.if_match(name),
        resolve=resolve,
    )
    maps.versions[name] = answer.version
    return answer.change_ids


async def _move(batch: _Batch, changes: Sequence[Change]) -> list[int]:
    (move,) = changes
    assert isinstance(move, ObjectMove)
    maps = batch.maps
    oid = maps.object_id((move.kind, move.object))
    src, dst = maps.project_id(move.source), maps.project_id(move.target)
    v_src, v_dst = maps.version(move.source), maps.version(move.target)
    body = {
        "object_id": oid,
        "from_project_id": src,
        "to_project_id": dst,
        "from_version": v_src,
        "to_version": v_dst,
    }

    async def resolve() -> api.MoveWritten | None:
        a, b = await batch.project(src), await batch.project(dst)
        if (
            oid in (b.objects or [])
            and oid not in (a.objects or [])
            and (a.version, b.version) == (v_src + 1, v_dst + 1)
        ):
            obj = api.ApiObject(id=oid, kind=move.kind, name=move.object, project_ids=[dst])
            return api.MoveWritten(object=obj, from_version=a.version, to_version=b.version)
        return None

    answer = await batch.session.call(
        "POST", "/moves", api.MoveWritten, body=body, headers=batch.headers, resolve=resolve
    )
    maps.versions[move.source], maps.versions[move.target] = answer.from_version, answer.to_version
    return answer.change_ids


async def _project(batch: _Batch, changes: Sequence[Change]) -> list[int]:
    first = changes[0]
    if isinstance(first, ProjectCreate):
        answer = await batch.session.call(
            "POST",
            "/projects",
            api.ProjectWritten,
            body={"name": first.name, "description": first.description},
            headers=batch.headers,
            mode=RetryMode.UNSENT,
        )
        batch.maps.remember_project(answer)
        return answer.change_ids
    if isinstance(first, ProjectDelete):
        return await _project_delete(batch, first.name)
    return await _project_patch(batch, changes)


async def _project_delete(batch: _Batch, name: str) -> list[int]:
    pid = batch.maps.project_id(name)
    path = f"/projects/{pid}"
    answer = await batch.session.call(
        "DELETE",
        path,
        api.Written,
        headers=batch.if_match(name),
        resolve=lambda: batch.gone(path),
    )
    batch.maps.forget_project(name)
    return answer.change_ids


async def _project_patch(batch: _Batch, changes: Sequence[Change]) -> list[int]:
    current = changes[0].scope or ""
    old, body = current, {}
    for change in changes:
        if isinstance(change, ProjectRename):
            old, body["name"] = change.old_name, change.new_name
        elif isinstance(change, ProjectUpdate):
            body["description"] = change.after
    pid, version = batch.maps.project_id(old), batch.maps.version(old)

    async def resolve() -> api.ProjectWritten | None:
        now = await batch.project(pid)
        same = all(getattr(now, k) == v for k, v in body.items())
        return (
            api.ProjectWritten(**now.model_dump()) if same and now.version == version + 1 else None
        )

    answer = await batch.session.call(
        "PATCH",
        f"/projects/{pid}",
        api.ProjectWritten,
        body=body,
        headers=batch.if_match(old),
        resolve=resolve,
    )
    batch.maps.forget_project(old)
    batch.maps.remember_project(answer)
    return answer.change_ids


async def _role(batch: _Batch, changes: Sequence[Change]) -> list[int]:
    name = batch_key(changes[0])[1]
    if any(isinstance(c, RoleDelete) for c in changes):
        return await _role_delete(batch, name)
    add = sorted(batch.maps.user_id(c.user) for c in changes if isinstance(c, RoleHolderAdd))
    drop = sorted(batch.maps.user_id(c.user) for c in changes if isinstance(c, RoleHolderRemove))
    ids: list[int] = []
    for change in changes:
        if isinstance(change, RoleCreate):
            body: dict[str, Any] = {
                "name": name,
                "permissions": sorted(change.permissions),
                "user_ids": add,
            }
            role = await batch.session.call(
                "POST",
                "/roles",
                api.RoleWritten,
                body=body,
                headers=batch.headers,
                mode=RetryMode.UNSENT,
            )
            batch.maps.roles[name] = role.id
            ids += role.change_ids
            add = []
        elif isinstance(change, RoleUpdate):
            path = f"/roles/{batch.maps.role_id(name)}"
            body = {"permissions": sorted(change.after)}
            answer = await batch.session.call(
                "PATCH", path, api.RoleWritten, body=body, headers=batch.headers
            )
            ids += answer.change_ids
    if add or drop:
        path = f"/roles/{batch.maps.role_id(name)}/holders"
        body = {"add": add, "remove": drop}
        holders = await batch.session.call(
            "POST", path, api.Written, body=body, headers=batch.headers
        )
        ids += holders.change_ids
    return ids


async def _role_delete(batch: _Batch, name: str) -> list[int]:
    """Deleting a role also ends its holdings: holder removals in the batch ride along."""
    path = f"/roles/{batch.maps.role_id(name)}"
    answer = await batch.session.call(
        "DELETE", path, api.Written, headers=batch.headers, resolve=lambda: batch.gone(path)
    )
    batch.maps.roles.pop(name, None)
    return answer.change_ids


async def _company(batch: _Batch, changes: Sequence[Change]) -> list[int]:
    (change,) = changes
    assert isinstance(change, SecurityTypeChange)
    params = {"confirm": "true"} if change.after == "simple" else None
    batch.stale = True  # projects appear (Default) or vanish: read them again before use
    answer = await batch.session.call(
        "PUT",
        "/company",
        api.CompanyWritten,
        params=params,
        body={"security_type": change.after},
        headers=batch.headers,
    )
    return answer.change_ids


_HANDLERS: dict[str, Callable[[_Batch, Sequence[Change]], Awaitable[list[int]]]] = {
    "contents": _contents,
    "move": _move,
    "project": _project,
    "role": _role,
    "company": _company,
}
