"""Turning a batch of changes into the web app's writes.

The web app writes whole lists and keeps no versions, so every write is
re-read-compare-write: the list about to be replaced is read again just before, and
when it differs from what this client last saw (the plan's live state, or its own last
write) the write is refused as a conflict: a concurrent edit is never overwritten.

* members and objects of one project -> one ``POST .../set/{id}/{type}`` per type
  touched, with the whole new list, after re-reading the project;
* an object move -> setting the object's projects to the target, after checking it is
  still in the source only (one request: never in neither project, nor in both);
* project create / rename and describe / delete -> the project form's routes;
* roles -> the role routes, permissions through the permission pages (the roles holding
  one permission) and holders through each user's role list.

Whole-list writes are idempotent (sending the same list twice changes nothing), so they
are retried like reads; creating a project or a role is retried only when it certainly
did not reach the server. The security type cannot be changed through the web app.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from typing import TypeVar

from reconciler.errors import ConflictError, LiveError
from reconciler.live.okitoki import models as m
from reconciler.live.okitoki import routes as r
from reconciler.live.okitoki.exchange import WebSession
from reconciler.live.okitoki.reading import Holdings, WebState
from reconciler.live.session import RetryMode
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
    batch_key,
)

W = TypeVar("W", bound=m.WebModel)


class WebWriter:
    def __init__(self, session: WebSession, state: Callable[[], Awaitable[WebState]]) -> None:
        self.session, self._state = session, state
        self._locks: dict[str, asyncio.Lock] = {}

    async def write(self, changes: Sequence[Change]) -> None:
        if not changes:
            return
        keys = {(c.phase, batch_key(c)) for c in changes}
        if len(keys) != 1:
            raise ValueError(f"a write batch must share one phase and batch key, got {keys}")
        kind = batch_key(changes[0])[0]
        handler = _HANDLERS.get(kind)
        if handler is None:
            raise LiveError(
                "the platform's web app cannot change the security type: change it in the "
                "platform's settings, or leave security_type out of the Company document"
            )
        await handler(_Batch(self, await self._state()), changes)

    def lock(self, name: str) -> asyncio.Lock:
        return self._locks.setdefault(name, asyncio.Lock())


class _Batch:
    def __init__(self, writer: WebWriter, state: WebState) -> None:
        self.writer, self.session, self.state = writer, writer.session, state

    async def locked(self, stack: AsyncExitStack, *names: str) -> None:
        for name in sorted(names):
            await stack.enter_async_context(self.writer.lock(name))

    async def get(
        self,
        route: r.Route,
        model: type[W],
        params: dict[str, str] | None = None,
        **parts: object,
    ) -> W:
        return await self.session.call("GET", route.url(**parts), model, params=params)

    async def post(
        self,
        route: r.Route,
        model: type[W],
        body: dict[str, object],
        *,
        mode: RetryMode = RetryMode.SAFE,
        landed: Callable[[], Awaitable[W | None]] | None = None,
        **parts: object,
    ) -> W:
        """One write; ``landed`` checks, after a lost answer, whether it is in place."""
        return await self.session.call(
            "POST", route.url(**parts), model, body=body, mode=mode, resolve=landed
        )

    async def holdings(self, project: str) -> tuple[int, Holdings]:
        """The project's lists now, refused unless they are what this client last saw."""
        pid = self.state.id_of(self.state.projects, project, f"project {project!r}")
        now = await self.get(r.PROJECT, m.ProjectAnswer, id=pid)
        held = {i.name: frozenset(x.id for x in i.items) for i in now.project.objects}
        seen = self.state.holdings.get(project, {})
        changed = sorted(t for t in seen if held.get(t, frozenset()) != seen[t])
        if changed or now.project.name != project:
            raise ConflictError(
                "GET",
                r.PROJECT.url(id=pid),
                409,
                f"project {project!r} changed on the platform since the plan was made "
                f"({', '.join(changed) or 'its name'}); nothing was overwritten: run plan again",
            )
        return pid, held


async def _contents(batch: _Batch, changes: Sequence[Change]) -> None:
    project = changes[0].scope or ""
    state = batch.state
    add: dict[str, set[int]] = {}
    remove: dict[str, set[int]] = {}
    for change in changes:
        side = add if isinstance(change, MemberAdd | ObjectAdd) else remove
        if isinstance(change, MemberAdd | MemberRemove):
            if change.member_type != "user":
                raise LiveError(
                    f"project {project!r}: the web app keeps no groups as members "
                    f"(group {change.member!r}); its users are planned instead"
                )
            ident = state.id_of(state.users, change.member, f"user {change.member!r}")
            side.setdefault(r.USERS_TYPE, set()).add(ident)
        elif isinstance(change, ObjectAdd | ObjectRemove):
            ref = (change.kind, change.object)
            ident = state.id_of(state.objects, ref, f"{change.kind} object {change.object!r}")
            side.setdefault(r.TYPE_NAMES[change.kind], set()).add(ident)
    async with AsyncExitStack() as stack:
        await batch.locked(stack, f"project:{project}")
        pid, held = await batch.holdings(project)
        for type_name in sorted(add.keys() | remove.keys()):
            wanted = (held.get(type_name, frozenset()) | add.get(type_name, set())) - remove.get(
                type_name, set()
            )
            body: dict[str, object] = {r.F_ITEMS: sorted(wanted)}
            answer = await batch.post(
                r.PROJECT_ITEMS,
                m.ItemsWritten,
                body,
                landed=_list_is(batch, pid, type_name, frozenset(wanted)),
                id=pid,
                type=type_name,
            )
            state.holdings[project][type_name] = frozenset(i.id for i in answer.items)


def _list_is(
    batch: _Batch, pid: int, type_name: str, wanted: frozenset[int]
) -> Callable[[], Awaitable[m.ItemsWritten | None]]:
    """After a lost answer: the written list, if the project now holds exactly it."""

    async def check() -> m.ItemsWritten | None:
        now = await batch.get(r.PROJECT, m.ProjectAnswer, id=pid)
        lists = {i.name: i.items for i in now.project.objects}
        items = lists.get(type_name)
        if items is None or {x.id for x in items} != wanted:
            return None
        return m.ItemsWritten(items=items)

    return check


def _created(batch: _Batch, name: str) -> Callable[[], Awaitable[m.ProjectWritten | None]]:
    """After a lost answer: the project, if one of that name now exists."""

    async def check() -> m.ProjectWritten | None:
        tiles = (await batch.get(r.PROJECTS, m.ProjectList)).projects
        found = [t for t in tiles if t.name == name]
        return m.ProjectWritten(project=found[0]) if found else None

    return check


async def _move(batch: _Batch, changes: Sequence[Change]) -> None:
    (move,) = changes
    assert isinstance(move, ObjectMove)
    state = batch.state
    oid = state.id_of(state.objects, (move.kind, move.object), f"{move.kind} {move.object!r}")
    src = state.id_of(state.projects, move.source, f"project {move.source!r}")
    dst = state.id_of(state.projects, move.target, f"project {move.target!r}")
    type_name = r.TYPE_NAMES[move.kind]
    async with AsyncExitStack() as stack:
        await batch.locked(stack, f"project:{move.source}", f"project:{move.target}")
        params = {r.F_OBJECT_ID: str(oid), r.F_OBJECT_TYPE: type_name}
        now = await batch.get(r.OBJECT_PROJECTS, m.ObjectProjects, params)
        current = now.projects.current_projects
        if current not in ([src], [dst]):
            raise ConflictError(
                "GET",
                r.OBJECT_PROJECTS.path,
                409,
                f"{move.kind}/{move.object} is no longer in project {move.source!r} only; "
                "nothing was moved: run plan again",
            )
        body: dict[str, object] = {**params, r.F_PROJECTS: [dst]}

        async def moved() -> m.ObjectProjects | None:
            now = await batch.get(r.OBJECT_PROJECTS, m.ObjectProjects, params)
            return now if now.projects.current_projects == [dst] else None

        await batch.post(r.OBJECT_PROJECTS_SET, m.ObjectProjects, body, landed=moved)
        for name, op in ((move.source, frozenset.difference), (move.target, frozenset.union)):
            lists = state.holdings.setdefault(name, {})
            lists[type_name] = op(lists.get(type_name, frozenset()), {oid})


async def _project(batch: _Batch, changes: Sequence[Change]) -> None:
    first, state = changes[0], batch.state
    if isinstance(first, ProjectCreate):
        body: dict[str, object] = {r.F_NAME: first.name, r.F_DESCRIPTION: first.description}
        made = await batch.post(
            r.PROJECT_CREATE,
            m.ProjectWritten,
            body,
            mode=RetryMode.UNSENT,
            landed=_created(batch, first.name),
        )
        state.projects[first.name] = made.project.id
        state.descriptions[first.name] = first.description
        now = await batch.get(r.PROJECT, m.ProjectAnswer, id=made.project.id)
        state.holdings[first.name] = {
            i.name: frozenset(x.id for x in i.items) for i in now.project.objects
        }
        return
    old = first.scope or ""
    for change in changes:
        if isinstance(change, ProjectRename):
            old = change.old_name
    async with AsyncExitStack() as stack:
        await batch.locked(stack, f"project:{old}")
        pid, _ = await batch.holdings(old)
        if isinstance(first, ProjectDelete):
            await batch.post(r.PROJECT_REMOVE, m.Done, {}, id=pid)
            for table in (state.projects, state.descriptions, state.holdings):
                table.pop(old, None)
            return
        name, description = old, state.descriptions.get(old, "")
        for change in changes:
            if isinstance(change, ProjectRename):
                name = change.new_name
            elif isinstance(change, ProjectUpdate):
                description = change.after
        body = {r.F_NAME: name, r.F_DESCRIPTION: description}
        await batch.post(r.PROJECT_UPDATE, m.ProjectWritten, body, id=pid)
        state.projects[name] = state.projects.pop(old)
        state.holdings[name] = state.holdings.pop(old)
        state.descriptions.pop(old, None)
        state.descriptions[name] = description


async def _role(batch: _Batch, changes: Sequence[Change]) -> None:
    role, state = batch_key(changes[0])[1], batch.state
    if any(isinstance(c, RoleDelete) for c in changes):
        rid = state.id_of(state.roles, role, f"role {role!r}")
        await batch.post(r.ROLE_REMOVE, m.Done, {}, id=rid)
        state.roles.pop(role, None)
        return
    grant: set[str] = set()
    drop: set[str] = set()
    for change in changes:
        if isinstance(change, RoleCreate):
            body: dict[str, object] = {r.F_NAME: role}
            made = await batch.post(r.ROLE_CREATE, m.RoleAnswer, body, mode=RetryMode.UNSENT)
            state.roles[role] = made.role.id
            grant |= set(change.permissions)
        elif isinstance(change, RoleUpdate):
            grant |= set(change.after) - set(change.before)
            drop |= set(change.before) - set(change.after)
    rid = state.id_of(state.roles, role, f"role {role!r}")
    for permission in sorted(grant | drop):
        await _permission(batch, permission, rid, permission in grant)
    for change in changes:
        if isinstance(change, RoleHolderAdd | RoleHolderRemove):
            await _holder(batch, change.user, rid, isinstance(change, RoleHolderAdd))


async def _permission(batch: _Batch, permission: str, rid: int, held: bool) -> None:
    state = batch.state
    async with AsyncExitStack() as stack:
        await batch.locked(stack, f"permission:{permission}")
        params = {r.F_PERMISSION: r.PERMISSION_NAMES[permission]}
        now = frozenset((await batch.get(r.PERMISSION_ROLES, m.CurrentRoles, params)).current_roles)
        seen = state.permission_roles.get(permission)
        _unchanged(now, seen, f"permission {permission}", r.PERMISSION_ROLES.path)
        wanted = now | {rid} if held else now - {rid}
        body: dict[str, object] = {**params, r.F_ROLES: sorted(wanted)}
        answer = await batch.post(r.PERMISSION_ROLES_SET, m.CurrentRoles, body)
        state.permission_roles[permission] = frozenset(answer.current_roles)


async def _holder(batch: _Batch, login: str, rid: int, held: bool) -> None:
    state = batch.state
    uid = state.id_of(state.users, login, f"user {login!r}")
    async with AsyncExitStack() as stack:
        await batch.locked(stack, f"user:{login}")
        now = frozenset((await batch.get(r.USER_ROLES, m.CurrentRoles, id=uid)).current_roles)
        seen = state.user_roles.get(uid)
        _unchanged(now, seen, f"the roles of user {login!r}", r.USER_ROLES.url(id=uid))
        wanted = now | {rid} if held else now - {rid}
        body: dict[str, object] = {r.F_ROLES: sorted(wanted)}
        answer = await batch.post(r.USER_ROLES_SET, m.CurrentRoles, body, id=uid)
        state.user_roles[uid] = frozenset(answer.current_roles)


def _unchanged(now: frozenset[int], seen: frozenset[int] | None, what: str, path: str) -> None:
    if seen is not None and now != seen:
        raise ConflictError(
            "GET",
            path,
            409,
            f"{what} changed on the platform since the plan was made; nothing was "
            "overwritten: run plan again",
        )


_HANDLERS: dict[str, Callable[[_Batch, Sequence[Change]], Awaitable[None]]] = {
    "contents": _contents,
    "move": _move,
    "project": _project,
    "role": _role,
}
